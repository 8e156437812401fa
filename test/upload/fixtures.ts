import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/**
 * Random files of the given sizes (name → bytes) in a fresh temporary folder, written before a test file's
 * tests and removed after them. `paths` (name → path, for diskRoutes) and `data` (name → content) are filled
 * once its beforeAll has run.
 */
export function useRandomFiles(prefix: string, sizes: Record<string, number>) {
	const paths: Record<string, string> = {};
	const data: Record<string, Buffer> = {};
	let dir: string | undefined;
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), prefix));
		for (const [name, size] of Object.entries(sizes)) {
			data[name] = randomBytes(size);
			paths[name] = join(dir, name);
			writeFileSync(paths[name], data[name]);
		}
	});
	afterAll(() => {
		if (dir) rmSync(dir, { recursive: true, force: true });
	});
	return { paths, data };
}
