/**
 * Attack finding 1: a cross-account migration feeds Get Source File's signed URL into Submit; the URL
 * changes on every call, so Skip Already Submitted (a lookup by exact URL) never matched and a re-run
 * submitted everything again. Options → Source Key gives the source a stable identity in the target
 * account (a tag on the new media, found with SearchMedia). Real workflows against the emulator.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';

const bed = useTestBed();

const jobs = () => [...bed.emulator.state.vod.jobs.values()];

function submitNode(options: INodeParameters, sourceUrl = '={{ $json.url }}') {
	return vodNode(
		'Submit',
		{ resource: 'urlUpload', operation: 'submit', sourceUrl, options },
		undefined,
		{ onError: 'continueRegularOutput' },
	);
}

async function submit(items: INodeExecutionData[], options: INodeParameters) {
	const result = await runWorkflow({
		nodes: [startNode(), submitNode(options)],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: items,
	});
	expect(result.status).toBe('success');
	return result.output('Submit');
}

/** A signed-looking URL of one file: the signature changes, the file does not. */
const signed = (path: string, run: number) =>
	bed.sources.url(`${path}?Expires=${1900000000 + run}&OSSAccessKeyId=AK&Signature=sig${run}`);

const keyed = { skipAlreadySubmitted: true, sourceKey: '={{ $json.videoId }}' };

