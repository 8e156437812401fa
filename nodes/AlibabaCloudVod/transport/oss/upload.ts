import { MiB } from '../../helpers/uploadFormat';
import type { HttpRequester } from '../http';
import { abortUpload } from './abort';
import { completeUpload } from './complete';
import { CredentialKeeper } from './credentialKeeper';
import { StreamUploadError } from './failures';
import { PartReader, type Part } from './partReader';
import { uploadPartsInParallel } from './partsLoop';
import type { SourceChunk } from './rechunk';
import { initiateMultipartUploadRequest, putObjectRequest } from './requests';
import { UploadRun, type UploadLogger } from './run';
import { sendWithRetries } from './send';
import type { StsCredentials, UploadAddress } from './uploadCredentials';
import { parseInitiateMultipartUpload } from './xml';

export { StreamUploadError, type UploadFailureKind } from './failures';
export type { UploadLogger } from './run';

/**
 * Streams a source into one OSS object at a VOD upload address through n8n's request helper: one PUT
 * when the whole source fits in a part, otherwise a multipart upload — parts in parallel, renewed
 * credentials on the same uploadId, Complete, and Abort when anything fails or the execution stops.
 */

export interface UploadProgress {
	bytes: number;
	parts: number;
	totalBytes?: number;
}

export interface StreamUploadOptions {
	/** `this.helpers.httpRequest`: every OSS request goes through it */
	http: HttpRequester;
	address: UploadAddress;
	credentials: StsCredentials;
	/** the node's own credential's secrets (secretsOf), scrubbed from every error like the upload's */
	credentialSecrets?: readonly string[];
	/** New credentials for the same address (RefreshUploadVideo); absent when VOD cannot renew them. */
	renewCredentials?: () => Promise<StsCredentials>;
	source: AsyncIterable<SourceChunk>;
	/** stops the source at once (destroys a download) so that a failed upload does not wait on it */
	closeSource?: () => void;
	/** what the source says it holds, when it says */
	totalBytes?: number;
	/** how to name the source in errors, e.g. "binary field 'data'" */
	sourceLabel: string;
	partSize: number;
	parallel: number;
	/** attempts per request (part, put, complete) on transient failures */
	maxAttempts?: number;
	requestTimeoutMs?: number;
	contentType?: string;
	signal?: AbortSignal;
	onProgress?: (progress: UploadProgress) => void;
	logger?: UploadLogger;
	/** backoff base in ms (tests shorten it) */
	backoffMs?: number;
}

export interface StreamUploadResult {
	bucket: string;
	objectKey: string;
	bytes: number;
	partCount: number;
	uploadId?: string;
	seconds: number;
	throughputMiBps: number;
	credentialRenewals: number;
	retries: number;
}

function startRun(options: StreamUploadOptions): UploadRun {
	const { logger } = options;
	const key = options.address.objectKey;
	const keeper: CredentialKeeper = new CredentialKeeper(options.credentials, options.renewCredentials, () =>
		logger?.debug(`Renewed the upload credentials for ${key} (renewal ${keeper.renewals + 1})`),
	);
	return new UploadRun({
		http: options.http,
		address: options.address,
		keeper,
		timeoutMs: options.requestTimeoutMs ?? 120_000,
		maxAttempts: Math.max(1, options.maxAttempts ?? 5),
		backoffMs: options.backoffMs ?? 500,
		signal: options.signal,
		logger,
		totalBytes: options.totalBytes,
		sourceLabel: options.sourceLabel,
		credentialSecrets: options.credentialSecrets ?? [],
	});
}

/** The upload itself; returns the number of parts. */
async function upload(run: UploadRun, reader: PartReader, options: StreamUploadOptions): Promise<number> {
	const { partSize, contentType } = options;
	const report = () =>
		options.onProgress?.({ bytes: run.uploadedBytes, parts: run.uploadedParts, totalBytes: options.totalBytes });
	const first = await reader.next();
	// an empty object would become a media that says "uploaded" and holds nothing
	if (!first) throw run.sourceFailure(new Error('it is empty (0 bytes); nothing was stored'));
	// a short first part is the whole source, yet read on: the end is where its size is held against the one announced
	const second: Part | undefined = await reader.next();
	if (!second) {
		await sendWithRetries(run, `Uploading ${run.key}`, (target, date) =>
			putObjectRequest(target, { body: first.data, contentMd5: first.contentMd5, contentType }, date),
		);
		run.uploadedBytes = first.data.length;
		run.uploadedParts = 1;
		report();
		return 1;
	}
	const initiated = await sendWithRetries(run, `Starting the multipart upload of ${run.key}`, (target, date) =>
		initiateMultipartUploadRequest(target, { contentType }, date),
	);
	try {
		run.uploadId = parseInitiateMultipartUpload(initiated.body).uploadId;
	} catch (caught) {
		throw run.failure(`Starting the multipart upload of ${run.key} failed: ${(caught as Error).message}`, 'storage');
	}
	run.settings.logger?.debug(`Multipart upload ${run.uploadId} started for ${run.key}`);
	const parallel = Math.max(1, options.parallel);
	const stored = await uploadPartsInParallel(run, reader, { first, second, partSize, parallel, onStored: report });
	await completeUpload(run, stored);
	return stored.length;
}

export async function streamUpload(options: StreamUploadOptions): Promise<StreamUploadResult> {
	const started = Date.now();
	const run = startRun(options);
	const reader = new PartReader(run, options.source, options.partSize, options.closeSource);
	let failed: StreamUploadError;
	try {
		const partCount = await upload(run, reader, options);
		const seconds = Math.max(0.001, (Date.now() - started) / 1000);
		return {
			bucket: options.address.bucket,
			objectKey: run.key,
			bytes: run.uploadedBytes,
			partCount,
			uploadId: run.uploadId,
			seconds: Math.round(seconds * 1000) / 1000,
			throughputMiBps: Math.round((run.uploadedBytes / MiB / seconds) * 100) / 100,
			credentialRenewals: run.settings.keeper.renewals,
			retries: run.retries,
		};
	} catch (caught) {
		failed = run.cancelled ? run.cancelledError() : run.sourceFailure(caught);
	} finally {
		await reader.close();
	}
	if (!run.uploadId) throw failed;
	const outcome = await abortUpload(run);
	// Once Complete went out, an upload OSS no longer knows (or one not aborted) may have become the object.
	const aborted = outcome === 'aborted' || (outcome === 'gone' && !run.completeSent);
	throw new StreamUploadError(
		// a message may end in a sentence of its own (a fix)
		`${failed.message.replace(/\.$/, '')}. ${afterAbort(outcome, aborted, run.uploadId)}`,
		failed.kind,
		run.uploadedBytes,
		run.uploadId,
		{ aborted, maybeStored: run.completeSent && !aborted, cause: failed.cause },
	);
}

function afterAbort(outcome: 'aborted' | 'gone' | 'failed', aborted: boolean, uploadId: string) {
	if (aborted) return `The multipart upload ${uploadId} was aborted; nothing was stored.`;
	if (outcome === 'gone') {
		return `OSS no longer holds the multipart upload ${uploadId}: the CompleteMultipartUpload sent before the failure may have stored the file.`;
	}
	return `Aborting the multipart upload ${uploadId} failed too; OSS deletes its parts after 7 days.`;
}
