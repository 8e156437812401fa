import { createHash } from 'node:crypto';

import type { IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { contentEncodingOf } from '../../helpers/contentEncoding';
import { ItemInputError } from '../../helpers/items';
import { withoutErrorCodes } from '../../helpers/uploadMessages';
import { headersFor, isRedirect, redirectTarget, urlLabel } from '../../helpers/redirects';
import { canonicalUrl, withoutUserinfo } from '../../helpers/sourceUrl';
import { extensionOf, fileNameFromUrl } from '../../helpers/uploadValidation';
import { withIdleTimeout } from '../../transport/idleTimeout';
import { redactText } from '../../transport/redact';

/** What is uploaded, opened but not yet read. */
export interface UploadSource {
	chunks: AsyncIterable<Uint8Array>;
	totalBytes?: number;
	fileName?: string;
	mimeType?: string;
	/** names the source in messages; a URL without its query (signed URLs carry secrets there) */
	label: string;
	/** for output: the binary property or the URL */
	reference: string;
	/** how the bytes are read, for the log (n8n's binary store is read one of two ways) */
	via?: string;
	/** what identifies the content, for a derived Reference ID */
	identity: Array<string | number | undefined>;
	/** a download's Content-Range, when it does not span the whole file (only part was sent) */
	partialRange?: string;
	/** a download's Content-Encoding other than identity that n8n did not unpack (helpers/contentEncoding.ts) */
	contentEncoding?: string;
	/** releases the source when it will not be read (the video already exists, a call failed) */
	close(): void;
}

/**
 * What n8n's binary streams and download bodies offer the upload, named by shape: n8n's scanner
 * refuses even a type import of `node:stream` in the source.
 */
interface ByteStream extends AsyncIterable<Uint8Array> {
	destroy(error?: Error): void;
}

const STREAM_CHUNK = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;
/** base64 characters decoded at a time from inline data: a multiple of 4, 3 MiB decoded */
const BASE64_SLICE = 4 * 1024 * 1024;

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/**
 * n8n binary data: stored (filesystem, database, S3 — `id` set, always in n8n 2.x) is streamed with
 * getBinaryStream, the one reader n8n's scanner permits (reading the file behind `getBinaryPath`
 * needs `node:fs`); its chunks, a new Buffer each, are copied into the upload's reused part buffers.
 * Inline base64 (n8n 1.x default mode) is decoded slice by slice so the decoded file never exists in
 * memory as a whole.
 */
export async function openBinarySource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<UploadSource> {
	const binary = presentBinary(ctx, itemIndex, propertyName);
	const base = {
		fileName: binary.fileName,
		mimeType: binary.mimeType,
		label: `binary field '${propertyName}'`,
		reference: propertyName,
	};
	if (binary.id) {
		const id = binary.id;
		const { metadata, stream, head } = await readStoredBinary(ctx, id, base.label);
		const totalBytes = Number(metadata.fileSize);
		let closed = false;
		return {
			...base,
			fileName: binary.fileName ?? metadata.fileName,
			mimeType: binary.mimeType ?? metadata.mimeType,
			totalBytes: Number.isFinite(totalBytes) ? totalBytes : undefined,
			identity: ['binary', binary.fileName, totalBytes, binary.mimeType, md5(head.sample)],
			via: "streamed from n8n's binary data",
			chunks: {
				async *[Symbol.asyncIterator]() {
					if (closed) return;
					yield* head.rest();
				},
			},
			close() {
				closed = true;
				stream.destroy();
			},
		};
	}

	const data = binary.data ?? '';
	const clean = data.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(data);
	if (!clean) {
		// Not plain base64 (line breaks, url-safe alphabet): decode once as a whole.
		const decoded = Buffer.from(data, 'base64');
		return {
			...base,
			totalBytes: decoded.length,
			identity: ['binary', binary.fileName, decoded.length, binary.mimeType, md5(decoded.subarray(0, SAMPLE_BYTES))],
			chunks: (async function* () {
				yield decoded;
			})(),
			close() {},
		};
	}
	const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
	const totalBytes = (data.length / 4) * 3 - padding;
	const sample = Buffer.from(data.slice(0, (SAMPLE_BYTES / 3) * 4 + 4), 'base64').subarray(0, SAMPLE_BYTES);
	return {
		...base,
		totalBytes,
		identity: ['binary', binary.fileName, totalBytes, binary.mimeType, md5(sample)],
		chunks: (async function* () {
			for (let offset = 0; offset < data.length; offset += BASE64_SLICE) {
				yield Buffer.from(data.slice(offset, offset + BASE64_SLICE), 'base64');
			}
		})(),
		close() {},
	};
}

/**
 * Opens binary data n8n stored (filesystem, database, S3). n8n's error for a file that is gone names its
 * storage path, which is n8n's business and not the user's: the item's error says what is missing instead.
 */
async function readStoredBinary(ctx: IExecuteFunctions, id: string, label: string) {
	let stream: ByteStream | undefined;
	let failure: unknown;
	try {
		const metadata = await ctx.helpers.getBinaryMetadata(id);
		// n8n may load the whole file to stream any part of it (database mode reads the row whole, twice its
		// size again as PostgreSQL's hex text): one stream gives the sample and the data.
		stream = await ctx.helpers.getBinaryStream(id, STREAM_CHUNK);
		return { metadata, stream, head: await headOf(stream, SAMPLE_BYTES) };
	} catch (error) {
		failure = error;
	}
	stream?.destroy();
	const code = (failure as { code?: unknown })?.code;
	const reason = code === 'ENOENT' ? 'it is missing' : typeof code === 'string' ? withoutErrorCodes(code) : 'a read error';
	throw new ItemInputError(
		`The data of ${label} could not be read from n8n's binary data storage (${reason}); nothing was created in VOD`,
		'Check that the node before this one produced the file in this execution: n8n deletes the binary data of old executions, so data pinned or copied from another execution may be gone. Run the node that makes the file again.',
	);
}

/** The item's binary field; n8n's own error for a missing one, without the "[item n]" it appends (the node puts it in front). */
function presentBinary(ctx: IExecuteFunctions, itemIndex: number, propertyName: string) {
	let failure: unknown;
	try {
		return ctx.helpers.assertBinaryData(itemIndex, propertyName);
	} catch (error) {
		failure = error;
	}
	const { message, description } = failure as { message: string; description?: string | null };
	throw new ItemInputError(
		message.replace(/\s*\[item \d+\]$/, ''),
		description ?? 'Check Input Binary Field: it has to name a binary field of the item.',
	);
}


/**
 * The first `count` bytes of a stream that is read on afterwards, through `rest`: the chunks read for
 * the sample first, then the remainder of the same stream.
 */
async function headOf(stream: ByteStream, count: number) {
	const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
	const read: Buffer[] = [];
	let total = 0;
	while (total < count) {
		const next = await iterator.next();
		if (next.done) break;
		read.push(next.value);
		total += next.value.length;
	}
	// copied out of the chunks, which may be the whole file (database mode streams one Buffer)
	const sample = Buffer.alloc(Math.min(count, total));
	let filled = 0;
	for (const chunk of read) {
		if (filled >= sample.length) break;
		filled += chunk.copy(sample, filled, 0, Math.min(chunk.length, sample.length - filled));
	}
	return {
		sample,
		async *rest(): AsyncGenerator<Buffer> {
			yield* read;
			for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
				yield next.value;
			}
		},
	};
}