describe('Submit with a Source Key (attack finding 1)', () => {
	it('Get Source File twice → Submit twice → one job: the re-run is skipped by the source VideoId', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const [videoId] = bed.emulator.seedMedia({ count: 1, titlePrefix: 'Lesson' });
		const run = (authTimeout: number) =>
			runWorkflow({
				nodes: [
					startNode(),
					vodNode('Get Source File', {
						resource: 'media',
						operation: 'getSourceFile',
						videoId: '={{ $json.videoId }}',
						authTimeout,
					}),
					submitNode(
						{
							skipAlreadySubmitted: true,
							sourceKey: "={{ $('Start').item.json.videoId }}",
						},
						'={{ $json.sourceUrl }}',
					),
				],
				connections: chain('Start', 'Get Source File', 'Submit'),
				credentials: emulatorCredentials(bed.emulator),
				startItems: [{ json: { videoId } }],
			});
		const first = await run(3600);
		const second = await run(7200);
		const [a] = first.output('Submit');
		const [b] = second.output('Submit');
		expect(a.json.sourceUrl).not.toBe(b.json.sourceUrl);
		expect(a.json.jobId).toBeTruthy();
		expect(jobs()).toHaveLength(1);
		const made = jobs()[0];
		expect(b.json).toMatchObject({ skipped: true, sourceKey: videoId, videoId: made.mediaId });
		expect(b.json.existingMedia).toMatchObject({ videoId: made.mediaId });
		expect(b.json.warning).toBeUndefined();
	});

	it('after the job succeeded, and for two URLs of one key in one run: one job', async () => {
		const first = await submit(
			[
				{ json: { url: signed('/files/k1.mp4', 1), videoId: 'src-video-1' } },
				{ json: { url: signed('/files/k1.mp4', 2), videoId: 'src-video-1' } },
			],
			keyed,
		);
		expect(jobs()).toHaveLength(1);
		expect(first[1].json).toMatchObject({ duplicateOf: 0, jobId: first[0].json.jobId });
		await bed.emulator.finishJobs();
		expect(jobs()[0].status).toBe('SUCCESS');

		const again = await submit([{ json: { url: signed('/files/k1.mp4', 3), videoId: 'src-video-1' } }], keyed);
		expect(again[0].json.skipped).toBe(true);
		expect(jobs()).toHaveLength(1);
	});

	it('a key whose media failed is submitted again at once, once', async () => {
		const item = (run: number) => [{ json: { url: signed('/flaky/k2.mp4', run), videoId: 'src-video-2' } }];
		const first = await submit(item(1), keyed);
		await bed.emulator.finishJobs();
		expect(jobs()[0].status).toBe('DOWNLOAD_FAIL');
		const second = await submit(item(2), keyed);
		expect(second[0].json.error).toBeUndefined();
		expect(second[0].json.replacesVideoId).toBe(bed.emulator.state.vod.jobs.get(first[0].json.jobId as string)?.mediaId);
		expect(jobs()).toHaveLength(2);
		const third = await submit(item(3), keyed);
		expect(third[0].json.skipped).toBe(true);
		expect(jobs()).toHaveLength(2);
	});

	it('a re-run within 10 minutes without Skip is refused by its key-derived SessionId: no second job', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const options = { sourceKey: '={{ $json.videoId }}' };
		await submit([{ json: { url: signed('/files/k3.mp4', 1), videoId: 'src-video-3' } }], options);
		const again = await submit([{ json: { url: signed('/files/k3.mp4', 2), videoId: 'src-video-3' } }], options);
		expect(jobs()).toHaveLength(1);
		// the earlier try's media carries the key: the item names it
		expect(again[0].json).toMatchObject({ skipped: true, videoId: jobs()[0].mediaId });
	});

	it('signed URLs with Skip on and no Source Key: each item says Skip cannot recognise them', async () => {
		const out = await submit([{ json: { url: signed('/files/k4.mp4', 1) } }], { skipAlreadySubmitted: true });
		expect(out[0].json.jobId).toBeTruthy();
		expect(out[0].json.warning).toMatch(/signed.*Source Key/);
		const plain = await submit([{ json: { url: bed.sources.url('/files/k5.mp4') } }], { skipAlreadySubmitted: true });
		expect(plain[0].json.warning).toBeUndefined();
	});

	it('16 tags plus a Source Key: the refusal counts the Source Key tag and says how many Tags fit (attack-2 N14)', async () => {
		const tags = Array.from({ length: 16 }, (_, i) => `t${i}`).join(',');
		const [out] = await submit([{ json: { url: bed.sources.url('/files/n14.mp4'), videoId: 'v-14' } }], {
			...keyed,
			tags,
		});
		expect(out.json.error).toMatch(/17 tags given \(16 in Tags and the one Source Key adds\)/);
		expect(out.json.description).toMatch(/at most 15 .*Source Key/);
		expect(jobs()).toHaveLength(0);
	});

	it('GCS, Azure SAS and Tencent signed URLs get the warning too; look-alike queries do not (attack-2 N7)', async () => {
		const queries = {
			gcs: 'X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=x&X-Goog-Expires=900&X-Goog-Signature=ab12',
			azure: 'sv=2022-11-02&se=2030-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=abc%3D',
			tencentCdnA: 'sign=1900000000-rand-0-0123abcd&t=1900000000',
			tencentTxSecret: 'txSecret=0123abcd&txTime=5F5E1000',
			tencentCos: 'q-sign-algorithm=sha1&q-ak=AK&q-sign-time=1%3B2&q-key-time=1%3B2&q-signature=abc',
		};
		const names = Object.keys(queries);
		const out = await submit(
			Object.values(queries).map((query, i) => ({ json: { url: bed.sources.url(`/files/n7-${i}.mp4?${query}`) } })),
			{ skipAlreadySubmitted: true },
		);
		expect(out.map((item, i) => [names[i], /signed.*Source Key/.test(String(item.json.warning))])).toEqual(
			names.map((name) => [name, true]),
		);
		const lookAlikes = ['sig=1', 'sign=up', 't=30', 'se=1&sp=2'];
		const plain = await submit(
			lookAlikes.map((query, i) => ({ json: { url: bed.sources.url(`/files/n7-plain-${i}.mp4?${query}`) } })),
			{ skipAlreadySubmitted: true },
		);
		expect(plain.map((item) => item.json.warning)).toEqual(lookAlikes.map(() => undefined));
	});
});
