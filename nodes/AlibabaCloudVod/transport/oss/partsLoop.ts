import { formatBytes } from '../../helpers/uploadFormat';
import { StreamUploadError } from './failures';
import type { Part, PartReader } from './partReader';
import { MAX_PARTS } from './partSize';
import { uploadPartRequest } from './requests';
import type { UploadRun } from './run';
import { sendWithRetries } from './send';

export interface StoredPart {
	number: number;
	etag: string;
	size: number;
}

/**
 * Uploads the parts of a started multipart upload, `parallel` at a time. While they upload, the next
 * part is read (and hashed) into a pooled buffer, and the source is read no further until a slot frees;
 * so memory stays near part size × (parallel + 1) whatever the size of the file. The first failure
 * stops the loop; the parts in flight finish before it is thrown.
 */
export async function uploadPartsInParallel(
	run: UploadRun,
	reader: PartReader,
	parts: { first: Part; second: Part; partSize: number; parallel: number; onStored: () => void },
): Promise<StoredPart[]> {
	const uploadId = run.uploadId as string;
	const stored: StoredPart[] = [];
	const inFlight = new Set<Promise<void>>();
	let failure: StreamUploadError | undefined;

	const send = (number: number, part: Part) => {
		const task = sendWithRetries(run, `Uploading part ${number} of ${run.key}`, (target, date) =>
			uploadPartRequest(target, { uploadId, partNumber: number, body: part.data, contentMd5: part.contentMd5 }, date),
		)
			.then((answer) => {
				stored.push({ number, etag: answer.headers.etag ?? '', size: part.data.length });
				run.uploadedBytes += part.data.length;
				run.uploadedParts++;
				reader.release(part);
				parts.onStored();
			})
			.catch((caught: unknown) => {
				failure ??= run.sourceFailure(caught);
			})
			.finally(() => inFlight.delete(task));
		inFlight.add(task);
	};

	let number = 0;
	let pending: Part | undefined = parts.first;
	let lookahead: Part | undefined = parts.second;
	try {
		while (pending && !failure) {
			if (++number > MAX_PARTS) {
				throw run.sourceFailure(
					new Error(`it needs more than ${MAX_PARTS} parts of ${formatBytes(parts.partSize)}; raise Part Size`),
				);
			}
			send(number, pending);
			pending = lookahead;
			lookahead = undefined;
			// Read the next part now, not once a slot is free: a slot that frees finds its part ready,
			// and a download keeps arriving while the parts before it upload.
			if (!pending) reader.readAhead();
			while (inFlight.size >= parts.parallel && !failure) await Promise.race(inFlight);
			if (failure || run.cancelled) break;
			if (reader.readingAhead) pending = await reader.takeAhead();
		}
	} catch (caught) {
		failure ??= run.sourceFailure(caught);
	}
	await Promise.allSettled([...inFlight]);
	if (run.cancelled) throw run.cancelledError();
	if (failure) throw failure;
	return stored.sort((a, b) => a.number - b.number);
}
