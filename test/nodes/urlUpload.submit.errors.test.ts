/**
 * Submit's failure paths (issue 12, findings 3 and 7): a stopped run names the jobs it created; a Source
 * URL of the wrong type is named as such; a batch whose jobs may exist says so and how to recover.
 * Real workflows (n8n-core via the harness) against the emulator.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	chain,
	emulatorCredentials,
	jobStatusNode,
	runWorkflow,
	startNode,
	vodNode,
} from '../harness';
import { useTestBed } from '../harness/testBed';
import * as retry from '../../nodes/AlibabaCloudVod/transport/retry';

const bed = useTestBed();
// The same retries as in production, without the waiting between them.
beforeEach(() => jest.spyOn(retry, 'backoffDelay').mockReturnValue(0));

afterEach(() => jest.restoreAllMocks());

const jobs = () => [...bed.emulator.state.vod.jobs.values()];

function submitWorkflow(parameters: IDataObject = {}, onError = 'stopWorkflow') {
	return {
		nodes: [
			startNode(),
			vodNode('Submit', { resource: 'urlUpload', operation: 'submit', ...parameters }, undefined, {
				onError: onError as 'stopWorkflow',
			}),
		],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
	};
}

const urlItems = (count: number, prefix: string): INodeExecutionData[] =>
	Array.from({ length: count }, (_, row) => ({
		json: { url: bed.sources.url(`/files/${prefix}-${row}.mp4`), row },
	}));

describe('a later batch fails without Continue On Fail (finding 3)', () => {
	// Items 40–59 name a storage location VOD does not have: their call fails after 0–39 made jobs.
	const badStorageFrom40 = {
		options: {
			parallelCalls: 1,
			storageLocation: '={{ $json.row >= 40 ? "nowhere.oss-cn-shanghai.aliyuncs.com" : "" }}',
		},
	};

	it('the error names every job the run created (item, JobId, URL) and how to recover', async () => {
		const items = urlItems(60, 'stop');
		const result = await runWorkflow({
			...submitWorkflow(badStorageFrom40),
			startItems: items,
		});
		expect(result.status).toBe('error');
		const error = result.nodeError('Submit') as Error & {
			description?: string;
			context?: IDataObject;
		};
		expect(error.message).toMatch(/^\[item 40\] /);

		const created = jobs();
		expect(created).toHaveLength(40);
		const reported = error.context?.createdJobs as Array<{
			item: number;
			jobId: string;
			sourceUrl: string;
		}>;
		expect(reported.map((job) => job.item)).toEqual(Array.from({ length: 40 }, (_, i) => i));
		for (const job of reported) {
			expect(job.sourceUrl).toBe(items[job.item].json.url);
			expect(created.find((candidate) => candidate.jobId === job.jobId)?.uploadUrl).toBe(
				job.sourceUrl,
			);
			expect(error.description).toContain(`[item ${job.item}] ${job.jobId} ${job.sourceUrl}`);
		}
		expect(error.description).toMatch(/Skip Already Submitted/);
	});

	it('stops starting batches after one failed, and a re-run with Skip Already Submitted completes the set', async () => {
		// The failing batch comes first: nothing after it is sent.
		const items = urlItems(60, 'first')
			.reverse()
			.map((item, i) => ({ ...item, json: { ...item.json, row: 59 - i } }));
		const stopped = await runWorkflow({
			...submitWorkflow(badStorageFrom40),
			startItems: items,
		});
		expect(stopped.status).toBe('error');
		expect(jobs()).toHaveLength(0);
		expect(
			(stopped.nodeError('Submit') as { context?: IDataObject }).context?.createdJobs,
		).toBeUndefined();

		const ordered = urlItems(60, 'rerun');
		await runWorkflow({
			...submitWorkflow(badStorageFrom40),
			startItems: ordered,
		});
		expect(jobs()).toHaveLength(40);
		const rerun = await runWorkflow({
			...submitWorkflow({
				options: { parallelCalls: 1, skipAlreadySubmitted: true },
			}),
			startItems: ordered,
		});
		expect(rerun.status).toBe('success');
		expect(jobs()).toHaveLength(60);
		const out = rerun.output('Submit');
		expect(out.filter((item) => item.json.skipped === true)).toHaveLength(40);
		expect(new Set(out.map((item) => item.json.jobId)).size).toBe(60);
	});
});

describe('Source URL of another type (finding 7)', () => {
	it.each([
		['a number', 42, /is the number 42, not a URL/],
		['null', null, /is null/],
		['a list', ['https://a.example/x.mp4', 'https://a.example/y.mp4'], /is a list of 2 values/],
		['an object', { href: 'https://a.example/x.mp4' }, /is an object, not a URL/],
	])('%s is named as such, not "empty"', async (_label, value, expected) => {
		const result = await runWorkflow({
			...submitWorkflow({ sourceUrl: '={{ $json.value }}' }, 'continueRegularOutput'),
			startItems: [{ json: { value } }],
		});
		const [item] = result.output('Submit');
		expect(item.json.error).toMatch(/^\[item 0\] /);
		expect(item.json.error).toMatch(expected);
		expect(item.json.error).not.toMatch(/empty/);
		expect(item.json.description).toMatch(/\{\{ \$json\./);
		expect(item.json.sourceUrl).toEqual(value);
	});
});

describe('jobs that may exist (finding 7)', () => {
	it('an answer that never came (VOD may have run the call) says the jobs may exist and how to recover', async () => {
		// 500 on every try: VOD may have run any of them, so the client cannot say the jobs do not exist.
		bed.emulator.setFaults({ vod: { error500Rate: 1, actions: ['UploadMediaByURL'] } });
		const result = await runWorkflow({
			...submitWorkflow({}, 'continueRegularOutput'),
			startItems: urlItems(3, 'lost'),
		});
		const out = result.output('Submit');
		expect(out).toHaveLength(3);
		for (const item of out) {
			expect(item.json.error).toMatch(/may exist/);
			expect(item.json.description).toMatch(/Skip Already Submitted/);
		}
	});

	it('a reused SessionId whose job lookup is throttled says the jobs may exist, not only rate-limit advice', async () => {
		const items = urlItems(3, 'throttled');
		const first = await runWorkflow({ ...submitWorkflow(), startItems: items });
		expect(first.status).toBe('success');
		bed.emulator.setFaults({
			vod: { throttleRate: 1, actions: ['GetURLUploadInfos'] },
		});
		const again = await runWorkflow({
			...submitWorkflow({}, 'continueRegularOutput'),
			startItems: items,
		});
		const out = again.output('Submit');
		expect(jobs()).toHaveLength(3);
		for (const item of out) {
			expect(item.json.error).toMatch(/may exist/);
			expect(item.json.description).toMatch(/Skip Already Submitted/);
			expect(item.json.code).toBe('Throttling.User');
		}
	});
});

describe('an error item reaching Job Status (finding 1)', () => {
	it('is named as the previous node\'s error item, with the On Error setting that routes it apart', async () => {
		const items = urlItems(3, 'routed');
		items[1].json.url = 'not a url';
		const submit = submitWorkflow({}, 'continueRegularOutput');
		const result = await runWorkflow({
			nodes: [...submit.nodes, jobStatusNode('Job Status', { mode: 'once', lookUpBy: 'jobId' })],
			connections: chain('Start', 'Submit', 'Job Status'),
			credentials: submit.credentials,
			startItems: items,
		});
		expect(result.status).toBe('error');
		const error = result.nodeError('Job Status') as Error & { description?: string };
		expect(error.message).toMatch(/^\[item 1\] The item is an error item of the previous node/);
		expect(error.description).toMatch(/Continue \(using error output\)/);
	});
});

describe('input the outside test found (attack findings 12, 14)', () => {
	it('a malformed %-escape is refused by validation, naming the item; nothing is sent', async () => {
		const items = [
			{ json: { url: bed.sources.url('/files/fine.mp4') } },
			{ json: { url: bed.sources.url('/files/clip-a%zzb.mp4') } },
		];
		const tolerant = await runWorkflow({
			...submitWorkflow({}, 'continueRegularOutput'),
			startItems: items,
		});
		const out = tolerant.output('Submit');
		expect(out[0].json.jobId).toBeTruthy();
		expect(out[1].json.error).toMatch(/^\[item 1\] The Source URL .* has a "%" that does not start an escape \(%zz\)/);
		expect(out[1].json.description).toMatch(/%25/);
		expect(jobs().map((job) => job.uploadUrl)).toEqual([bed.sources.url('/files/fine.mp4')]);

		bed.emulator.reset();
		const strict = await runWorkflow({ ...submitWorkflow(), startItems: items });
		expect(strict.error?.message).toMatch(/^\[item 1\] .*does not start an escape/);
		expect(bed.emulator.state.vodCalls.UploadMediaByURL ?? 0).toBe(0);
	});

	it('a failed Skip Already Submitted lookup is labelled as that lookup, not as UploadMediaByURL', async () => {
		bed.emulator.setFaults({ vod: { error503Rate: 1, actions: ['GetURLUploadInfos'] } });
		const result = await runWorkflow({
			...submitWorkflow({ options: { skipAlreadySubmitted: true } }, 'continueRegularOutput'),
			startItems: urlItems(2, 'skip-lookup'),
		});
		for (const item of result.output('Submit')) {
			expect(item.json.error).toMatch(/GetURLUploadInfos \(Skip Already Submitted\)/);
			expect(item.json.error).not.toMatch(/UploadMediaByURL/);
		}
		expect(jobs()).toHaveLength(0);
	});

	it.each([0, -1, 'abc', 21, 1.5])(
		'Parallel Calls %p is refused naming the option and its range; nothing is sent',
		async (value) => {
			const result = await runWorkflow({
				...submitWorkflow({ options: { parallelCalls: value } }),
				startItems: urlItems(2, 'parallel'),
			});
			expect(result.status).toBe('error');
			expect(result.error?.message).toMatch(
				/^\[item 0\] Parallel Calls .* is not a whole number from 1 to 20/,
			);
			expect(bed.emulator.state.vodCalls.UploadMediaByURL ?? 0).toBe(0);
		},
	);
});

describe('error items say whether a later try may succeed (issue 15, finding 6)', () => {
	const routedError = (item: INodeExecutionData) =>
		(item.json.error && typeof item.json.error === 'object' ? item.json.error : item.json) as IDataObject;

	it.each([
		['throttling that outlasts the retries', { throttleRate: 1 }, true],
		['a 503 on every try', { error503Rate: 1 }, true],
		['a 500 on every try (VOD may have run the call)', { error500Rate: 1 }, true],
		['a storage location VOD does not have', {}, false],
	])('%s: transient %p, under both Continue settings', async (_what, vodFaults, transient) => {
		for (const onError of ['continueRegularOutput', 'continueErrorOutput']) {
			bed.emulator.reset();
			bed.emulator.setFaults({ vod: { ...vodFaults, actions: ['UploadMediaByURL'] } });
			const storage = transient ? {} : { storageLocation: 'nowhere.oss-cn-shanghai.aliyuncs.com' };
			const result = await runWorkflow({
				...submitWorkflow({ options: { parallelCalls: 1, ...storage } }, onError),
				startItems: urlItems(3, `transient-${onError}`),
			});
			const out = result.output('Submit', onError === 'continueErrorOutput' ? 1 : 0);
			expect(out).toHaveLength(3);
			for (const item of out) {
				const fields = routedError(item);
				expect(fields.message ?? fields.error).toBeTruthy();
				expect(fields.transient === true).toBe(transient);
			}
		}
	});

	it('a row whose source has a job after a lost answer is transient too, so the ledger can look it up later', async () => {
		// the first try runs and its answer is lost; every later try is refused before it runs
		bed.emulator.setFaults({
			vod: {
				at: [
					{ action: 'UploadMediaByURL', call: 1, kind: 'dropAfter' },
					...Array.from({ length: 12 }, (_, i) => ({
						action: 'UploadMediaByURL',
						call: i + 2,
						kind: 'unavailable' as const,
					})),
				],
			},
		});
		const result = await runWorkflow({
			...submitWorkflow({}, 'continueRegularOutput'),
			startItems: urlItems(3, 'lost-then-refused'),
		});
		expect(jobs()).toHaveLength(3);
		for (const item of result.output('Submit')) expect(item.json.transient).toBe(true);
	});
});
