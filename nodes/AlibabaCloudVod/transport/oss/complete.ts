import { sendOssRequest, type OssAnswer } from './client';
import type { OssFailure } from './failures';
import type { StoredPart } from './partsLoop';
import { completeMultipartUploadRequest, headObjectRequest, listPartsRequest } from './requests';
import type { UploadRun } from './run';
import { sendWithRetries } from './send';
import { parseListParts } from './xml';

/** ListParts answers 1000 parts a page; 10,000 parts make 10 pages */
const LIST_PAGE = 1000;
const MAX_PAGES = 20;

/** Every part must be on the server before Complete. */
async function verifyParts(run: UploadRun, expected: StoredPart[]) {
	const uploadId = run.uploadId as string;
	const seen = new Map<number, number>();
	let marker: string | undefined;
	try {
		for (let page = 0; page < MAX_PAGES; page++) {
			const answer = await sendWithRetries(run, `Listing the parts of ${run.key}`, (target, date) =>
				listPartsRequest(target, { uploadId, maxParts: LIST_PAGE, partNumberMarker: marker }, date),
			);
			const listed = parseListParts(answer.body);
			for (const part of listed.parts) seen.set(part.partNumber, part.size);
			if (!listed.isTruncated || !listed.nextPartNumberMarker) break;
			marker = listed.nextPartNumberMarker;
		}
	} catch (caught) {
		// Some STS policies do not grant ListParts, and an answer cut short is refused by the strict reader
		// (xml.ts); either way Complete, which names every part by its ETag, still has OSS check each one.
		run.settings.logger?.warn(`Could not list the uploaded parts of ${run.key}: ${(caught as Error).message}`);
		return;
	}
	const missing = expected.filter((part) => seen.get(part.number) !== part.size).map((part) => part.number);
	if (missing.length) {
		throw run.failure(
			`OSS does not hold ${missing.length} of the ${expected.length} uploaded parts (first: part ${missing[0]})`,
			'storage',
		);
	}
}

/** A retried Complete whose first try did land finds no upload any more, and the object in its place. */
async function completedBefore(run: UploadRun, error: OssFailure): Promise<OssAnswer | undefined> {
	if (error.code !== 'NoSuchUpload') return undefined;
	const { http, timeoutMs } = run.settings;
	try {
		const answer = await sendOssRequest(http, headObjectRequest(run.target(), new Date()), { timeoutMs });
		return Number(answer.headers['content-length']) === run.sourceBytes ? answer : undefined;
	} catch {
		return undefined;
	}
}

/** Checks that OSS holds every part, then completes the multipart upload into the object. */
export async function completeUpload(run: UploadRun, stored: StoredPart[]): Promise<void> {
	await verifyParts(run, stored);
	const uploadId = run.uploadId as string;
	const parts = stored.map(({ number, etag }) => ({ number, etag }));
	run.completeSent = true;
	await sendWithRetries(
		run,
		`Completing the multipart upload of ${run.key}`,
		(target, date) => completeMultipartUploadRequest(target, { uploadId, parts }, date),
		async (error) => await completedBefore(run, error),
	);
}
