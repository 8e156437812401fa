import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { openBinarySource } from '../../nodes/AlibabaCloudVod/actions/upload/source';
import {
	readFileReusingBuffer,
	storedFilePath,
} from '../../nodes/AlibabaCloudVod/actions/upload/storedFile';
import { PartBufferPool, rechunk } from '../../nodes/AlibabaCloudVod/helpers/rechunk';
import { chain, functionNode, runWorkflow, startNode } from '../harness';

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

interface ReadReport extends IDataObject {
	md5: string;
	bytes: number;
	chunks: number;
	/** how many distinct memory blocks the chunks were views of */
	buffers: number;
	totalBytes: number | null;
	/** what the upload's log says about how the bytes were read */
	via: string | null;
}

/** Reads a source the way the upload does: through rechunk, into exact parts. */
async function readThroughParts(chunks: AsyncIterable<Uint8Array>, partSize: number) {
	const hash = createHash('md5');
	const pool = new PartBufferPool(partSize);
	let bytes = 0;
	for await (const part of rechunk(chunks, pool)) {
		hash.update(part);
		bytes += part.length;
		pool.release(part);
	}
	return { md5: hash.digest('hex'), bytes };
}

/** Probes the chunks themselves: their sizes and which memory they live in. */
async function probeChunks(chunks: AsyncIterable<Uint8Array>) {
	const hash = createHash('md5');
	const memory = new Set<ArrayBufferLike>();
	let count = 0;
	let bytes = 0;
	for await (const chunk of chunks) {
		hash.update(chunk);
		memory.add(chunk.buffer);
		count++;
		bytes += chunk.length;
	}
	return { md5: hash.digest('hex'), bytes, chunks: count, buffers: memory.size };
}

describe('reading n8n binary data for an upload', () => {
	const file = randomBytes(3 * MiB + 12345);

	/**
	 * Start → Store (prepareBinaryData in n8n's filesystem mode) → Probe, where Probe opens the item's
	 * binary with the node's own openBinarySource, once with n8n's helpers as they are and once with
	 * getBinaryPath taken away (as where the helper is missing), and reads every chunk.
	 */
	it('reads filesystem-mode binaries from the stored file through one reused buffer; getBinaryStream otherwise', async () => {
		const result = await runWorkflow({
			nodes: [startNode(), functionNode('Store'), functionNode('Probe')],
			connections: chain('Start', 'Store', 'Probe'),
			binaryMode: 'filesystem',
			functions: {
				Store: async function (this: IExecuteFunctions) {
					const binary = await this.helpers.prepareBinaryData(file, 'clip.mp4', 'video/mp4');
					return [{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }];
				},
				Probe: async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
					const direct = await openBinarySource(this, 0, 'data');
					const withoutPath = Object.create(this) as IExecuteFunctions;
					let streamsOpened = 0;
					const getBinaryStream = this.helpers.getBinaryStream.bind(this.helpers);
					Object.defineProperty(withoutPath, 'helpers', {
						value: {
							...this.helpers,
							getBinaryPath: undefined,
							getBinaryStream: async (...args: Parameters<typeof getBinaryStream>) => {
								streamsOpened++;
								return await getBinaryStream(...args);
							},
						},
					});
					const streamed = await openBinarySource(withoutPath, 0, 'data');
					const report = async (source: typeof direct): Promise<ReadReport> => ({
						...(await probeChunks(source.chunks)),
						totalBytes: source.totalBytes ?? null,
						via: source.via ?? null,
					});
					return [
						{
							json: {
								id: items[0].binary?.data.id ?? null,
								direct: await report(direct),
								streamed: await report(streamed),
								streamsOpened,
								viaParts: await readThroughParts((await openBinarySource(this, 0, 'data')).chunks, MiB),
							},
							pairedItem: { item: 0 },
						},
					];
				},
			},
		});
		const out = result.output('Probe')[0].json as {
			id: string;
			direct: ReadReport;
			streamed: ReadReport;
			viaParts: { md5: string; bytes: number };
			streamsOpened: number;
		};
		expect(out.id).toMatch(/^filesystem/);
		for (const read of [out.direct, out.streamed, out.viaParts]) {
			expect(read).toMatchObject({ md5: md5(file), bytes: file.length });
		}
		// 1 MiB chunks: 3 full and one short, all views of a single reused Buffer
		expect(out.direct).toMatchObject({ chunks: 4, buffers: 1, totalBytes: file.length });
		// the log says which way it went: the e2e suites check the fast path ran in a real n8n by it
		expect(out.direct.via).toBe("read from n8n's binary data file");
		expect(out.streamed.via).toBe("streamed from n8n's binary data");
		// n8n's read stream hands out a new Buffer per chunk
		expect(out.streamed.totalBytes).toBe(file.length);
		expect(out.streamed.buffers).toBe(out.streamed.chunks);
		expect(out.streamed.chunks).toBeGreaterThan(1);
		// one stream gives the sample and the data: in database mode n8n loads the whole row per stream
		expect(out.streamsOpened).toBe(1);
	});
});

describe('storedFilePath', () => {
	let dir: string;
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), 'stored-file-'));
		writeFileSync(join(dir, 'a.bin'), Buffer.alloc(100, 7));
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const ctxWith = (getBinaryPath?: (id: string) => string) =>
		({ helpers: { getBinaryPath } }) as unknown as IExecuteFunctions;

	it('gives the path of a filesystem-mode binary whose file has the recorded size', async () => {
		const ctx = ctxWith(() => join(dir, 'a.bin'));
		expect(await storedFilePath(ctx, 'filesystem-v2:workflows/1/a', 100)).toBe(join(dir, 'a.bin'));
		expect(await storedFilePath(ctx, 'filesystem-v2:workflows/1/a', undefined)).toBe(join(dir, 'a.bin'));
	});

	it('gives nothing, so the caller streams, for other modes, a size mismatch, a missing file or helper', async () => {
		const ctx = ctxWith(() => join(dir, 'a.bin'));
		expect(await storedFilePath(ctx, 'database:123', 100)).toBeUndefined();
		expect(await storedFilePath(ctx, 's3:workflows/1/a', 100)).toBeUndefined();
		expect(await storedFilePath(ctx, 'filesystem-v2:workflows/1/a', 101)).toBeUndefined();
		expect(await storedFilePath(ctxWith(() => join(dir, 'gone.bin')), 'filesystem-v2:x', 100)).toBeUndefined();
		expect(await storedFilePath(ctxWith(() => dir), 'filesystem-v2:x', undefined)).toBeUndefined();
		expect(
			await storedFilePath(
				ctxWith(() => {
					throw new Error('no such mode');
				}),
				'filesystem-v2:x',
				100,
			),
		).toBeUndefined();
		expect(await storedFilePath(ctxWith(undefined), 'filesystem-v2:x', 100)).toBeUndefined();
	});

	it('re-chunks a reused buffer correctly: every chunk is copied before the next read overwrites it', async () => {
		const path = join(dir, 'odd.bin');
		const data = randomBytes(1000);
		writeFileSync(path, data);
		// chunks of 96 into parts of 128: chunk boundaries never meet part boundaries until the end
		expect(await readThroughParts(readFileReusingBuffer(path, 96), 128)).toEqual({
			md5: md5(data),
			bytes: 1000,
		});
	});
});
