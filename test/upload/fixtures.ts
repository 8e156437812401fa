import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Emulator } from '../emulator';
import type { MultipartUploadRecord, OssRequestRecord } from '../emulator/oss';

/** The OSS emulator's per-upload registry and request log (see test/emulator/oss/index.ts). */
export function ossRegistry(emulator: Emulator): {
	uploads: Map<string, MultipartUploadRecord>;
	requests: OssRequestRecord[];
} {
	const direct = emulator as unknown as {
		ossUploads?: Map<string, MultipartUploadRecord>;
		ossRequests?: OssRequestRecord[];
	};
	if (direct.ossUploads && direct.ossRequests) {
		return { uploads: direct.ossUploads, requests: direct.ossRequests };
	}
	// Until the Emulator object exposes them: the OSS server itself carries them.
	const port = Number(new URL(emulator.ossEndpoint).port);
	const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
	const server = handles.find((h) => {
		const s = h as { ossUploads?: unknown; address?: () => AddressInfo | string | null };
		if (!s?.ossUploads || typeof s.address !== 'function') return false;
		const address = s.address();
		return typeof address === 'object' && address?.port === port;
	}) as { ossUploads: Map<string, MultipartUploadRecord>; ossRequests: OssRequestRecord[] } | undefined;
	if (!server) throw new Error('OSS emulator server not found');
	return { uploads: server.ossUploads, requests: server.ossRequests };
}

/** Writes `bytes` of random data to `path` in 8 MiB steps (never the whole file in memory); returns its MD5. */
export async function writeRandomFile(path: string, bytes: number): Promise<string> {
	const hash = createHash('md5');
	const out = createWriteStream(path);
	const step = 8 * 1024 * 1024;
	for (let written = 0; written < bytes; written += step) {
		const chunk = randomBytes(Math.min(step, bytes - written));
		hash.update(chunk);
		if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
	}
	await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
	return hash.digest('hex');
}

export async function md5OfFile(path: string): Promise<string> {
	const hash = createHash('md5');
	for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
	return hash.digest('hex');
}

export interface SourceServer {
	url(path: string): string;
	/** requests seen: path and headers */
	requests: Array<{ path: string; authorization?: string; referer?: string }>;
	stop(): Promise<void>;
}

/**
 * A loopback HTTP server for "upload from URL":
 *   /files/<name>          serves the file registered under name (Content-Length set)
 *   /private/<name>        the same, only with `Authorization: Bearer let-me-in`
 *   /cut/<name>            sends half the file, then destroys the connection
 *   /stall/<name>          sends 1 MiB, then nothing (for cancel tests)
 *   anything else          404
 */
export async function startSourceServer(files: Record<string, string>): Promise<SourceServer> {
	const requests: SourceServer['requests'] = [];
	const server: Server = createServer((req, res) => {
		const [, kind, name] = (req.url ?? '').split('?')[0].split('/');
		requests.push({
			path: req.url ?? '',
			authorization: req.headers.authorization,
			referer: req.headers.referer,
		});
		const path = files[decodeURIComponent(name ?? '')];
		if (!path || !['files', 'private', 'cut', 'stall'].includes(kind)) {
			res.writeHead(404).end('not found');
			return;
		}
		if (kind === 'private' && req.headers.authorization !== 'Bearer let-me-in') {
			res.writeHead(401).end('who are you?');
			return;
		}
		const size = statSync(path).size;
		res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'video/mp4' });
		const limit = kind === 'cut' ? Math.floor(size / 2) : kind === 'stall' ? 1024 * 1024 : undefined;
		const stream = createReadStream(path, limit !== undefined ? { end: limit - 1 } : {});
		stream.pipe(res, { end: limit === undefined });
		if (kind === 'cut') stream.on('end', () => setTimeout(() => res.destroy(), 20));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: (path) => `http://127.0.0.1:${port}${path}`,
		requests,
		async stop() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
		},
	};
}
