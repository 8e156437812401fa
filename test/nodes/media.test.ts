/**
 * Media resource, run as real workflows (n8n-core WorkflowExecute via the harness) against the emulator.
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { callVod, openApiClient } from '../emulator/vod/test-clients';
import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';

const bed = useTestBed({ muteWarnings: true });

/** Runs Start → VOD (media resource) with the given input items. */
async function runMedia(
	parameters: INodeParameters,
	startItems: INodeExecutionData[] = [{ json: {} }],
	continueOnFail = false,
) {
	const result = await runWorkflow({
		nodes: [
			startNode(),
			vodNode(
				'VOD',
				{ resource: 'media', ...parameters },
				undefined,
				continueOnFail ? { onError: 'continueRegularOutput' } : {},
			),
		],
		connections: chain('Start', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		startItems,
	});
	return { result, out: result.output('VOD') };
}

function ossClient(credentials: { accessKeyId: string; accessKeySecret: string; stsToken?: string }, bucket: string) {
	return new OSS({
		...credentials,
		endpoint: bed.emulator.ossEndpoint,
		bucket,
		region: 'oss-cn-shanghai',
	} as OSS.Options);
}

/** A video made the way a client makes one: CreateUploadVideo, then a PUT with the STS credentials. */
async function uploadVideo(bytes: Buffer, title = 'Uploaded clip') {
	const client = openApiClient(bed.emulator.vodEndpoint, bed.emulator.accessKey);
	const created = await callVod(client, 'CreateUploadVideo', { FileName: 'clip.mp4', Title: title });
	const address = JSON.parse(Buffer.from(created.UploadAddress, 'base64').toString());
	const auth = JSON.parse(Buffer.from(created.UploadAuth, 'base64').toString());
	await ossClient(
		{ accessKeyId: auth.AccessKeyId, accessKeySecret: auth.AccessKeySecret, stsToken: auth.SecurityToken },
		address.Bucket,
	).put(address.FileName, bytes);
	await bed.emulator.idle();
	return created.VideoId as string;
}

const MISSING_ID = 'ffffffffffffffffffffffffffffffff';

describe('Search', () => {
	test('Return All walks past 5,000: 6,000 seeded videos come back, each once', async () => {
		const seeded = bed.emulator.seedMedia({ count: 6000 });
		const { result, out } = await runMedia({ operation: 'search', searchType: 'video', returnAll: true });
		expect(result.status).toBe('success');
		expect(out).toHaveLength(6000);
		const ids = new Set(out.map((item) => item.json.MediaId));
		expect(ids.size).toBe(6000);
		expect([...ids].sort()).toEqual([...seeded].sort());
		expect(out.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
		// 100 a page: 60 pages (plus at most one empty page to learn the end)
		expect(bed.calls('SearchMedia')).toBeGreaterThanOrEqual(60);
		expect(bed.calls('SearchMedia')).toBeLessThanOrEqual(61);
		// newest first by default
		const times = out.map((item) => String(item.json.CreationTime));
		expect([...times].sort().reverse()).toEqual(times);
		// Fields were asked for, so titles came back flattened next to MediaId
		expect(out[0].json.Title).toEqual(expect.stringContaining('Seeded media'));
	}, 120_000);

	test('image Return All stops at the 5,000 VOD lets it reach, and says so', async () => {
		bed.emulator.seedMedia({ count: 5100, mediaType: 'image' });
		const { result, out } = await runMedia({ operation: 'search', searchType: 'image', returnAll: true });
		expect(result.status).toBe('success');
		expect(out).toHaveLength(5000);
		expect(new Set(out.map((i) => i.json.MediaId)).size).toBe(5000);
		expect(bed.calls('SearchMedia')).toBe(50);
		const hints = result.runData.VOD[0].hints ?? [];
		expect(hints.map((h) => h.message).join('\n')).toMatch(/first 5000 image search results of 5100/);
	}, 60_000);

	test('Limit is respected and asks for no more pages than it needs', async () => {
		bed.emulator.seedMedia({ count: 300 });
		const { out } = await runMedia({ operation: 'search', returnAll: false, limit: 50 });
		expect(out).toHaveLength(50);
		expect(bed.calls('SearchMedia')).toBe(1);

		bed.emulator.state.vod.callCounts.clear();
		const { out: more } = await runMedia({ operation: 'search', returnAll: false, limit: 250 });
		expect(more).toHaveLength(250);
		expect(new Set(more.map((i) => i.json.MediaId)).size).toBe(250);
		expect(bed.calls('SearchMedia')).toBe(3);
	});

	test('status, title and time filters reach VOD as a Match statement', async () => {
		const start = Date.parse('2024-01-01T00:00:00Z');
		bed.emulator.seedMedia({
			count: 30,
			statuses: ['Normal', 'Checking', 'Blocked'],
			startTime: new Date(start).toISOString(),
			intervalMs: 60_000,
			titlePrefix: "Don't Stop",
		});
		bed.emulator.seedMedia({ count: 5, titlePrefix: 'Other', startTime: new Date(start).toISOString() });
		const { out } = await runMedia({
			operation: 'search',
			returnAll: true,
			filters: {
				statuses: ['Normal', 'Checking'],
				title: "Don't",
				createdAfter: '2024-01-01T00:04:30Z',
			},
		});
		// 30 media a minute apart from 00:00; after 00:04:30 → minutes 5..29 (25), of which 2 in 3 match
		const expected = [...bed.emulator.state.vod.media.values()].filter(
			(m) =>
				m.title.startsWith("Don't Stop") &&
				m.creationTime > Date.parse('2024-01-01T00:04:30Z') &&
				['Normal', 'Checking'].includes(m.status),
		);
		expect(expected.length).toBeGreaterThan(10);
		expect(out.map((i) => i.json.MediaId).sort()).toEqual(expected.map((m) => m.mediaId).sort());
	});

	test('one search per input item, results paired to the item that asked; a bad item fails alone', async () => {
		bed.emulator.seedMedia({ count: 3, titlePrefix: 'Alpha' });
		bed.emulator.seedMedia({ count: 2, titlePrefix: 'Beta' });
		const { out } = await runMedia(
			{ operation: 'search', returnAll: true, filters: { title: '={{ $json.q }}', categoryId: '={{ $json.cat }}' } },
			[{ json: { q: 'Alpha' } }, { json: { q: 'Beta', cat: 'x' } }, { json: { q: 'Beta' } }],
			true,
		);
		expect(out).toHaveLength(3 + 1 + 2);
		expect(out.slice(0, 3).every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		expect(out[3].json.error).toMatch(/^\[item 1\] .*whole number/);
		expect(out[3].pairedItem).toEqual({ item: 1 });
		expect(out.slice(4).map((i) => (i.pairedItem as { item: number }).item)).toEqual([2, 2]);
		expect(out.slice(4).every((i) => String(i.json.Title).startsWith('Beta'))).toBe(true);
	});
});

describe('Get, Get Source File, Get Play Info', () => {
	test('Get returns the uploaded video; an unknown id becomes an error item naming it', async () => {
		const videoId = await uploadVideo(randomBytes(4096), 'My clip');
		const { out } = await runMedia(
			{ operation: 'get', videoId: '={{ $json.id }}' },
			[{ json: { id: videoId } }, { json: { id: MISSING_ID } }, { json: { id: '' } }],
			true,
		);
		expect(out).toHaveLength(3);
		expect(out[0].json).toMatchObject({ videoId, title: 'My clip' });
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[1].json.error).toMatch(new RegExp(`^\\[item 1\\] .*${MISSING_ID}`));
		expect(out[1].json).toMatchObject({ videoId: MISSING_ID, code: 'InvalidVideo.NotFound' });
		expect(out[1].pairedItem).toEqual({ item: 1 });
		expect(out[2].json.error).toMatch(/^\[item 2\] Video ID is empty/);
		// the empty id was never sent
		expect(bed.calls('GetVideoInfo')).toBe(2);
	});

	test('Get without Continue On Fail stops the run and names the item', async () => {
		const { result } = await runMedia({ operation: 'get', videoId: MISSING_ID, simplify: false });
		expect(result.status).toBe('error');
		expect(result.nodeError('VOD')?.message).toMatch(new RegExp(`^\\[item 0\\] .*${MISSING_ID}`));
	});

	test('Get Source File gives a sourceUrl that downloads the original bytes', async () => {
		const bytes = randomBytes(64 * 1024);
		const videoId = await uploadVideo(bytes);
		const { out } = await runMedia(
			{ operation: 'getSourceFile', videoId: '={{ $json.id }}', authTimeout: 600 },
			[{ json: { id: videoId } }, { json: { id: MISSING_ID } }],
			true,
		);
		expect(out).toHaveLength(2);
		const { sourceUrl, sourceUrlExpiresAt, size } = out[0].json as Record<string, string | number>;
		expect(size).toBe(bytes.length);
		const expiresIn = Date.parse(String(sourceUrlExpiresAt)) - Date.now();
		expect(expiresIn).toBeGreaterThan(500_000);
		expect(expiresIn).toBeLessThanOrEqual(600_000);
		const download = await fetch(String(sourceUrl));
		expect(download.status).toBe(200);
		expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
		expect(out[1].json.error).toMatch(new RegExp(`^\\[item 1\\] .*${MISSING_ID}`));
	});

	test('Get Play Info: simplified play URLs; no stream or unknown id → error item naming the video', async () => {
		const videoId = await uploadVideo(randomBytes(2048));
		const [streamless] = bed.emulator.seedMedia({ count: 1, statuses: ['Uploading'] });
		const { out } = await runMedia(
			{ operation: 'getPlayInfo', videoId: '={{ $json.id }}', options: { formats: ['mp4'] } },
			[{ json: { id: videoId } }, { json: { id: streamless } }, { json: { id: MISSING_ID } }],
			true,
		);
		expect(out).toHaveLength(3);
		expect(out[0].json.videoId).toBe(videoId);
		const playUrls = out[0].json.playUrls as Array<Record<string, unknown>>;
		expect(playUrls).toHaveLength(1);
		expect(playUrls[0]).toMatchObject({ format: 'mp4', size: 2048, encrypted: false });
		const play = await fetch(String(playUrls[0].url));
		expect(play.status).toBe(200);
		expect(out[1].json.error).toMatch(new RegExp(`^\\[item 1\\] .*${streamless}.*no stream`));
		expect(out[1].json.code).toBe('InvalidVideo.NoneStream');
		expect(out[2].json.error).toMatch(new RegExp(`^\\[item 2\\] .*${MISSING_ID}`));
		expect(bed.calls('GetPlayInfo')).toBe(3);
	});
});

describe('Register OSS Objects', () => {
	async function putObjects(count: number) {
		const bucket = bed.emulator.state.vod.bucket;
		const oss = ossClient(bed.emulator.accessKey, bucket);
		const urls: string[] = [];
		for (let i = 0; i < count; i++) {
			const key = `register/${randomBytes(4).toString('hex')}-${i}.mp4`;
			await oss.put(key, randomBytes(256));
			urls.push(`${bed.emulator.ossEndpoint}/${bucket}/${key}`);
		}
		return urls;
	}

	test('23 items go in 3 RegisterMedia calls; registering again answers NewRegister false', async () => {
		const urls = await putObjects(23);
		const items = urls.map((url, i) => ({ json: { url, title: `Registered ${i}` } }));
		const parameters = { operation: 'register', fileUrl: '={{ $json.url }}', title: '={{ $json.title }}' };

		const first = await runMedia(parameters, items);
		expect(first.result.status).toBe('success');
		expect(bed.calls('RegisterMedia')).toBe(3);
		expect(first.out).toHaveLength(23);
		first.out.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json).toMatchObject({ fileUrl: urls[i], newRegister: true, title: `Registered ${i}` });
			expect(bed.emulator.state.vod.media.get(String(item.json.mediaId))?.title).toBe(`Registered ${i}`);
		});
		expect(new Set(first.out.map((i) => i.json.mediaId)).size).toBe(23);

		const again = await runMedia(parameters, items);
		expect(bed.calls('RegisterMedia')).toBe(6);
		again.out.forEach((item, i) => {
			expect(item.json).toMatchObject({ mediaId: first.out[i].json.mediaId, newRegister: false });
		});
	});

	test('registering again with a new title reports the title VOD kept, and the one not applied', async () => {
		const [url] = await putObjects(1);
		const parameters = { operation: 'register', fileUrl: '={{ $json.url }}', title: '={{ $json.title }}' };
		const first = await runMedia(parameters, [{ json: { url, title: 'Old title' } }]);
		const again = await runMedia(parameters, [{ json: { url, title: 'New title' } }]);
		expect(bed.emulator.state.vod.media.get(String(first.out[0].json.mediaId))?.title).toBe('Old title');
		expect(again.out[0].json).toEqual({
			mediaId: first.out[0].json.mediaId,
			newRegister: false,
			fileUrl: url,
			title: 'Old title',
			titleNotApplied: 'New title',
		});
		const same = await runMedia(parameters, [{ json: { url, title: 'Old title' } }]);
		expect(same.out[0].json).toEqual({ mediaId: first.out[0].json.mediaId, newRegister: false, fileUrl: url, title: 'Old title' });
	});

	test('invalid items are not sent; a file VOD cannot register fails alone', async () => {
		const [url] = await putObjects(1);
		const missing = `${bed.emulator.ossEndpoint}/${bed.emulator.state.vod.bucket}/register/none-${randomBytes(4).toString('hex')}.mp4`;
		const { out } = await runMedia(
			{ operation: 'register', fileUrl: '={{ $json.url }}', title: '={{ $json.title }}' },
			[
				{ json: { url, title: 'Fine' } },
				{ json: { url: 'oss://bucket/a.mp4', title: 'Bad URL' } },
				{ json: { url, title: 'x'.repeat(129) } },
				{ json: { url: missing, title: 'Not there' } },
			],
			true,
		);
		expect(out).toHaveLength(4);
		expect(out[0].json).toMatchObject({ fileUrl: url, newRegister: true });
		expect(out[1].json.error).toMatch(/^\[item 1\] File URL .* not an http/);
		expect(out[1].json.description).toMatch(/OSS URL/);
		expect(out[2].json.error).toMatch(/^\[item 2\] Title is 129 bytes/);
		expect(out[3].json.error).toMatch(/^\[item 3\] VOD could not register/);
		expect(out.map((i) => i.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(bed.calls('RegisterMedia')).toBe(1);
	});
});

describe('Delete', () => {
	test('45 ids in 3 DeleteVideo calls; {deleted: true} each; an unknown id is "already gone"', async () => {
		const ids = bed.emulator.seedMedia({ count: 44 });
		const items = [...ids.slice(0, 30), MISSING_ID, ...ids.slice(30)].map((id) => ({ json: { id } }));
		const { result, out } = await runMedia({ operation: 'deleteMedia', videoId: '={{ $json.id }}' }, items);
		expect(result.status).toBe('success');
		expect(bed.calls('DeleteVideo')).toBe(3);
		expect(out).toHaveLength(45);
		out.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json).toEqual({
				deleted: true,
				videoId: items[i].json.id,
				existed: items[i].json.id !== MISSING_ID,
			});
		});
		for (const id of ids) expect(bed.emulator.state.vod.media.has(id)).toBe(false);

		// a clean-up run again: everything is already gone, nothing fails
		const rerun = await runMedia({ operation: 'deleteMedia', videoId: '={{ $json.id }}' }, items);
		expect(rerun.out.every((i) => i.json.deleted === true && i.json.existed === false)).toBe(true);
	});

	test('"Fail" on a missing id: error item naming it, the others are deleted', async () => {
		const ids = bed.emulator.seedMedia({ count: 2 });
		const items = [ids[0], MISSING_ID, 'a,b', ids[1]].map((id) => ({ json: { id } }));
		const { out } = await runMedia(
			{ operation: 'deleteMedia', videoId: '={{ $json.id }}', ifMissing: 'fail' },
			items,
			true,
		);
		expect(out).toHaveLength(4);
		expect(out[0].json).toEqual({ deleted: true, videoId: ids[0], existed: true });
		expect(out[1].json.error).toBe(`[item 1] Video "${MISSING_ID}" does not exist`);
		expect(out[2].json.error).toMatch(/^\[item 2\] .*not a single media ID/);
		expect(out[3].json).toEqual({ deleted: true, videoId: ids[1], existed: true });
		expect(bed.calls('DeleteVideo')).toBe(1);
	});

	test('without Continue On Fail an invalid id stops the run before anything is deleted', async () => {
		const ids = bed.emulator.seedMedia({ count: 2 });
		const { result } = await runMedia(
			{ operation: 'deleteMedia', videoId: '={{ $json.id }}' },
			[{ json: { id: ids[0] } }, { json: { id: '' } }],
		);
		expect(result.status).toBe('error');
		expect(result.nodeError('VOD')?.message).toMatch(/^\[item 1\] Video ID is empty/);
		expect(bed.calls('DeleteVideo')).toBe(0);
		expect(bed.emulator.state.vod.media.has(ids[0])).toBe(true);
	});
});