function fileNameFromDisposition(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
	if (star) {
		try {
			return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
		} catch {
			// fall through to the plain parameter
		}
	}
	const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
	return plain ? (plain[2] ?? plain[1]).trim() : undefined;
}

function headerOf(response: IN8nHttpFullResponse, name: string) {
	const value = response.headers[name];
	return Array.isArray(value) ? (value[0] as string) : (value as string | undefined);
}

/**
 * GET with the redirect policy of helpers/redirects.ts: n8n's own HTTP client (proxies as in the HTTP
 * Request node), one hop at a time, the user's headers only at the origin the user named.
 */
async function getFollowingRedirects(
	ctx: IExecuteFunctions,
	url: string,
	headers: Record<string, string>,
	signal: AbortSignal | undefined,
	timeoutMs: number,
): Promise<{ response: IN8nHttpFullResponse; visited: string[] }> {
	const visited: string[] = [];
	let next = url;
	for (;;) {
		visited.push(next);
		let response: IN8nHttpFullResponse | undefined;
		let failure: unknown;
		try {
			response = (await ctx.helpers.httpRequest({
				method: 'GET',
				url: next,
				// identity: Content-Length then is the size of what is stored; set last, so that it holds
				headers: { ...headersFor(next, url, headers), 'Accept-Encoding': 'identity' },
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				disableFollowRedirect: true,
				abortSignal: signal,
				timeout: timeoutMs,
			})) as IN8nHttpFullResponse;
		} catch (error) {
			failure = error;
		}
		if (!response) {
			throw new ItemInputError(
				// the header values the user gave (Authorization, API keys) must not come back in the message
				redactText(
					`Downloading URL ${urlLabel(url)} failed: ${(failure as Error)?.message ?? failure}`,
					Object.values(headers),
					// a header value need not be random (a Referer shares its start with the URL named here)
					{ partialRuns: false },
				),
				'Check that the URL is reachable from the n8n server, and add the headers it needs (Authorization, Referer) under Request Headers.',
			);
		}
		if (!isRedirect(response.statusCode)) return { response, visited };
		(response.body as ByteStream).destroy();
		next = redirectTarget(next, response.statusCode, headerOf(response, 'location'), visited);
	}
}

