import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import { PartBufferPool, rechunk, type SourceChunk } from '../helpers/rechunk';
import type { StsCredentials, UploadAddress } from '../helpers/uploadCredentials';
import { formatBytes, MiB } from '../helpers/uploadFormat';
import { credentialsRefusedReason, withoutErrorCodes } from '../helpers/uploadMessages';
import { redactText, secretsOf } from './redact';
import { MAX_PARTS } from '../helpers/uploadParts';
import { CredentialKeeper } from './ossCredentials';
import { connectOss, type OssConnection, type OssPartClient } from './ossClient';

/**
 * Streams a source into one OSS object at a VOD upload address: one PUT when the whole source fits
 * in a part, otherwise a multipart upload driven by our own loop over ali-oss's low-level calls
 * (initMultipartUpload, _uploadPart with a Buffer, listParts, completeMultipartUpload,
 * abortMultipartUpload) — not ali-oss's multipartUpload(file), which wants a file path and renews
 * STS tokens with a race.
 *
 * Memory: while `parallel` parts upload, the next one is read (and hashed) into a Buffer from a pool,
 * and the source is read no further until a slot frees; so it stays near part size × (parallel + 1)
 * whatever the size of the file.
 */

export interface UploadProgress {
	bytes: number;
	parts: number;
	totalBytes?: number;
}

export interface UploadLogger {
	info(message: string): void;
	warn(message: string): void;
	debug(message: string): void;
}

export interface StreamUploadOptions {
	address: UploadAddress;
	credentials: StsCredentials;
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

export type UploadFailureKind = 'source' | 'storage' | 'cancelled';

/** What went wrong, how far it got, and whether the unfinished multipart upload was cleaned up. */
export class StreamUploadError extends Error {
	constructor(
		message: string,
		readonly kind: UploadFailureKind,
		readonly bytes: number,
		readonly uploadId?: string,
		readonly aborted?: boolean,
	) {
		super(message);
		this.name = 'StreamUploadError';
	}
}

interface OssError {
	status?: number;
	code?: string;
	name?: string;
	message?: string;
	requestId?: string;
}

const CREDENTIAL_CODES = new Set([
	'SecurityTokenExpired',
	'InvalidAccessKeyId',
	'InvalidSecurityToken',
	'AccessDeniedByExpiredToken',
]);
const TRANSIENT_CODES = new Set([
	'RequestTimeout',
	'ServiceUnavailable',
	'InternalError',
	'SlowDown',
	'RequestTimeTooSkewed',
	'ConnectionTimeoutError',
	'ResponseTimeoutError',
	'RequestError',
	'ResponseError',
]);

function classify(error: OssError): 'credentials' | 'transient' | 'fatal' {
	if (error.code && CREDENTIAL_CODES.has(error.code)) return 'credentials';
	if (error.status === 403 && /expired/i.test(error.message ?? '')) return 'credentials';
	if (error.code && TRANSIENT_CODES.has(error.code)) return 'transient';
	const status = error.status;
	if (status === undefined || status <= 0 || status >= 500 || status === 429 || status === 408) {
		return 'transient';
	}
	return 'fatal';
}

/** OSS error → a short text that names the code and request id and carries no credentials */
function describeOssError(error: OssError, secrets: readonly string[]): string {
	const firstLine = String(error.message ?? error).split('\n')[0].slice(0, 300);
	const parts = [error.code && error.code !== firstLine ? `${error.code}: ${firstLine}` : firstLine];
	if (error.status && error.status > 0) parts.push(`HTTP ${error.status}`);
	if (error.requestId) parts.push(`request id ${error.requestId}`);
	return withoutErrorCodes(redactText(parts.join(', '), secrets));
}

/** a part read from the source, with the Content-MD5 OSS checks it against */
interface Part {
	data: Buffer;
	contentMd5: string;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
	return promise.then(
		(value): Settled<T> => ({ ok: true, value }),
		(error: unknown): Settled<T> => ({ ok: false, error }),
	);
}

function bodyOf(part: Buffer): Readable {
	return new Readable({
		read() {
			this.push(part);
			this.push(null);
		},
	});
}

async function pause(ms: number, signal?: AbortSignal) {
	if (signal?.aborted) return;
	await new Promise<void>((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, { once: true });
	});
}

