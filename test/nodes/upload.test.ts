/**
 * Upload resource, run as real workflows (n8n-core WorkflowExecute via the harness) against the
 * emulator: small files, so this suite stays fast. The 1 GiB runs are in upload.large.test.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, functionNode, runWorkflow, startNode, vodNode } from '../harness';
import { diskRoutes } from '../harness/sourceServer';
import { useTestBed } from '../harness/testBed';
import { ossRegistry, useRandomFiles } from '../upload/fixtures';

const KiB = 1024;
const MiB = 1024 * KiB;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');


const { paths: files, data } = useRandomFiles('h6-upload-', {
	'clip.mp4': 2.5 * MiB,
	'song.mp3': 300 * KiB,
	'big.mp4': 24 * MiB,
});
const bed = useTestBed({ muteWarnings: true, routes: diskRoutes(files) });

function storedMd5(json: IDataObject) {
	const object = bed.emulator.state.objects.get(`${json.bucket}/${json.objectKey}`);
	if (!object) throw new Error(`nothing stored at ${json.bucket}/${json.objectKey}`);
	return { md5: md5(readFileSync(object.path)), size: object.size };
}

/** Start → Make Binary (attaches the named files as binary 'data') → VOD */
async function runUpload(
	parameters: INodeParameters,
	options: {
		binaries?: Array<{ name: string; fileName?: string } | null>;
		continueOnFail?: boolean;
		binaryMode?: 'default' | 'filesystem';
		abortAfterMs?: number;
		items?: INodeExecutionData[];
	} = {},
) {
	const binaries = options.binaries;
	const result = await runWorkflow({
		nodes: [
			startNode(),
			functionNode('Make Binary'),
			vodNode(
				'VOD',
				{ resource: 'upload', ...parameters },
				undefined,
				options.continueOnFail ? { onError: 'continueRegularOutput' } : {},
			),
		],
		connections: chain('Start', 'Make Binary', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		binaryMode: options.binaryMode ?? 'default',
		abortAfterMs: options.abortAfterMs,
		startItems: options.items ?? (binaries ?? [null]).map(() => ({ json: {} })),
		functions: {
			'Make Binary': async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
				if (!binaries) return items;
				const out: INodeExecutionData[] = [];
				for (const [i, spec] of binaries.entries()) {
					if (!spec) {
						out.push({ json: { i }, pairedItem: { item: i } });
						continue;
					}
					const binary = await this.helpers.prepareBinaryData(
						data[spec.name],
						spec.fileName ?? spec.name,
					);
					out.push({ json: { i }, binary: { data: binary }, pairedItem: { item: i } });
				}
				return out;
			},
		},
	});
	return { result, out: result.output('VOD') };
}

const smallParts = { transferOptions: { partSizeMiB: 1, parallelParts: 3 } };

