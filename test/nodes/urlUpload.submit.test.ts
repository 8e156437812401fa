import type { INodeExecutionData } from 'n8n-workflow';

import {
	chain,
	emulatorCredentials,
	jobStatusNode,
	runWorkflow,
	startNode,
	vodNode,
} from '../harness';
import { useTestBed } from '../harness/testBed';
import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import { toVodCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/request';

const bed = useTestBed();

const urlItems = (urls: string[]): INodeExecutionData[] =>
	urls.map((url, i) => ({ json: { url, row: i } }));
const jobs = () => [...bed.emulator.state.vod.jobs.values()];

function submitWorkflow(
	parameters: Record<string, unknown> = {},
	extra: Record<string, unknown> = {},
) {
	return {
		nodes: [
			startNode(),
			vodNode(
				'Submit',
				{ resource: 'urlUpload', operation: 'submit', ...parameters },
				undefined,
				extra,
			),
		],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
	};
}

describe('URL Upload → Submit', () => {
	it('submits 45 URLs in 3 calls, then Job Status routes every job by its real outcome', async () => {
		const urls = Array.from({ length: 45 }, (_, i) =>
			i % 9 === 4
				? bed.sources.url(`/missing/clip-${i}.mp4`)
				: bed.sources.url(`/files/clip-${i}.mp4?size=${1000 + i}`),
		);
		const submitted = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(urls) });
		expect(submitted.status).toBe('success');
		const out = submitted.output('Submit');
		expect(out).toHaveLength(45);
		expect(bed.calls('UploadMediaByURL')).toBe(3);
		expect(jobs()).toHaveLength(45);
		// 20 + 20 + 5, each call with its own SessionId
		const perSession = new Map<string | undefined, number>();
		for (const job of jobs()) perSession.set(job.sessionId, (perSession.get(job.sessionId) ?? 0) + 1);
		expect([...perSession.values()].sort((a, b) => b - a)).toEqual([20, 20, 5]);
		expect([...perSession.keys()].every((id) => /^[A-Za-z0-9_-]{1,50}$/.test(id ?? ''))).toBe(true);
		out.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.row).toBe(i);
			expect(item.json.sourceUrl).toBe(urls[i]);
			expect(bed.emulator.state.vod.jobs.get(item.json.jobId as string)?.uploadUrl).toBe(urls[i]);
			expect(item.json.title).toBe(`clip-${i}`);
		});

		// Jobs the node would refuse to submit (no extension) can still exist, e.g. submitted by other tools.
		const noExtension = [bed.sources.url('/files/no-ext-a'), bed.sources.url('/files/no-ext-b')];
		const direct = await callVodApi(
			httpRequest,
			toVodCredentials(emulatorCredentials(bed.emulator).alibabaCloudVodApi),
			'UploadMediaByURL',
			{ UploadURLs: noExtension.map((url) => encodeURIComponent(url)).join(',') },
		);
		const statusInput = [
			...out.map((item) => ({ json: item.json })),
			...direct.UploadJobs.map((job) => ({
				json: { jobId: job.JobId, sourceUrl: job.SourceURL, row: -1 },
			})),
		];

		await bed.emulator.finishJobs();
		const statusCallsBefore = bed.calls('GetURLUploadInfos');
		const checked = await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', {})],
			connections: chain('Start', 'Status'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: statusInput,
		});
		expect(checked.status).toBe('success');
		expect(bed.calls('GetURLUploadInfos') - statusCallsBefore).toBe(Math.ceil(47 / 10));
		const succeeded = checked.output('Status', 0);
		const failed = checked.output('Status', 1);
		expect(checked.output('Status', 2)).toHaveLength(0);
		const missing = urls.filter((url) => url.includes('/missing/'));
		expect(failed.map((item) => item.json.sourceUrl).sort()).toEqual(
			[...missing, ...noExtension].sort(),
		);
		const byUrl = new Map(failed.map((item) => [item.json.sourceUrl as string, item.json]));
		expect(byUrl.get(missing[0])?.errorCode).toBe('URLInvalidError');
		expect(byUrl.get(noExtension[0])?.errorCode).toBe('InvalidFileName.Extension');
		expect(succeeded).toHaveLength(45 - missing.length);
		for (const item of failed) {
			expect(item.json.status).toMatch(/FAIL/);
			expect(item.json.errorCode).toBeTruthy();
		}
		for (const item of succeeded) {
			expect(item.json.status).toBe('SUCCESS');
			expect(item.json.mediaId).toBeTruthy();
			expect(item.json.fileSize).toBe(1000 + (item.json.row as number));
		}
		const paired = [...succeeded, ...failed].map(
			(item) => (item.pairedItem as { item: number }).item,
		);
		expect(paired.sort((a, b) => a - b)).toEqual(Array.from({ length: 47 }, (_, i) => i));
	});

	it('under Continue On Fail, 10 good + 5 bad items give 10 jobs and 5 error items naming the fault', async () => {
		const good = Array.from({ length: 10 }, (_, i) => bed.sources.url(`/files/good-${i}.mp4`));
		const bad = [
			'not a url',
			'ftp://example.com/a.mp4',
			bed.sources.url('/files/no-extension'),
			bed.sources.url('/files/picture.png'),
			bed.sources.url('/files/too-long.mp4'),
		];
		const items = urlItems([...good.slice(0, 5), ...bad, ...good.slice(5)]);
		items[9].json.title = 'x'.repeat(129);
		const result = await runWorkflow({
			...submitWorkflow(
				{ title: '={{ $json.title ?? "" }}' },
				{ onError: 'continueRegularOutput' },
			),
			startItems: items,
		});
		expect(result.status).toBe('success');
		const out = result.output('Submit');
		expect(out).toHaveLength(15);
		expect(jobs()).toHaveLength(10);
		const errors = out.filter((item) => item.json.error);
		expect(errors.map((item) => (item.pairedItem as { item: number }).item)).toEqual([
			5, 6, 7, 8, 9,
		]);
		expect(errors[0].json.error).toMatch(/^\[item 5\] .*not a valid URL/);
		expect(errors[1].json.error).toMatch(/^\[item 6\] .*ftp/);
		expect(errors[2].json.error).toMatch(/^\[item 7\] .*no file extension/);
		expect(errors[2].json.description).toMatch(/File Extension/);
		expect(errors[3].json.error).toMatch(/^\[item 8\] .*png/);
		expect(errors[4].json.error).toMatch(/^\[item 9\] Title is 129 bytes/);
		for (const item of errors) expect(item.json).toHaveProperty('sourceUrl');
		const submittedUrls = new Set(jobs().map((job) => job.uploadUrl));
		expect(submittedUrls).toEqual(new Set(good));
	});

	it('without Continue On Fail, the run fails naming the first bad item and nothing is sent', async () => {
		const urls = [
			bed.sources.url('/files/a.mp4'),
			bed.sources.url('/files/b.mp4'),
			bed.sources.url('/files/c'),
			'nope',
		];
		const result = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(urls) });
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/^\[item 2\] .*no file extension/);
		expect(bed.calls('UploadMediaByURL')).toBe(0);
		expect(jobs()).toHaveLength(0);
	});

	it('Skip Already Submitted: running the same workflow twice creates no second media', async () => {
		const urls = Array.from({ length: 25 }, (_, i) => bed.sources.url(`/files/again-${i}.mp4`));
		const workflow = {
			...submitWorkflow({ options: { skipAlreadySubmitted: true } }),
			startItems: urlItems(urls),
		};
		const first = await runWorkflow(workflow);
		expect(first.status).toBe('success');
		expect(first.output('Submit').every((item) => !item.json.skipped)).toBe(true);
		const mediaAfterFirst = bed.emulator.state.vod.media.size;
		expect(jobs()).toHaveLength(25);

		const second = await runWorkflow(workflow);
		expect(second.status).toBe('success');
		const out = second.output('Submit');
		expect(out).toHaveLength(25);
		expect(jobs()).toHaveLength(25);
		expect(bed.emulator.state.vod.media.size).toBe(mediaAfterFirst);
		out.forEach((item, i) => {
			expect(item.json.skipped).toBe(true);
			expect(item.json.jobId).toBe(first.output('Submit')[i].json.jobId);
			expect((item.json.existingJob as { jobId: string }).jobId).toBe(item.json.jobId);
		});
	});

	it('Skip Already Submitted per item: only the items whose expression says so are looked up', async () => {
		// A migration's ledger knows which sources an interrupted run may have sent (inDoubt); only those
		// cost a lookup. Item 0 is fresh, so a node reading the option once (at item 0) looks up none.
		const sent = Array.from({ length: 12 }, (_, i) => bed.sources.url(`/files/sent-${i}.mp4`));
		const fresh = Array.from({ length: 25 }, (_, i) => bed.sources.url(`/files/fresh-${i}.mp4`));
		const first = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(sent) });
		expect(first.status).toBe('success');
		const lookupsBefore = bed.calls('GetURLUploadInfos');
		const items = [
			{ json: { url: fresh[0], inDoubt: false } },
			...sent.map((url) => ({ json: { url, inDoubt: true } })),
			...fresh.slice(1).map((url) => ({ json: { url, inDoubt: false } })),
		];
		const second = await runWorkflow({
			...submitWorkflow({ options: { skipAlreadySubmitted: '={{ $json.inDoubt }}' } }),
			startItems: items,
		});
		expect(second.status).toBe('success');
		expect(bed.calls('GetURLUploadInfos') - lookupsBefore).toBe(2); // 12 URLs, 10 a call
		const out = second.output('Submit');
		expect(out.filter((item) => item.json.skipped === true)).toHaveLength(12);
		out.forEach((item, i) => expect(item.json.skipped === true).toBe(items[i].json.inDoubt));
		expect(jobs()).toHaveLength(sent.length + fresh.length);
		const jobsPerUrl = new Map<string, number>();
		for (const job of jobs()) jobsPerUrl.set(job.uploadUrl, (jobsPerUrl.get(job.uploadUrl) ?? 0) + 1);
		expect([...jobsPerUrl.values()].every((count) => count === 1)).toBe(true);
	});

	it('re-running the same batch within 10 minutes recovers its jobs instead of submitting again', async () => {
		const urls = Array.from({ length: 5 }, (_, i) => bed.sources.url(`/files/rerun-${i}.mp4`));
		const first = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(urls) });
		const second = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(urls) });
		expect(second.status).toBe('success');
		expect(jobs()).toHaveLength(5);
		second.output('Submit').forEach((item, i) => {
			expect(item.json.recovered).toBe(true);
			expect(item.json.jobId).toBe(first.output('Submit')[i].json.jobId);
		});
	});

	it('Skip Already Submitted resubmits a URL whose job failed, at once, and a re-run submits it no third time (attack finding 2)', async () => {
		const url = bed.sources.url('/flaky/once-down.mp4');
		const workflow = {
			...submitWorkflow({ options: { skipAlreadySubmitted: true } }),
			startItems: urlItems([url]),
		};
		const first = await runWorkflow(workflow);
		await bed.emulator.finishJobs();
		const failedJobId = first.output('Submit')[0].json.jobId as string;
		expect(bed.emulator.state.vod.jobs.get(failedJobId)?.status).toBe('DOWNLOAD_FAIL');

		// within VOD's 10-minute SessionId window
		const second = await runWorkflow(workflow);
		expect(second.status).toBe('success');
		const resubmitted = second.output('Submit')[0].json;
		expect(resubmitted.recovered).toBeUndefined();
		expect(resubmitted.jobId).not.toBe(failedJobId);
		expect(resubmitted.replacesJobId).toBe(failedJobId);
		expect(jobs()).toHaveLength(2);
		await bed.emulator.finishJobs();
		expect(bed.emulator.state.vod.jobs.get(resubmitted.jobId as string)?.status).toBe('SUCCESS');

		const third = await runWorkflow(workflow);
		expect(third.output('Submit')[0].json).toMatchObject({
			skipped: true,
			jobId: resubmitted.jobId,
		});
		expect(jobs()).toHaveLength(2);
	});

	it('Skip Already Submitted and Job Status by URL keep an earlier success over a newer failed job (attack-2 N1)', async () => {
		const url = bed.sources.url('/files/held.mp4');
		const first = await runWorkflow({ ...submitWorkflow({ title: 'a' }), startItems: urlItems([url]) });
		await bed.emulator.finishJobs();
		const goodJobId = first.output('Submit')[0].json.jobId as string;
		expect(bed.emulator.state.vod.jobs.get(goodJobId)?.status).toBe('SUCCESS');
		// A later submission of the same URL (other title, so another SessionId) that failed.
		const again = await runWorkflow({ ...submitWorkflow({ title: 'b' }), startItems: urlItems([url]) });
		await bed.emulator.finishJobs();
		const failedJob = bed.emulator.state.vod.jobs.get(again.output('Submit')[0].json.jobId as string)!;
		expect(failedJob.jobId).not.toBe(goodJobId);
		Object.assign(failedJob, {
			status: 'DOWNLOAD_FAIL',
			errorCode: 'DownloadFailed',
			creationTime: bed.emulator.state.vod.jobs.get(goodJobId)!.creationTime + 5000,
		});

		const skipped = await runWorkflow({
			...submitWorkflow({ options: { skipAlreadySubmitted: true } }),
			startItems: urlItems([url]),
		});
		expect(skipped.output('Submit')[0].json).toMatchObject({ skipped: true, jobId: goodJobId });
		expect(skipped.output('Submit')[0].json.replacesJobId).toBeUndefined();
		expect(jobs()).toHaveLength(2);

		const status = await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', { lookUpBy: 'sourceUrl', sourceUrl: '={{ $json.url }}' })],
			connections: chain('Start', 'Status'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: urlItems([url]),
		});
		expect(status.output('Status', 0).map((item) => item.json.jobId)).toEqual([goodJobId]);
		expect(status.output('Status', 1)).toHaveLength(0);
	});

	it('a resubmission whose answer was lost is recovered on retry, not submitted twice', async () => {
		const url = bed.sources.url('/flaky/lost-answer.mp4');
		const workflow = {
			...submitWorkflow({ options: { skipAlreadySubmitted: true } }),
			startItems: urlItems([url]),
		};
		const first = await runWorkflow(workflow);
		await bed.emulator.finishJobs();
		bed.emulator.setFaults({
			vod: { at: [{ action: 'UploadMediaByURL', call: 2, kind: 'dropAfter' }] },
		});
		const second = await runWorkflow(workflow);
		expect(second.status).toBe('success');
		const out = second.output('Submit')[0].json;
		expect(out.recovered).toBe(true);
		expect(out.jobId).not.toBe(first.output('Submit')[0].json.jobId);
		// attack-2 N14: it is still the resubmission of the failed job
		expect(out.replacesJobId).toBe(first.output('Submit')[0].json.jobId);
		expect(out.status).not.toMatch(/FAIL/);
		expect(out.warning).toBeUndefined();
		expect(jobs()).toHaveLength(2);
	});

	it('without Skip, a re-run within 10 minutes of a failed job says the job failed and how to resubmit', async () => {
		const url = bed.sources.url('/flaky/rerun-failed.mp4');
		const first = await runWorkflow({ ...submitWorkflow(), startItems: urlItems([url]) });
		await bed.emulator.finishJobs();
		const second = await runWorkflow({ ...submitWorkflow(), startItems: urlItems([url]) });
		expect(second.status).toBe('success');
		const out = second.output('Submit')[0].json;
		expect(out).toMatchObject({
			jobId: first.output('Submit')[0].json.jobId,
			recovered: true,
			status: 'DOWNLOAD_FAIL',
		});
		expect(out.warning).toMatch(/failed \(DOWNLOAD_FAIL.*10 minutes.*Skip Already Submitted/);
		expect(jobs()).toHaveLength(1);
	});

	it('submits a URL repeated in the input once and marks the repeats duplicateOf', async () => {
		const a = bed.sources.url('/files/dup.mp4');
		const result = await runWorkflow({
			...submitWorkflow(),
			startItems: urlItems([a, bed.sources.url('/files/other.mp4'), a]),
		});
		const out = result.output('Submit');
		expect(jobs()).toHaveLength(2);
		expect(out[2].json.jobId).toBe(out[0].json.jobId);
		expect(out[2].json.duplicateOf).toBe(0);
		expect(out[2].pairedItem).toEqual({ item: 2 });
	});

	it('sends metadata, per-URL template group and per-call UserData (callback URL, Extend)', async () => {
		const urls = [bed.sources.url('/files/meta-1.mov'), bed.sources.url('/files/download?id=2')];
		const result = await runWorkflow({
			...submitWorkflow({
				title: '=Lesson {{ $json.row }}',
				options: {
					description: 'Imported from the old site',
					tags: 'course, 2024',
					cateId: '1000',
					fileExtension: '={{ $json.row === 1 ? "mp4" : "" }}',
					templateGroupId: 'tg-1',
					callbackUrl: 'http://127.0.0.1:9/hook',
					extend: '={{ JSON.stringify({ row: $json.row }) }}',
				},
			}),
			startItems: urlItems(urls),
		});
		expect(result.status).toBe('success');
		// different Extend per item → separate calls
		expect(bed.calls('UploadMediaByURL')).toBe(2);
		const [first, second] = result
			.output('Submit')
			.map((item) => bed.emulator.state.vod.jobs.get(item.json.jobId as string)!);
		expect(first.metadata).toMatchObject({
			Title: 'Lesson 0',
			Description: 'Imported from the old site',
			Tags: 'course,2024',
			CateId: '1000',
			TemplateGroupId: 'tg-1',
		});
		expect(second.metadata).toMatchObject({ Title: 'Lesson 1', FileExtension: 'mp4' });
		expect(JSON.parse(first.userData!)).toEqual({
			MessageCallback: { CallbackURL: 'http://127.0.0.1:9/hook', CallbackType: 'http' },
			Extend: { row: 0 },
		});
	});

	it('with 20% Throttling.User and 5% 503, 500 URLs are each submitted exactly once', async () => {
		bed.emulator.setFaults({ vod: { throttleRate: 0.2, error503Rate: 0.05 } });
		const urls = Array.from({ length: 500 }, (_, i) => bed.sources.url(`/files/load-${i}.mp4`));
		const result = await runWorkflow({
			...submitWorkflow({}, { onError: 'continueRegularOutput' }),
			startItems: urlItems(urls),
		});
		expect(result.status).toBe('success');
		const out = result.output('Submit');
		expect(out).toHaveLength(500);
		expect(out.filter((item) => item.json.error)).toEqual([]);
		const byUrl = new Map<string, number>();
		for (const job of jobs()) byUrl.set(job.uploadUrl, (byUrl.get(job.uploadUrl) ?? 0) + 1);
		expect(byUrl.size).toBe(500);
		expect([...byUrl.values()].every((count) => count === 1)).toBe(true);
		expect(new Set(out.map((item) => item.json.jobId)).size).toBe(500);
		// faults really happened: more calls reached the server than the 25 batches
		expect(bed.calls('UploadMediaByURL')).toBeGreaterThan(25);
	});

	it('a dropped answer after VOD created the jobs is retried with the same SessionId and not doubled', async () => {
		// 30 calls at a 25 % drop rate: some answer is lost all but surely (1 - 0.75^30), while a batch whose
		// 10 tries are all dropped (0.25^10 each) stays out of reach, so the test is not flaky.
		bed.emulator.setFaults({
			vod: { dropRate: 0.25, dropMode: 'afterAction', actions: ['UploadMediaByURL'] },
		});
		const urls = Array.from({ length: 600 }, (_, i) => bed.sources.url(`/files/drop-${i}.mp4`));
		const result = await runWorkflow({ ...submitWorkflow(), startItems: urlItems(urls) });
		expect(result.status).toBe('success');
		const out = result.output('Submit');
		expect(out.some((item) => item.json.recovered)).toBe(true);
		expect(jobs()).toHaveLength(600);
		expect(new Set(jobs().map((job) => job.uploadUrl)).size).toBe(600);
		out.forEach((item, i) =>
			expect(bed.emulator.state.vod.jobs.get(item.json.jobId as string)?.uploadUrl).toBe(urls[i]),
		);
	});
});

