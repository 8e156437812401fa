/**
 * Upload failures a user has to act on: an empty file must not become a media, and a failed upload
 * must say which part failed, what happened to the multipart upload, and which VOD media it left.
 */
import { randomBytes } from 'node:crypto';

import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { binaryFiles, chain, emulatorCredentials, functionNode, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';

const KiB = 1024;
const MiB = 1024 * KiB;

/** /empty-chunked: 200 with no Content-Length and no body; /empty-length: Content-Length 0; /file?size=N: N bytes */
const bed = useTestBed({
	muteWarnings: true,
	routes: {
		'/empty-chunked': (_req, res) => {
			res.writeHead(200, { 'content-type': 'video/mp4', 'transfer-encoding': 'chunked' });
			res.end();
		},
		'/empty-length': (_req, res) => res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 0 }).end(),
		'/file/': (_req, res, url) => {
			const size = Number(url.searchParams.get('size') ?? 1024);
			res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size }).end(randomBytes(size));
		},
	},
});

const media = () => [...bed.emulator.state.vod.media.values()];

async function runUpload(parameters: INodeParameters, items: INodeExecutionData[], binaries?: Buffer[]) {
	const result = await runWorkflow({
		nodes: [
			startNode(),
			functionNode('Make Binary'),
			vodNode('VOD', { resource: 'upload', ...parameters }, undefined, { onError: 'continueRegularOutput' }),
		],
		connections: chain('Start', 'Make Binary', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: items,
		functions: {
			'Make Binary': binaryFiles(binaries?.map((data, i) => ({ data, fileName: `clip-${i}.mp4` }))),
		},
	});
	return result.output('VOD');
}

describe('empty sources', () => {
	test('a 0-byte binary and 0-byte URLs (with and without Content-Length) fail before VOD creates anything', async () => {
		const fromBinary = await runUpload(
			{ operation: 'uploadBinary', title: '', referenceIdMode: 'derive' },
			[{ json: {} }],
			[Buffer.alloc(0)],
		);
		const fromUrl = await runUpload(
			{ operation: 'uploadFromUrl', url: '={{ $json.url }}', title: '', referenceIdMode: 'derive' },
			[{ json: { url: bed.sources.url('/empty-length/a.mp4') } }, { json: { url: bed.sources.url('/empty-chunked/b.mp4') } }],
		);
		for (const item of [...fromBinary, ...fromUrl]) {
			expect(item.json.error).toMatch(/is empty \(0 bytes\); nothing was created in VOD/);
			expect(item.json.bytes).toBeUndefined();
		}
		expect(bed.calls('CreateUploadVideo')).toBe(0);
		expect(media()).toHaveLength(0);
	});

	test('a non-empty source without Content-Length still uploads whole', async () => {
		const [item] = await runUpload(
			{ operation: 'uploadFromUrl', url: '={{ $json.url }}', title: '', referenceIdMode: 'none' },
			[{ json: { url: bed.sources.url('/file/c.mp4?size=3000') } }],
		);
		expect(item.json).toMatchObject({ bytes: 3000 });
	});
});

describe('a failed upload says what it left', () => {
	test('OSS dropping every part: the part, the uploadId, "aborted; nothing was stored", and the VideoId', async () => {
		bed.emulator.setFaults({ oss: { dropRate: 1 } });
		const [item] = await runUpload(
			{
				operation: 'uploadFromUrl',
				url: '={{ $json.url }}',
				title: 'Dropped',
				referenceIdMode: 'derive',
				transferOptions: { partSizeMiB: 1, parallelParts: 2, maxAttempts: 2 },
			},
			[{ json: { url: bed.sources.url(`/file/d.mp4?size=${3 * MiB}`) } }],
		);
		const [video] = media();
		const error = String(item.json.error);
		expect(error).toMatch(/part \d+/);
		expect(error).toMatch(/The multipart upload \S+ was aborted; nothing was stored/);
		expect(error).not.toMatch(/connection was closed unexpectedly/i);
		expect(`${error} ${String(item.json.description)}`).toContain(video.mediaId);
		expect(error).toMatch(/stays in status Uploading; running the item again uploads into it/);
		expect(error).not.toMatch(/\.\./);
	});

	test('credentials rejected after every renewal: the message says they were renewed and still refused', async () => {
		bed.emulator.setFaults({ stsTtlSeconds: -1 });
		const [item] = await runUpload(
			{ operation: 'uploadFromUrl', url: '={{ $json.url }}', title: 'Expired', referenceIdMode: 'derive' },
			[{ json: { url: bed.sources.url(`/file/e.mp4?size=${64 * KiB}`) } }],
		);
		const error = String(item.json.error);
		expect(error).not.toMatch(/VOD cannot renew/);
		expect(error).toMatch(/renewed 5 times/);
		expect(bed.calls('RefreshUploadVideo')).toBeGreaterThanOrEqual(5);
	});
});
