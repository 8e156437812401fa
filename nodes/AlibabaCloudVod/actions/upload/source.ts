import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import type { IExecuteFunctions, IN8nHttpFullResponse } from 'n8n-workflow';

import { ItemInputError } from '../../helpers/items';
import { fileNameFromUrl } from '../../helpers/uploadValidation';
import { readFileReusingBuffer, storedFilePath } from './storedFile';

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
	/** releases the source when it will not be read (the video already exists, a call failed) */
	close(): void;
}

const STREAM_CHUNK = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;
/** base64 characters decoded at a time from inline data: a multiple of 4, 3 MiB decoded */
const BASE64_SLICE = 4 * 1024 * 1024;

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

/**
 * n8n binary data: stored (filesystem, database, S3 — `id` set, always in n8n 2.x) is read from its
 * file in filesystem mode (storedFile.ts says why) and streamed with getBinaryStream otherwise;
 * inline base64 (n8n 1.x default mode) is decoded slice by slice so the decoded file never exists
 * in memory as a whole.
 */
export async function openBinarySource(
	ctx: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
): Promise<UploadSource> {
	const binary = ctx.helpers.assertBinaryData(itemIndex, propertyName);
	const base = {
		fileName: binary.fileName,
		mimeType: binary.mimeType,
		label: `binary field '${propertyName}'`,
		reference: propertyName,
	};
	if (binary.id) {
		const id = binary.id;
		const metadata = await ctx.helpers.getBinaryMetadata(id);
		const totalBytes = Number(metadata.fileSize);
		const filePath = await storedFilePath(ctx, id, Number.isFinite(totalBytes) ? totalBytes : undefined);
		// In other modes n8n may load the whole file to stream any part of it (database mode reads the row
		// whole, twice its size again as PostgreSQL's hex text): one stream gives the sample and the data.
		const stream = filePath ? undefined : await ctx.helpers.getBinaryStream(id, STREAM_CHUNK);
		const head = stream ? await headOf(stream, SAMPLE_BYTES) : undefined;
		const sample =
			head?.sample ??
			(await firstBytes(await ctx.helpers.getBinaryStream(id, SAMPLE_BYTES), SAMPLE_BYTES));
		let opened: Readable | AsyncGenerator<Buffer> | undefined = stream;
		let closed = false;
		return {
			...base,
			fileName: binary.fileName ?? metadata.fileName,
			mimeType: binary.mimeType ?? metadata.mimeType,
			totalBytes: Number.isFinite(totalBytes) ? totalBytes : undefined,
			identity: ['binary', binary.fileName, totalBytes, binary.mimeType, md5(sample)],
			via: filePath ? "read from n8n's binary data file" : "streamed from n8n's binary data",
			chunks: {
				async *[Symbol.asyncIterator]() {
					if (closed) return;
					if (filePath) {
						opened = readFileReusingBuffer(filePath, STREAM_CHUNK);
						yield* opened;
						return;
					}
					yield* head!.rest();
				},
			},
			close() {
				closed = true;
				if (opened && 'destroy' in opened) opened.destroy();
				else void opened?.return(undefined);
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
 * The first `count` bytes of a stream that is read on afterwards, through `rest`: the chunks read for
 * the sample first, then the remainder of the same stream.
 */
async function headOf(stream: Readable, count: number) {
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

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let total = 0;
	try {
		for await (const chunk of stream) {
			chunks.push(chunk as Buffer);
			total += (chunk as Buffer).length;
			if (total >= count) break;
		}
	} finally {
		stream.destroy();
	}
	return Buffer.concat(chunks).subarray(0, count);
}

/** `https://host/path/file.mp4?signature=…` → `https://host/path/file.mp4` */
export function urlLabel(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return url.split('?')[0];
	}
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

/**
 * Starts the download of a source URL and hands back its body as a stream, read only as fast as
 * parts are uploaded (backpressure), never written to disk. n8n's own HTTP client, so proxies and
 * redirects behave as in the HTTP Request node.
 */
export async function openUrlSource(
	ctx: IExecuteFunctions,
	url: string,
	headers: Record<string, string>,
	signal: AbortSignal | undefined,
	timeoutMs: number,
): Promise<UploadSource> {
	const label = `URL ${urlLabel(url)}`;
	let response: IN8nHttpFullResponse | undefined;
	let failure: unknown;
	try {
		response = (await ctx.helpers.httpRequest({
			method: 'GET',
			url,
			// identity: Content-Length then is the size of what is stored
			headers: { 'Accept-Encoding': 'identity', ...headers },
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			abortSignal: signal,
			timeout: timeoutMs,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		failure = error;
	}
	if (!response) {
		throw new ItemInputError(
			`Downloading ${label} failed: ${(failure as Error)?.message ?? failure}`,
			'Check that the URL is reachable from the n8n server, and add the headers it needs (Authorization, Referer) under Request Headers.',
		);
	}
	const body = response.body as Readable;
	const status = response.statusCode;
	const header = (name: string) => {
		const value = response.headers[name];
		return Array.isArray(value) ? value[0] : (value as string | undefined);
	};
	if (status < 200 || status >= 300) {
		body.destroy();
		throw new ItemInputError(
			`${label} answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`,
			status === 401 || status === 403
				? 'The server wants credentials: add them under Request Headers (e.g. Authorization, or the Referer it expects).'
				: 'Check the URL; the file has to be downloadable with a plain GET.',
		);
	}
	const length = Number(header('content-length'));
	const encoded = (header('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
	return {
		chunks: body,
		totalBytes: Number.isFinite(length) && length >= 0 && !encoded ? length : undefined,
		fileName: fileNameFromDisposition(header('content-disposition')) ?? (fileNameFromUrl(url) || undefined),
		mimeType: header('content-type')?.split(';')[0].trim(),
		label,
		reference: url,
		identity: ['url', url],
		close() {
			body.destroy();
		},
	};
}
