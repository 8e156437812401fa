import { createHash, randomBytes } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { openBinarySource } from '../../nodes/AlibabaCloudVod/actions/upload/source';
import { PartBufferPool, rechunk } from '../../nodes/AlibabaCloudVod/transport/oss/rechunk';
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
	return { md5: hash.digest('hex'), bytes, buffers: pool.buffersAllocated };
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
	 * binary with the node's own openBinarySource and reads every chunk, and again through the parts.
	 * Without `node:fs` the file behind getBinaryPath cannot be read: the stream is the one way.
	 */
	it('streams filesystem-mode binaries with getBinaryStream and re-chunks them into exact parts', async () => {
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
					let streamsOpened = 0;
					const getBinaryStream = this.helpers.getBinaryStream.bind(this.helpers);
					const counting = Object.create(this) as IExecuteFunctions;
					Object.defineProperty(counting, 'helpers', {
						value: {
							...this.helpers,
							getBinaryStream: async (...args: Parameters<typeof getBinaryStream>) => {
								streamsOpened++;
								return await getBinaryStream(...args);
							},
						},
					});
					const streamed = await openBinarySource(counting, 0, 'data');
					const report: ReadReport = {
						...(await probeChunks(streamed.chunks)),
						totalBytes: streamed.totalBytes ?? null,
						via: streamed.via ?? null,
					};
					return [
						{
							json: {
								id: items[0].binary?.data.id ?? null,
								streamed: report,
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
			streamed: ReadReport;
			viaParts: { md5: string; bytes: number; buffers: number };
			streamsOpened: number;
		};
		expect(out.id).toMatch(/^filesystem/);
		for (const read of [out.streamed, out.viaParts]) {
			expect(read).toMatchObject({ md5: md5(file), bytes: file.length });
		}
		// n8n's read stream hands out a new Buffer per chunk of at most 1 MiB
		expect(out.streamed.via).toBe("streamed from n8n's binary data");
		expect(out.streamed.totalBytes).toBe(file.length);
		expect(out.streamed.chunks).toBe(4);
		expect(out.streamed.buffers).toBe(out.streamed.chunks);
		// …which the parts copy into one reused buffer
		expect(out.viaParts.buffers).toBe(1);
		// one stream gives the sample and the data: in database mode n8n loads the whole row per stream
		expect(out.streamsOpened).toBe(1);
	});
});

describe('rechunk over a source that reuses its buffer', () => {
	/** a source handing out views of one Buffer it overwrites for every chunk */
	async function* reusingOneBuffer(data: Buffer, chunkSize: number) {
		const buffer = Buffer.alloc(chunkSize);
		for (let offset = 0; offset < data.length; offset += chunkSize) {
			const length = data.copy(buffer, 0, offset, Math.min(data.length, offset + chunkSize));
			yield buffer.subarray(0, length);
		}
	}

	it('copies every chunk before the next read overwrites it', async () => {
		const data = randomBytes(1000);
		// chunks of 96 into parts of 128: chunk boundaries never meet part boundaries until the end
		expect(await readThroughParts(reusingOneBuffer(data, 96), 128)).toMatchObject({
			md5: md5(data),
			bytes: 1000,
		});
	});
});