describe('URL Upload → Submit: Skip Already Submitted from an expression (atk13 item 6)', () => {
	const items = () =>
		[{ skip: 'true' }, { skip: 'yes' }, { skip: { a: 1 } }].map((json, row) => ({
			json: { url: bed.sources.url(`/files/skip-expr-${row}.mp4`), row, ...json },
		}));
	const workflow = (onError: string) => ({
		...submitWorkflow({ sourceUrl: '={{ $json.url }}', options: { skipAlreadySubmitted: '={{ $json.skip }}' } }, { onError }),
		startItems: items(),
	});

	it('reads "true" as true and refuses "yes" or an object as the item\'s error, saying what it got', async () => {
		const result = await runWorkflow(workflow('continueRegularOutput'));
		expect(result.status).toBe('success');
		const out = result.output('Submit');
		expect(out[0].json.jobId).toEqual(expect.any(String));
		expect(bed.calls('GetURLUploadInfos')).toBe(1); // item 0 was looked up first, as `true` asks
		expect(out.slice(1).map((item) => [item.json.error, item.json.description])).toEqual([
			["[item 1] Invalid input for field 'Skip Already Submitted' inside 'Options'", expect.stringMatching(/expects a boolean but we got 'yes'/)],
			["[item 2] Invalid input for field 'Skip Already Submitted' inside 'Options'", expect.stringMatching(/expects a boolean but we got object/)],
		]);
		expect(bed.calls('UploadMediaByURL')).toBe(1);
		expect(jobs()).toHaveLength(1);
	});

	it('Stop Workflow: fails naming the item, with the explanation, before anything is submitted', async () => {
		const result = await runWorkflow(workflow('stopWorkflow'));
		expect(result.status).toBe('error');
		const error = result.nodeError('Submit') as Error & { description?: string };
		expect(error.message).toBe("[item 1] Invalid input for field 'Skip Already Submitted' inside 'Options'");
		expect(error.description).toMatch(/expects a boolean but we got 'yes'/);
		expect(jobs()).toHaveLength(0);
	});
});