describe('Upload from binary data', () => {
	it('uploads inline base64 data (n8n 1.x default mode), single put and multipart, byte for byte', async () => {
		const { result, out } = await runUpload(
			{ operation: 'uploadBinary', title: '', referenceIdMode: 'none', ...smallParts },
			{ binaries: [{ name: 'song.mp3' }, { name: 'clip.mp4' }] },
		);
		expect(result.status).toBe('success');
		expect(out).toHaveLength(2);
		expect(out[0].json).toMatchObject({ title: 'song', fileName: 'song.mp3', bytes: 300 * KiB, partCount: 1, alreadyUploaded: false, source: 'data', sourceType: 'binary' });
		expect(out[0].json.uploadId).toBeUndefined();
		expect(out[1].json).toMatchObject({ fileName: 'clip.mp4', bytes: 2.5 * MiB, partCount: 3 });
		expect(out[1].json.uploadId).toEqual(expect.any(String));
		expect(storedMd5(out[0].json).md5).toBe(md5(data['song.mp3']));
		expect(storedMd5(out[1].json).md5).toBe(md5(data['clip.mp4']));
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// VOD saw the file land: the media is Normal and knows its size
		const media = bed.emulator.state.vod.media.get(out[1].json.videoId as string);
		expect(media?.status).toBe('Normal');
		expect(bed.calls('CreateUploadVideo')).toBe(2);
	});

	it('streams stored binary data (filesystem mode, as in n8n 2.x)', async () => {
		const { out } = await runUpload(
			{ operation: 'uploadBinary', title: 'Clip', referenceIdMode: 'none', ...smallParts },
			{ binaries: [{ name: 'clip.mp4' }], binaryMode: 'filesystem' },
		);
		expect(out[0].json).toMatchObject({ title: 'Clip', bytes: 2.5 * MiB, partCount: 3 });
		expect(storedMd5(out[0].json).md5).toBe(md5(data['clip.mp4']));
	});

	it('a re-run with a derived Reference ID finds the video instead of creating a second one', async () => {
		const params = { operation: 'uploadBinary', title: 'Clip', referenceIdMode: 'derive', ...smallParts };
		const first = await runUpload(params, { binaries: [{ name: 'clip.mp4' }] });
		expect(first.out[0].json.referenceId).toMatch(/^n8n-[A-Za-z0-9_-]{40}$/);
		const second = await runUpload(params, { binaries: [{ name: 'clip.mp4' }] });
		expect(second.out[0].json).toMatchObject({
			videoId: first.out[0].json.videoId,
			referenceId: first.out[0].json.referenceId,
			alreadyUploaded: true,
			status: 'Normal',
		});
		expect(bed.calls('CreateUploadVideo')).toBe(1);
		expect([...ossRegistry(bed.emulator).uploads.values()]).toHaveLength(1);
		// another file under the same name is a different source
		const other = await runUpload(params, { binaries: [{ name: 'song.mp3', fileName: 'clip.mp4' }] });
		expect(other.out[0].json.alreadyUploaded).toBe(false);
		expect(other.out[0].json.referenceId).not.toBe(first.out[0].json.referenceId);
	});

	it('re-uploads to the same video when an earlier run never finished (RefreshUploadVideo, same address)', async () => {
		const params = { operation: 'uploadBinary', title: 'Clip', referenceIdMode: 'custom', referenceId: 'catalog-00042', ...smallParts };
		// the first run is cancelled mid-upload: the video stays "Uploading"
		bed.emulator.setFaults({ oss: { latencyMs: 300 } });
		const cancelled = await runUpload(params, { binaries: [{ name: 'clip.mp4' }], abortAfterMs: 500 });
		// n8n marks the run canceled, or failed with the node's own cancellation error
		if (cancelled.result.status !== 'canceled') {
			expect(cancelled.result.status).toBe('error');
			expect(cancelled.result.nodeError('VOD')?.message).toMatch(/^\[item 0\] The upload was cancelled after .* was aborted; nothing was stored/);
		}
		bed.emulator.setFaults({});
		const media = [...bed.emulator.state.vod.media.values()].find((m) => m.referenceId === 'catalog-00042');
		expect(media?.status).toBe('Uploading');
		const uploads = [...ossRegistry(bed.emulator).uploads.values()];
		expect(uploads).toHaveLength(1);
		expect(uploads[0].status).toBe('aborted');

		const again = await runUpload(params, { binaries: [{ name: 'clip.mp4' }] });
		expect(again.out[0].json).toMatchObject({ videoId: media?.mediaId, resumed: true, alreadyUploaded: false, objectKey: media?.objectKey });
		expect(bed.calls('CreateUploadVideo')).toBe(1);
		expect(bed.calls('RefreshUploadVideo')).toBeGreaterThanOrEqual(1);
		expect(storedMd5(again.out[0].json).md5).toBe(md5(data['clip.mp4']));
		expect(bed.emulator.state.vod.media.get(media!.mediaId)?.status).toBe('Normal');
	});

	it('checks every item before calling VOD; bad items become error items naming the item, good ones go on', async () => {
		const { out } = await runUpload(
			{ operation: 'uploadBinary', title: '={{ $json.i === 2 ? "x".repeat(129) : "" }}', referenceIdMode: 'none', ...smallParts },
			{
				binaries: [{ name: 'song.mp3', fileName: 'notes.txt' }, null, { name: 'song.mp3' }, { name: 'song.mp3' }],
				continueOnFail: true,
			},
		);
		expect(out).toHaveLength(4);
		expect(out[0].json.error).toMatch(/^\[item 0\] "\.txt" is not a video or audio format VOD accepts/);
		expect(out[1].json.error).toMatch(/^\[item 1\] .*binary/i);
		expect(out[2].json.error).toMatch(/^\[item 2\] Title is 129 bytes long/);
		expect(out[3].json).toMatchObject({ fileName: 'song.mp3', bytes: 300 * KiB });
		expect(out.map((o) => o.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(bed.calls('CreateUploadVideo')).toBe(1);
	});

	it('without Continue On Fail the node fails with the item named and a fix', async () => {
		const { result } = await runUpload(
			{ operation: 'uploadBinary', title: 'T', referenceIdMode: 'none' },
			{ binaries: [{ name: 'song.mp3', fileName: 'noext' }] },
		);
		expect(result.status).toBe('error');
		const error = result.nodeError('VOD') as Error & { description?: string };
		expect(error.message).toMatch(/^\[item 0\] File Name "noext" has no extension/);
		expect(error.description).toMatch(/mp4/);
		expect(bed.calls('CreateUploadVideo')).toBe(0);
	});
});

describe('Upload from URL', () => {
	it('streams a download into OSS parts, with the request headers the source needs', async () => {
		const { out } = await runUpload({
			operation: 'uploadFromUrl',
			url: bed.sources.url('/private/big.mp4?token=secret-in-query'),
			title: 'Big',
			referenceIdMode: 'derive',
			requestHeaders: { header: [{ name: 'Authorization', value: 'Bearer let-me-in' }, { name: 'Referer', value: 'https://example.com/' }] },
			transferOptions: { partSizeMiB: 5, parallelParts: 2 },
		});
		expect(out[0].json).toMatchObject({ fileName: 'big.mp4', bytes: 24 * MiB, partCount: 5, sourceType: 'url' });
		expect(storedMd5(out[0].json).md5).toBe(md5(data['big.mp4']));
		expect(bed.sources.headers.get('/private/big.mp4')).toMatchObject({ authorization: 'Bearer let-me-in', referer: 'https://example.com/' });
		const upload = ossRegistry(bed.emulator).uploads.get(out[0].json.uploadId as string);
		expect([...upload!.parts.values()].map((p) => p.size)).toEqual([5, 5, 5, 5, 4].map((n) => n * MiB));
	});

	it('says what the source answered and creates nothing when the URL fails', async () => {
		const { out } = await runUpload(
			{ operation: 'uploadFromUrl', url: '={{ $json.url }}', title: 'X', referenceIdMode: 'none' },
			{
				items: [
					{ json: { url: bed.sources.url('/files/missing.mp4') } },
					{ json: { url: bed.sources.url('/private/big.mp4') } },
					{ json: { url: 'ftp://example.com/a.mp4' } },
				],
				continueOnFail: true,
			},
		);
		expect(out[0].json.error).toMatch(/^\[item 0\] URL http:\/\/127\.0\.0\.1:\d+\/files\/missing\.mp4 answered HTTP 404/);
		expect(out[1].json.error).toMatch(/answered HTTP 401/);
		expect(out[1].json.description).toMatch(/Request Headers/);
		expect(out[2].json.error).toMatch(/is not an http\(s\) URL/);
		expect(bed.calls('CreateUploadVideo')).toBe(0);
	});

	it('aborts the multipart upload when the source disappears half-way and says how far it got', async () => {
		const { result } = await runUpload({
			operation: 'uploadFromUrl',
			url: bed.sources.url('/cut/big.mp4'),
			title: 'Cut',
			referenceIdMode: 'none',
			transferOptions: { partSizeMiB: 2, parallelParts: 2 },
		});
		expect(result.status).toBe('error');
		const message = result.nodeError('VOD')!.message;
		expect(message).toMatch(/^\[item 0\] The source \(URL http:\/\/127\.0\.0\.1:\d+\/cut\/big\.mp4\) stopped after 12 MiB of 24 MiB: /);
		expect(message).toMatch(/The multipart upload \S+ was aborted; nothing was stored/);
		const uploads = [...ossRegistry(bed.emulator).uploads.values()];
		expect(uploads).toHaveLength(1);
		expect(uploads[0].status).toBe('aborted');
	});
});

describe('Upload image and attached media', () => {
	it('uploads a cover image and a subtitle from binary data and a watermark from a URL', async () => {
		const png = { name: 'song.mp3', fileName: 'cover.png' };
		const image = await runUpload({ operation: 'uploadImage', imageType: 'cover', source: 'binary', title: 'Cover' }, { binaries: [png] });
		expect(image.out[0].json).toMatchObject({ imageId: expect.any(String), fileName: 'cover.png', bytes: 300 * KiB, partCount: 1 });
		expect(image.out[0].json.objectKey).toMatch(/^image\/cover\/.*\.png$/);
		expect(storedMd5(image.out[0].json).md5).toBe(md5(data['song.mp3']));

		const subtitle = await runUpload(
			{ operation: 'uploadAttachedMedia', businessType: 'subtitle', source: 'binary', title: '' },
			{ binaries: [{ name: 'song.mp3', fileName: 'en.vtt' }] },
		);
		expect(subtitle.out[0].json).toMatchObject({ mediaId: expect.any(String), title: 'en', fileName: 'en.vtt' });

		const wrong = await runUpload(
			{ operation: 'uploadAttachedMedia', businessType: 'watermark', source: 'url', url: bed.sources.url('/files/big.mp4'), title: 'W' },
			{ continueOnFail: true },
		);
		expect(wrong.out[0].json.error).toMatch(/"\.mp4" is not a watermark format/);
		expect(bed.calls('CreateUploadAttachedMedia')).toBe(1);
	});
});