export async function streamUpload(options: StreamUploadOptions): Promise<StreamUploadResult> {
	const started = Date.now();
	const { address, partSize, signal, logger } = options;
	const parallel = Math.max(1, options.parallel);
	const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
	const backoffMs = options.backoffMs ?? 500;
	const timeoutMs = options.requestTimeoutMs ?? 120_000;
	const key = address.objectKey;
	const mime = options.contentType;

	const connection: OssConnection = connectOss(address, options.credentials, {
		timeoutMs,
		maxSockets: parallel + 2,
	});
	const client: OssPartClient = connection.client;
	const keeper = new CredentialKeeper(options.credentials, options.renewCredentials, (next) => {
		connection.useCredentials(next);
		logger?.debug(`Renewed the upload credentials for ${key} (renewal ${keeper.renewals + 1})`);
	});
	const secrets = () => secretsOf(keeper.credentials);

	let cancelled = false;
	const onAbort = () => {
		cancelled = true;
		// Cuts the requests in flight at once instead of waiting for their answers.
		connection.destroy();
	};
	signal?.addEventListener('abort', onAbort, { once: true });
	if (signal?.aborted) onAbort();

	let retries = 0;
	let sourceBytes = 0;
	let uploadedBytes = 0;
	let uploadedParts = 0;
	let uploadId: string | undefined;

	const cancelledError = () =>
		new StreamUploadError(
			`The upload was cancelled after ${formatBytes(uploadedBytes)}${
				options.totalBytes !== undefined ? ` of ${formatBytes(options.totalBytes)}` : ''
			}`,
			'cancelled',
			uploadedBytes,
			uploadId,
		);

	async function renewing<T>(renew: () => Promise<T>): Promise<T> {
		let failure: unknown;
		try {
			return await renew();
		} catch (caught) {
			failure = caught;
		}
		if (cancelled) throw cancelledError();
		const reason = redactText(String((failure as Error)?.message ?? failure), secrets());
		throw new StreamUploadError(
			`Renewing the upload credentials (RefreshUploadVideo) failed: ${reason}`,
			'storage',
			uploadedBytes,
			uploadId,
		);
	}

	/** runs one OSS request with fresh credentials, renewing on rejection and retrying transient failures */
	async function withRetries<T>(what: string, call: () => Promise<T>): Promise<T> {
		let attempt = 0;
		let renewalsHere = 0;
		for (;;) {
			if (cancelled) throw cancelledError();
			const generation = await renewing(async () => await keeper.fresh());
			let error: OssError;
			try {
				return await call();
			} catch (caught) {
				error = caught as OssError;
			}
			{
				if (cancelled) throw cancelledError();
				const kind = classify(error);
				if (kind === 'credentials' && keeper.renewable && renewalsHere < 5) {
					renewalsHere++;
					logger?.debug(`${what}: credentials rejected (${error.code}), renewing`);
					await renewing(async () => await keeper.rejected(generation));
					continue;
				}
				attempt++;
				if (kind === 'transient' && attempt < maxAttempts) {
					retries++;
					const delay = Math.min(10_000, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
					logger?.debug(
						`${what} failed (${describeOssError(error, secrets())}); retry ${attempt} of ${
							maxAttempts - 1
						} in ${Math.round(delay)} ms`,
					);
					await pause(delay, signal);
					continue;
				}
				const reason =
					kind === 'credentials'
						? `${describeOssError(error, secrets())} (${credentialsRefusedReason(keeper.renewable, renewalsHere)})`
						: describeOssError(error, secrets());
				throw new StreamUploadError(
					`${what} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${reason}`,
					'storage',
					uploadedBytes,
					uploadId,
				);
			}
		}
	}

	const pool = new PartBufferPool(partSize);
	const parts = rechunk(options.source, pool);

	const sourceFailure = (caught: unknown) => {
		if (caught instanceof StreamUploadError) return caught;
		const cause = withoutErrorCodes(redactText(String((caught as Error)?.message ?? caught), secrets()));
		const of = options.totalBytes !== undefined ? ` of ${formatBytes(options.totalBytes)}` : '';
		return new StreamUploadError(
			`The source (${options.sourceLabel}) stopped after ${formatBytes(sourceBytes)}${of}: ${cause}`,
			'source',
			uploadedBytes,
			uploadId,
		);
	};

	async function nextPart(): Promise<Part | undefined> {
		let result: IteratorResult<Buffer> | undefined;
		let failure: unknown;
		try {
			result = await parts.next();
		} catch (caught) {
			failure = caught;
		}
		if (cancelled) throw cancelledError();
		if (!result) throw sourceFailure(failure);
		if (cancelled) throw cancelledError();
		if (result.done) {
			if (options.totalBytes !== undefined && sourceBytes !== options.totalBytes) {
				throw sourceFailure(
					new Error(`it ended early (expected ${options.totalBytes} bytes, got ${sourceBytes})`),
				);
			}
			return undefined;
		}
		sourceBytes += result.value.length;
		if (options.totalBytes !== undefined && sourceBytes > options.totalBytes) {
			throw sourceFailure(new Error(`it holds more than the announced ${options.totalBytes} bytes`));
		}
		return { data: result.value, contentMd5: createHash('md5').update(result.value).digest('base64') };
	}

	const report = () =>
		options.onProgress?.({ bytes: uploadedBytes, parts: uploadedParts, totalBytes: options.totalBytes });

	let outcome: StreamUploadError | undefined;
	/** the read of the next part, while the parts in flight upload */
	let prefetch: Promise<Settled<Part | undefined>> | undefined;
	try {
		const first = await nextPart();
		// an empty object would become a media that says "uploaded" and holds nothing
		if (!first) throw sourceFailure(new Error('it is empty (0 bytes); nothing was stored'));
		const second = first && first.data.length === partSize ? await nextPart() : undefined;

		if (!second) {
			// Fits in one request: a plain PUT (Content-MD5 is computed by ali-oss from the Buffer).
			const body = first.data;
			await withRetries(`Uploading ${key}`, async () =>
				await client.put(key, body, { timeout: timeoutMs, mime }),
			);
			uploadedBytes = body.length;
			uploadedParts = 1;
			report();
			return finish(1);
		}

		const init = await withRetries(`Starting the multipart upload of ${key}`, async () =>
			await client.initMultipartUpload(key, { timeout: timeoutMs, mime }),
		);
		uploadId = init.uploadId;
		logger?.debug(`Multipart upload ${uploadId} started for ${key}`);

		const done: Array<{ number: number; etag: string; size: number }> = [];
		const inFlight = new Set<Promise<void>>();
		let failure: StreamUploadError | undefined;

		const send = (partNumber: number, { data: part, contentMd5 }: Part) => {
			const task = withRetries(`Uploading part ${partNumber} of ${key}`, async () =>
				await client._uploadPart(
					key,
					uploadId as string,
					partNumber,
					{ size: part.length, stream: bodyOf(part) },
					{ timeout: timeoutMs, headers: { 'Content-MD5': contentMd5 } },
				),
			)
				.then((result) => {
					done.push({ number: partNumber, etag: result.etag, size: part.length });
					uploadedBytes += part.length;
					uploadedParts++;
					pool.release(part);
					report();
				})
				.catch((caught: unknown) => {
					failure ??= caught instanceof StreamUploadError ? caught : sourceFailure(caught);
				})
				.finally(() => inFlight.delete(task));
			inFlight.add(task);
		};

		let partNumber = 0;
		let pending: Part | undefined = first;
		let lookahead: Part | undefined = second;
		try {
			while (pending && !failure) {
				if (++partNumber > MAX_PARTS) {
					throw sourceFailure(
						new Error(
							`it needs more than ${MAX_PARTS} parts of ${formatBytes(partSize)}; raise Part Size`,
						),
					);
				}
				send(partNumber, pending);
				pending = lookahead;
				lookahead = undefined;
				// Read and hash the next part now, not once a slot is free: a slot that frees finds its
				// part ready, and a download keeps arriving while the parts before it upload.
				if (!pending) prefetch = settle(nextPart());
				while (inFlight.size >= parallel && !failure) await Promise.race(inFlight);
				if (failure || cancelled) break;
				if (prefetch) {
					const read = await prefetch;
					prefetch = undefined;
					if (!read.ok) throw read.error;
					pending = read.value;
				}
			}
		} catch (caught) {
			failure ??= caught as StreamUploadError;
		}
		await Promise.allSettled([...inFlight]);
		if (cancelled) failure = cancelledError();
		if (failure) throw failure;

		done.sort((a, b) => a.number - b.number);
		await verifyParts(done);
		await withRetries(`Completing the multipart upload of ${key}`, async () => {
			let failure: unknown;
			try {
				return await client.completeMultipartUpload(
					key,
					uploadId as string,
					done.map(({ number, etag }) => ({ number, etag })),
					{ timeout: timeoutMs },
				);
			} catch (caught) {
				failure = caught;
			}
			// A retried Complete whose first attempt did land finds no upload any more.
			if ((failure as OssError).code === 'NoSuchUpload' && (await objectHasSize(sourceBytes))) {
				return { res: { status: 200, headers: {} } };
			}
			throw failure;
		});
		return finish(done.length);
	} catch (caught) {
		outcome = caught instanceof StreamUploadError ? caught : sourceFailure(caught as Error);
	} finally {
		signal?.removeEventListener('abort', onAbort);
		if (prefetch) {
			// The upload failed while the next part was being read: stop the source rather than wait
			// for a download that may be slow or stalled.
			options.closeSource?.();
			await prefetch;
		}
		// Ends the source (closes the file or the download) if it was not read to the end.
		await parts.return(undefined).catch(() => undefined);
		connection.destroy();
	}

	const failed = outcome as StreamUploadError;
	const aborted = uploadId ? await abortQuietly() : undefined;
	let message = failed.message;
	if (uploadId) {
		message += aborted
			? `. The multipart upload ${uploadId} was aborted; nothing was stored.`
			: `. Aborting the multipart upload ${uploadId} failed too; OSS deletes its parts after 7 days.`;
	}
	throw new StreamUploadError(message, failed.kind, uploadedBytes, uploadId, aborted);

	function finish(partCount: number): StreamUploadResult {
		const seconds = Math.max(0.001, (Date.now() - started) / 1000);
		return {
			bucket: address.bucket,
			objectKey: key,
			bytes: uploadedBytes,
			partCount,
			uploadId,
			seconds: Math.round(seconds * 1000) / 1000,
			throughputMiBps: Math.round((uploadedBytes / MiB / seconds) * 100) / 100,
			credentialRenewals: keeper.renewals,
			retries,
		};
	}

	/** Every part must be on the server before Complete; ListParts is paged (1000 per page). */
	async function verifyParts(expected: Array<{ number: number; size: number }>) {
		const seen = new Map<number, number>();
		let marker: string | undefined;
		try {
			for (let page = 0; page < 20; page++) {
				const query: Record<string, string | number> = { 'max-parts': 1000 };
				if (marker) query['part-number-marker'] = marker;
				const listed = await withRetries(`Listing the parts of ${key}`, async () =>
					await client.listParts(key, uploadId as string, query, { timeout: timeoutMs }),
				);
				const list = Array.isArray(listed.parts) ? listed.parts : [listed.parts];
				for (const p of list) seen.set(Number(p.PartNumber), Number(p.Size));
				if (String(listed.isTruncated) !== 'true' || !listed.nextPartNumberMarker) break;
				marker = listed.nextPartNumberMarker;
			}
		} catch (caught) {
			// Some STS policies do not grant ListParts; Complete still checks every part itself.
			logger?.warn(`Could not list the uploaded parts of ${key}: ${(caught as Error).message}`);
			return;
		}
		const missing = expected.filter((p) => seen.get(p.number) !== p.size).map((p) => p.number);
		if (missing.length) {
			throw new StreamUploadError(
				`OSS does not hold ${missing.length} of the ${expected.length} uploaded parts (first: part ${missing[0]})`,
				'storage',
				uploadedBytes,
				uploadId,
			);
		}
	}

	async function objectHasSize(size: number) {
		try {
			const head = await client.head(key, { timeout: timeoutMs });
			return Number(head.res.headers['content-length']) === size;
		} catch {
			return false;
		}
	}

	async function abortQuietly(): Promise<boolean> {
		// The connection may have been cut by a cancel; abort over a fresh one.
		const fresh = connectOss(address, keeper.credentials, { timeoutMs, maxSockets: 2 });
		try {
			for (let attempt = 1; attempt <= 3; attempt++) {
				try {
					if (keeper.renewable) {
						await keeper.fresh();
						fresh.useCredentials(keeper.credentials);
					}
					await fresh.client.abortMultipartUpload(key, uploadId as string, { timeout: timeoutMs });
					logger?.info(`Aborted the multipart upload ${uploadId} of ${key}`);
					return true;
				} catch (caught) {
					const error = caught as OssError;
					if (error.code === 'NoSuchUpload') return true;
					if (classify(error) === 'credentials' && keeper.renewable) {
						await keeper.rejected(keeper.generation).catch(() => undefined);
					} else if (classify(error) === 'fatal') {
						logger?.warn(`Aborting the multipart upload ${uploadId} failed: ${describeOssError(error, secrets())}`);
						return false;
					}
					await pause(backoffMs * attempt);
				}
			}
			return false;
		} catch {
			return false;
		} finally {
			fresh.destroy();
		}
	}
}