/**
 * The file's name from the URLs of a redirect chain: the last one whose name has an extension (a
 * download link such as /get?id=3 or /redir?to=… leads to the file; a CDN's signed final URL may have
 * none), else the first URL's.
 */
function fileNameFromChain(urls: string[]): string | undefined {
	const names = urls.map(fileNameFromUrl).filter((name) => name !== '');
	return [...names].reverse().find((name) => extensionOf(name) !== '') ?? names[0];
}

/** "bytes 0-4999/5000" spans the whole file; "bytes 0-999/5000" or "bytes 0-999/*" does not. */
function isWholeRange(range: string) {
	const parts = /^\s*bytes\s+(\d+)-(\d+)\/(\d+)\s*$/i.exec(range);
	return !!parts && Number(parts[1]) === 0 && Number(parts[2]) === Number(parts[3]) - 1;
}

/**
 * Starts the download of a source URL and hands back its body as a stream, read only as fast as
 * parts are uploaded (backpressure), never written to disk.
 */
export async function openUrlSource(
	ctx: IExecuteFunctions,
	url: string,
	headers: Record<string, string>,
	signal: AbortSignal | undefined,
	timeoutMs: number,
): Promise<UploadSource> {
	const label = `URL ${urlLabel(url)}`;
	// Ends the request under the body: n8n 2.x's body is a stream around it that destroying alone does not
	// close while the server sends nothing (transport/idleTimeout.ts).
	const download = new AbortController();
	const requestSignal = signal ? AbortSignal.any([signal, download.signal]) : download.signal;
	const { response, visited } = await getFollowingRedirects(ctx, url, headers, requestSignal, timeoutMs);
	const finalUrl = visited[visited.length - 1];
	const body = response.body as ByteStream;
	const release = (reason?: Error) => {
		body.destroy(reason);
		download.abort(reason);
	};
	const status = response.statusCode;
	const header = (name: string) => headerOf(response, name);
	if (status !== 200) {
		release();
		throw new ItemInputError(
			`${label} answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}${status === 206 ? ' (only part of the file)' : ''}, not 200 with the file; nothing was created in VOD`,
			(status === 401 || status === 403) && new URL(finalUrl).origin !== new URL(url).origin
				? `The request was redirected to ${new URL(finalUrl).origin}, which gets none of the Request Headers (they go only to the host you named). Use a URL that needs no headers there, such as a presigned URL, or the final URL itself.`
				: status === 401 || status === 403
				? 'The server wants credentials: add them under Request Headers (e.g. Authorization, or the Referer it expects).'
				: 'Check the URL; the whole file has to be downloadable with a plain GET.',
		);
	}
	const length = Number(header('content-length'));
	const contentEncoding = contentEncodingOf(body, response.headers['content-encoding']);
	const range = header('content-range');
	return {
		chunks: withIdleTimeout(body, timeoutMs, signal, release),
		totalBytes: Number.isFinite(length) && length >= 0 && !contentEncoding ? length : undefined,
		partialRange: range && !isWholeRange(range) ? range.slice(0, 100) : undefined,
		contentEncoding,
		fileName: fileNameFromDisposition(header('content-disposition')) ?? fileNameFromChain(visited),
		mimeType: header('content-type')?.split(';')[0].trim(),
		label,
		reference: withoutUserinfo(url),
		// spellings of one URL (%41bc, Abc) derive one Reference ID
		identity: ['url', canonicalUrl(url)],
		close() {
			release();
		},
	};
}
