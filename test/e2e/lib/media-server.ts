/**
 * Sample media on loopback: `GET /media/<name>` answers deterministic bytes (a seeded pseudo-random
 * stream, so each file differs and its MD5 can be computed without keeping it), with Content-Length.
 * The emulator's URL-pull jobs really download from here.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface MediaFile {
	name: string; // e.g. 'clip-001.mp4'
	size: number;
	/**
	 * 'identity': says so in a Content-Encoding header; 'gzip': a compressible file (spaces) sent gzipped
	 * whatever the request asks, with the packed size as Content-Length
	 */
	encoding?: 'identity' | 'gzip';
}

export interface MediaServer {
	baseUrl: string; // http://127.0.0.1:<port>
	urlOf(name: string): string;
	/** requests served, by file name */
	hits: Map<string, number>;
	md5Of(name: string): string;
	stop(): Promise<void>;
}

/** xorshift32 keyed by the name: the same name always gives the same bytes. */
export function mediaBytes(name: string, length: number): Buffer {
	let seed = createHash('md5').update(name).digest().readUInt32LE(0) || 1;
	const out = Buffer.allocUnsafe(length);
	for (let i = 0; i < length; i += 4) {
		seed ^= seed << 13;
		seed ^= seed >>> 17;
		seed ^= seed << 5;
		seed >>>= 0;
		const word = Buffer.alloc(4);
		word.writeUInt32LE(seed);
		word.copy(out, i, 0, Math.min(4, length - i));
	}
	return out;
}

/** The file itself, as stored: what a gzip answer packs. */
function bytesOf(file: MediaFile): Buffer {
	return file.encoding === 'gzip' ? Buffer.alloc(file.size, 0x20) : mediaBytes(file.name, file.size);
}

export async function startMediaServer(files: MediaFile[]): Promise<MediaServer> {
	const byName = new Map(files.map((file) => [file.name, file]));
	const hits = new Map<string, number>();
	const server: Server = createServer((req, res) => {
		const name = decodeURIComponent((req.url ?? '').replace(/^\/media\//, '').split('?')[0]);
		const file = byName.get(name);
		if (!file || !(req.url ?? '').startsWith('/media/')) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		hits.set(name, (hits.get(name) ?? 0) + 1);
		const body = file.encoding === 'gzip' ? gzipSync(bytesOf(file)) : bytesOf(file);
		res.writeHead(200, {
			'content-type': 'video/mp4',
			'content-length': String(body.length),
			...(file.encoding ? { 'content-encoding': file.encoding } : {}),
		});
		res.end(req.method === 'HEAD' ? undefined : body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		baseUrl,
		urlOf: (name) => `${baseUrl}/media/${encodeURIComponent(name)}`,
		hits,
		md5Of: (name) => {
			const file = byName.get(name);
			if (!file) throw new Error(`no such media ${name}`);
			return createHash('md5').update(bytesOf(file)).digest('hex');
		},
		stop: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/** Writes `size` random bytes to `path` in 8 MiB chunks (never the whole file in memory); returns its MD5. */
export async function writeRandomFile(path: string, size: number): Promise<string> {
	const { createWriteStream } = await import('node:fs');
	const { randomBytes } = await import('node:crypto');
	const hash = createHash('md5');
	const out = createWriteStream(path);
	const chunk = 8 * 1024 * 1024;
	for (let written = 0; written < size; written += chunk) {
		const bytes = randomBytes(Math.min(chunk, size - written));
		hash.update(bytes);
		if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
	}
	await new Promise<void>((resolve, reject) =>
		out.end((error?: Error | null) => (error ? reject(error) : resolve())),
	);
	return hash.digest('hex');
}
