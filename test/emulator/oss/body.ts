import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { OssError } from './errors';

/** Thrown after the emulator cut the connection on purpose (dropRate fault). */
export class ConnectionDropped extends Error {}

export interface ReceivedBody {
	path: string;
	size: number;
	md5: Buffer;
}

/** A fresh temporary file name under the data dir (same file system, so rename is atomic). */
export function tempPath(dataDir: string) {
	const dir = join(dataDir, 'oss-tmp');
	mkdirSync(dir, { recursive: true });
	return join(dir, randomBytes(12).toString('hex'));
}

/**
 * Streams the request body to a temporary file, hashing it on the way (never buffering it).
 * `dropAfterBytes` cuts the connection once that many bytes were read, to emulate a network drop.
 * A body that ends early or does not match `Content-MD5` leaves no file behind.
 */
export async function receiveBody(
	req: IncomingMessage,
	dataDir: string,
	options: { dropAfterBytes?: number } = {},
): Promise<ReceivedBody> {
	const path = tempPath(dataDir);
	const hash = createHash('md5');
	let size = 0;
	try {
		await pipeline(
			req,
			async function* (source: AsyncIterable<Buffer>) {
				for await (const chunk of source) {
					size += chunk.length;
					hash.update(chunk);
					yield chunk;
					if (options.dropAfterBytes !== undefined && size >= options.dropAfterBytes) {
						req.socket.destroy();
						throw new ConnectionDropped();
					}
				}
			},
			createWriteStream(path),
		);
	} catch (error) {
		await rm(path, { force: true });
		throw error;
	}
	const md5 = hash.digest();
	const contentMd5 = req.headers['content-md5'];
	if (contentMd5 !== undefined && contentMd5 !== md5.toString('base64')) {
		await rm(path, { force: true });
		throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', {
			'Content-MD5': String(contentMd5),
		});
	}
	return { path, size, md5 };
}

/** Reads a small body (XML) into memory, refusing more than `limit` bytes. */
export async function readSmallBody(req: IncomingMessage, limit: number) {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > limit) {
			throw new OssError(400, 'InvalidArgument', `The request body exceeds ${limit} bytes.`);
		}
		chunks.push(chunk);
	}
	const body = Buffer.concat(chunks);
	const contentMd5 = req.headers['content-md5'];
	if (contentMd5 !== undefined && contentMd5 !== createHash('md5').update(body).digest('base64')) {
		throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
	}
	return body.toString('utf8');
}

/** Quoted uppercase hex, the ETag OSS gives an object or part. */
export function etagOf(md5: Buffer) {
	return `"${md5.toString('hex').toUpperCase()}"`;
}
