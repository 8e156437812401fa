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
		// N bytes, without Content-Length
		'/chunked': (_req, res, url) => {
			const size = Number(url.searchParams.get('size') ?? 1024);
			res.writeHead(200, { 'content-type': 'video/mp4', 'transfer-encoding': 'chunked' });
			res.end(randomBytes(size));
		},
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

describe('Part Size', () => {
	test('is honoured for a URL that does not announce its size (no Content-Length)', async () => {
		const [item] = await runUpload(
			{
				operation: 'uploadFromUrl',
				url: '={{ $json.url }}',
				title: '',
				referenceIdMode: 'none',
				transferOptions: { partSizeMiB: 1, parallelParts: 2 },
			},
			[{ json: { url: `${bed.sources.baseUrl}/chunked/p.mp4?size=${3 * MiB + 5}` } }],
		);
		expect(item.json).toMatchObject({ bytes: 3 * MiB + 5, partSizeBytes: MiB, partCount: 4 });
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

	test("the node's own Security Token expired mid-upload: RefreshUploadVideo asked once, the upload aborted, the fix is a new token", async () => {
		// OSS refuses part 2's credentials; renewing them finds the node's own STS token expired
		bed.emulator.setFaults({
			oss: { at: [{ action: 'UploadPart', call: 2, kind: 'tokenExpired' }] },
			vod: { at: [{ action: 'RefreshUploadVideo', call: 1, kind: 'tokenExpired' }] },
		});
		const [item] = await runUpload(
			{
				operation: 'uploadFromUrl',
				url: '={{ $json.url }}',
				title: 'Expired token',
				referenceIdMode: 'none',
				transferOptions: { partSizeMiB: 1, parallelParts: 1, maxAttempts: 5 },
			},
			[{ json: { url: `${bed.sources.baseUrl}/file/t.mp4?size=${3 * MiB}` } }],
		);
		const error = String(item.json.error);
		const description = String(item.json.description);
		expect(bed.calls('RefreshUploadVideo')).toBe(1);
		const aborts = bed.emulator.ossRequests.filter((request) => request.operation === 'AbortMultipartUpload');
		expect(aborts.map((request) => request.status)).toEqual([204]);
		expect(error).toMatch(/Alibaba Cloud API credential .*InvalidSecurityToken\.Expired/);
		expect(error).toMatch(/The multipart upload \S+ was aborted; nothing was stored/);
		expect(description).toMatch(/Security Token of the Alibaba Cloud API credential has expired.*Request a new STS token/);
		expect(description).not.toMatch(/network|Attempts per Part/);
		expect(item.json).toMatchObject({ code: 'InvalidSecurityToken.Expired' });
		expect(item.json.transient).toBeUndefined();
	});

	test('every Complete answer lost after OSS stored the file: the outcome is unknown and the error says how to check', async () => {
		const dropped = [1, 2, 3].map((call) => ({ action: 'CompleteMultipartUpload', call, kind: 'dropAfter' as const }));
		bed.emulator.setFaults({ oss: { at: dropped } });
		const [item] = await runUpload(
			{
				operation: 'uploadFromUrl',
				url: '={{ $json.url }}',
				title: 'Lost answer',
				referenceIdMode: 'none',
				transferOptions: { partSizeMiB: 1, parallelParts: 2, maxAttempts: 3 },
			},
			[{ json: { url: `${bed.sources.baseUrl}/file/l.mp4?size=${3 * MiB}` } }],
		);
		const [video] = media();
		expect(video.status).not.toBe('Uploading'); // OSS stored it: VOD took the file
		const text = `${String(item.json.error)} ${String(item.json.description)}`;
		expect(text).not.toMatch(/stays in status Uploading/);
		expect(String(item.json.error)).toMatch(new RegExp(`unknown whether VOD video ${video.mediaId} .*holds the file`));
		expect(String(item.json.error)).toMatch(/Media → Get/);
		expect(String(item.json.error)).toMatch(/running the item again while it holds the file makes a second one/);
	});

	test('Reference ID None and a lost CreateUploadVideo answer: not transient (a retry would duplicate), and no URL advice for a binary', async () => {
		bed.emulator.setFaults({ vod: { at: [{ action: 'CreateUploadVideo', call: 1, kind: 'dropAfter' }] } });
		const [item] = await runUpload(
			{ operation: 'uploadBinary', binaryPropertyName: 'data', title: 'Lost create', referenceIdMode: 'none' },
			[{ json: {} }],
			[randomBytes(64 * KiB)],
		);
		expect(bed.calls('CreateUploadVideo')).toBe(1);
		expect(media()).toHaveLength(1); // VOD made it: a retry would make a second
		expect(String(item.json.error)).toMatch(/CreateUploadVideo/);
		expect(item.json.transient).toBeUndefined();
		const description = String(item.json.description);
		expect(description).not.toMatch(/Job Status|source URL/);
		expect(description).toMatch(/Media → Search/);
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
