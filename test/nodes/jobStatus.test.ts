import type { INodeParameters } from 'n8n-workflow';

import {
	chain,
	emulatorCredentials,
	jobStatusNode,
	runWorkflow,
	startNode,
	vodNode,
} from '../harness';
import { useTestBed } from '../harness/testBed';

const bed = useTestBed();

async function submit(urls: string[]) {
	const result = await runWorkflow({
		nodes: [startNode(), vodNode('Submit', { resource: 'urlUpload', operation: 'submit' })],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: urls.map((url) => ({ json: { url } })),
	});
	expect(result.status).toBe('success');
	return result.output('Submit');
}

function statusRun(
	parameters: INodeParameters,
	startItems: Array<{ json: Record<string, unknown> }>,
	extra = {},
) {
	return {
		nodes: [startNode(), jobStatusNode('Status', parameters, undefined, extra)],
		connections: chain('Start', 'Status'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: startItems as never,
	};
}

describe('Alibaba Cloud VOD Job Status', () => {
	it('Check Once routes pending jobs to Still Running without waiting', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const out = await submit([bed.sources.url('/files/p1.mp4'), bed.sources.url('/files/p2.mp4')]);
		const result = await runWorkflow(
			statusRun(
				{},
				out.map((item) => ({ json: item.json })),
			),
		);
		expect(result.output('Status', 2).map((item) => item.json.status)).toEqual([
			'PENDING',
			'PENDING',
		]);
		expect(result.output('Status', 0)).toHaveLength(0);
		expect(bed.calls('GetURLUploadInfos')).toBe(1);
	});

	it('Wait Until Finished polls with a growing interval until the jobs finish', async () => {
		bed.emulator.setJobSettings({ stepDelayMs: 150 });
		const out = await submit([bed.sources.url('/files/w1.mp4'), bed.sources.url('/missing/w2.mp4')]);
		const result = await runWorkflow(
			statusRun(
				{
					mode: 'wait',
					options: { initialIntervalSeconds: 0.05, maxIntervalSeconds: 0.2, maxWaitSeconds: 20 },
				},
				out.map((item) => ({ json: item.json })),
			),
		);
		expect(result.status).toBe('success');
		expect(result.output('Status', 0).map((item) => item.json.sourceUrl)).toEqual([
			bed.sources.url('/files/w1.mp4'),
		]);
		expect(result.output('Status', 1).map((item) => item.json.errorCode)).toEqual([
			'URLInvalidError',
		]);
		expect(result.output('Status', 2)).toHaveLength(0);
		expect(bed.calls('GetURLUploadInfos')).toBeGreaterThan(1);
	});

	it('Wait Until Finished gives up at Max Wait and routes the rest to Still Running', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const out = await submit([bed.sources.url('/files/slow.mp4')]);
		const result = await runWorkflow(
			statusRun(
				{
					mode: 'wait',
					options: { initialIntervalSeconds: 0.05, maxIntervalSeconds: 0.1, maxWaitSeconds: 0.5 },
				},
				out.map((item) => ({ json: item.json })),
			),
		);
		expect(result.output('Status', 2)).toHaveLength(1);
		expect(result.durationMs).toBeLessThan(3000);
	});

	it('Wait Until Finished stops promptly when the execution is cancelled', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const out = await submit([bed.sources.url('/files/c1.mp4')]);
		const result = await runWorkflow({
			...statusRun(
				{
					mode: 'wait',
					options: { initialIntervalSeconds: 30, maxIntervalSeconds: 60, maxWaitSeconds: 3600 },
				},
				out.map((item) => ({ json: item.json })),
			),
			abortAfterMs: 300,
		});
		expect(result.status).toBe('canceled');
		expect(result.durationMs).toBeLessThan(3000);
		expect(bed.calls('GetURLUploadInfos')).toBe(1);
	});

	it('looks up by Source URL and picks the newest job of the URL', async () => {
		const url = bed.sources.url('/files/twice.mp4');
		await submit([url]);
		await bed.emulator.finishJobs();
		// a second job for the same URL, still pending: the newest one must win
		await new Promise((resolve) => setTimeout(resolve, 1100));
		bed.emulator.setJobSettings({ autoRun: false });
		const second = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('Submit', { resource: 'urlUpload', operation: 'submit', title: 'again' }),
			],
			connections: chain('Start', 'Submit'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: [{ json: { url } }],
		});
		const result = await runWorkflow(
			statusRun({ lookUpBy: 'sourceUrl', sourceUrl: '={{ $json.url }}' }, [
				{ json: { url } },
				{ json: { url: bed.sources.url('/files/never.mp4') } },
			]),
		);
		expect(result.output('Status', 2).map((item) => item.json.jobId)).toEqual([
			second.output('Submit')[0].json.jobId,
		]);
		expect(result.output('Status', 1)[0].json).toMatchObject({ status: 'NOT_FOUND' });
		expect(result.output('Status', 1)[0].pairedItem).toEqual({ item: 1 });
	});

	it('unknown job ids go to Failed; an empty job id is an error item or fails the run', async () => {
		const items = [
			{ json: { jobId: 'ffffffffffffffffffffffffffffffff' } },
			{ json: { jobId: '' } },
		];
		const tolerant = await runWorkflow(statusRun({}, items, { onError: 'continueRegularOutput' }));
		const failed = tolerant.output('Status', 1);
		expect(failed).toHaveLength(2);
		expect(failed.find((item) => item.json.error)?.json.error).toMatch(
			/^\[item 1\] The Job ID is empty/,
		);
		expect(failed.find((item) => item.json.status === 'NOT_FOUND')?.json.reason).toMatch(
			/NonExists/,
		);

		const strict = await runWorkflow(statusRun({}, items));
		expect(strict.status).toBe('error');
		expect(strict.error?.message).toMatch(/^\[item 1\] The Job ID is empty/);
	});
});

describe('Job Status: a lookup error is not a job failure', () => {
	/** GetURLUploadInfos throttled through every retry; the retries' jitter is made 0 so the test is quick. */
	function throttleLookups() {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		bed.emulator.setFaults({ vod: { throttleRate: 1, actions: ['GetURLUploadInfos'] } });
	}
	afterEach(() => jest.restoreAllMocks());

	it('Continue (regular output): healthy jobs whose lookup failed go to Still Running with lookupError, never to Failed', async () => {
		const out = await submit([bed.sources.url('/files/h1.mp4'), bed.sources.url('/files/h2.mp4')]);
		await bed.emulator.idle();
		throttleLookups();
		const result = await runWorkflow(
			statusRun({}, out.map((item) => ({ json: { ...item.json, sourceId: 'row-' + String(item.json.jobId).slice(0, 4) } })), {
				onError: 'continueRegularOutput',
			}),
		);
		expect(result.status).toBe('success');
		expect(result.output('Status', 1)).toHaveLength(0);
		const unknown = result.output('Status', 2);
		expect(unknown.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const [i, item] of unknown.entries()) {
			expect(item.json).toMatchObject({ lookupError: true, jobId: out[i].json.jobId, sourceId: expect.stringMatching(/^row-/) });
			expect(item.json.error).toMatch(new RegExp(`^\\[item ${i}\\] GetURLUploadInfos: .*Throttling`));
		}

		// back through a Wait loop once VOD answers again: the old lookup error is gone, the job succeeded
		jest.restoreAllMocks();
		bed.emulator.setFaults({});
		const again = await runWorkflow(statusRun({}, unknown.map((item) => ({ json: item.json })), { onError: 'continueRegularOutput' }));
		expect(again.output('Status', 0)).toHaveLength(2);
		for (const item of again.output('Status', 0)) {
			expect(item.json.lookupError).toBeUndefined();
			expect(item.json.error).toBeUndefined();
			expect(item.json.status).toBe('SUCCESS');
		}
	});

	it('Continue (using error output): a lookup error goes to the error output, with the input item\'s fields', async () => {
		const out = await submit([bed.sources.url('/files/h3.mp4')]);
		await bed.emulator.idle();
		throttleLookups();
		const result = await runWorkflow(
			statusRun({}, [{ json: { ...out[0].json, sourceId: 'row-9' } }], { onError: 'continueErrorOutput' }),
		);
		expect([0, 1, 2].map((output) => result.output('Status', output).length)).toEqual([0, 0, 0]);
		const [failed] = result.output('Status', 3);
		expect(failed.json).toMatchObject({ sourceId: 'row-9', jobId: out[0].json.jobId });
		expect(failed.json.error).toMatchObject({ lookupError: true, message: expect.stringMatching(/GetURLUploadInfos/) });
	});

	it('a lookup error asking again cannot fix (wrong secret) goes to Failed or the error output, never Still Running (attack-2 N2)', async () => {
		const out = await submit([bed.sources.url('/files/h4.mp4')]);
		await bed.emulator.idle();
		const wrongSecret = emulatorCredentials({
			vodEndpoint: bed.emulator.vodEndpoint,
			accessKey: { ...bed.emulator.accessKey, accessKeySecret: 'not-the-secret' },
		});
		const run = (onError: string, by: INodeParameters = {}) =>
			runWorkflow({ ...statusRun(by, [{ json: { ...out[0].json, sourceId: 'row-5' } }], { onError }), credentials: wrongSecret });
		const byUrl = { lookUpBy: 'sourceUrl', sourceUrl: '={{ $json.sourceUrl }}' };

		for (const by of [{}, byUrl]) {
			const stopped = await run('stopWorkflow', by);
			expect(stopped.status).toBe('error');
			expect(stopped.error?.message).toMatch(/SignatureDoesNotMatch/);

			const regular = await run('continueRegularOutput', by);
			expect(regular.status).toBe('success');
			expect(regular.output('Status', 2)).toHaveLength(0);
			const [failed] = regular.output('Status', 1);
			expect(failed.pairedItem).toEqual({ item: 0 });
			expect(failed.json).toMatchObject({ sourceId: 'row-5', lookupError: true });
			expect(failed.json.error).toMatch(/SignatureDoesNotMatch/);

			const errorOutput = await run('continueErrorOutput', by);
			expect([0, 1, 2].map((output) => errorOutput.output('Status', output).length)).toEqual([0, 0, 0]);
			expect(errorOutput.output('Status', 3)[0].json.error).toMatchObject({ message: expect.stringMatching(/SignatureDoesNotMatch/) });
		}
	});

	it('an item with no Job ID is an error item: Failed under Continue (regular output), the error output under Continue (using error output) — as README says', async () => {
		const items = [{ json: { sourceId: 'row-1' } }, { json: { sourceId: 'row-2', error: '[item 1] Submit failed' } }];
		const regular = await runWorkflow(statusRun({}, items, { onError: 'continueRegularOutput' }));
		expect(regular.output('Status', 1).map((item) => item.json.sourceId)).toEqual(['row-1', 'row-2']);
		expect(regular.output('Status', 1)[0].json.error).toMatch(/Job ID is empty/);
		expect(regular.output('Status', 1)[1].json).toMatchObject({ cause: '[item 1] Submit failed' });

		const errorOutput = await runWorkflow(statusRun({}, items, { onError: 'continueErrorOutput' }));
		expect([0, 1, 2].map((output) => errorOutput.output('Status', output).length)).toEqual([0, 0, 0]);
		const errors = errorOutput.output('Status', 3);
		expect(errors.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(errors[0].json.error).toMatchObject({ message: expect.stringMatching(/Job ID is empty/) });
		expect(errors[1].json.error).toMatchObject({ message: expect.stringMatching(/error item of the previous node/), cause: '[item 1] Submit failed' });
		expect(bed.calls('GetURLUploadInfos')).toBe(0);
	});

	it('each output keeps the input order, and an error item of the previous node keeps its source and cause', async () => {
		const result = await runWorkflow(
			statusRun(
				{},
				[
					{ json: { jobId: 'ffffffffffffffffffffffffffffffff' } },
					{
						json: {
							sourceUrl: 'https://example.com/a.mp4',
							sourceId: 'row-7',
							error: '[item 1] The Source URL has no file extension',
							description: 'Set Options → File Extension',
						},
					},
					{ json: { jobId: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' } },
				],
				{ onError: 'continueRegularOutput' },
			),
		);
		const failed = result.output('Status', 1);
		expect(failed.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(failed[1].json).toMatchObject({
			sourceUrl: 'https://example.com/a.mp4',
			sourceId: 'row-7',
			cause: '[item 1] The Source URL has no file extension',
			causeDescription: 'Set Options → File Extension',
			error: expect.stringMatching(/error item of the previous node/),
		});
	});
});

describe('Job Status: Wait Until Finished refuses timing that would check only once', () => {
	it.each([
		[{ maxWaitSeconds: 0 }, /Max Wait 0 is not a positive number/],
		[{ maxWaitSeconds: -5 }, /Max Wait -5 is not a positive number/],
		[{ initialIntervalSeconds: 0 }, /First Interval 0 is not a positive number/],
		[{ maxIntervalSeconds: 'abc' }, /Longest Interval abc is not a positive number/],
		[{ initialIntervalSeconds: 10, maxIntervalSeconds: 5 }, /Longest Interval 5 is shorter than First Interval 10/],
	])('%j', async (options, message) => {
		const items = [{ json: { jobId: 'ffffffffffffffffffffffffffffffff' } }, { json: { jobId: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee' } }];
		const strict = await runWorkflow(statusRun({ mode: 'wait', options }, items));
		expect(strict.status).toBe('error');
		expect(strict.error?.message).toMatch(message);
		const tolerant = await runWorkflow(statusRun({ mode: 'wait', options }, items, { onError: 'continueRegularOutput' }));
		expect(tolerant.output('Status', 1).map((item) => String(item.json.error))).toEqual([
			expect.stringMatching(message),
			expect.stringMatching(message),
		]);
		expect(bed.calls('GetURLUploadInfos')).toBe(0);
	});
});

describe('URL Upload → Cancel', () => {
	it('cancels pending jobs by job id and by URL, reporting each item', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const out = await submit([bed.sources.url('/files/k1.mp4'), bed.sources.url('/files/k2.mp4')]);
		const byId = await runWorkflow({
			nodes: [startNode(), vodNode('Cancel', { resource: 'urlUpload', operation: 'cancel' })],
			connections: chain('Start', 'Cancel'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: [{ json: out[0].json }, { json: { jobId: 'ffffffffffffffffffffffffffffffff' } }],
		});
		expect(byId.output('Cancel').map((item) => item.json.result)).toEqual([
			'canceled',
			'nonExists',
		]);
		expect(bed.emulator.state.vod.jobs.get(out[0].json.jobId as string)?.status).toBe('CANCELED');

		const byUrl = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('Cancel', { resource: 'urlUpload', operation: 'cancel', cancelBy: 'sourceUrl' }),
			],
			connections: chain('Start', 'Cancel'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: [{ json: out[1].json }],
		});
		expect(byUrl.output('Cancel')[0].json).toMatchObject({
			result: 'canceled',
			canceled: true,
			jobId: out[1].json.jobId,
		});
		expect(bed.emulator.state.vod.jobs.get(out[1].json.jobId as string)?.status).toBe('CANCELED');
	});
});

describe('a list of job IDs in one item (attack finding 12)', () => {
	const ids = ['a1b2c3d4e5f60718293a4b5c6d7e8f90', 'b1b2c3d4e5f60718293a4b5c6d7e8f90'];
	const lists: Array<[string, unknown]> = [
		['"a,b"', ids.join(',')],
		['"a b"', ids.join(' ')],
		['"a;b"', ids.join(';')],
		['[a, b]', ids],
	];

	it.each(lists)(
		'%s: Job Status and Cancel refuse it with the same message, and send nothing',
		async (_label, jobId) => {
			const cancel = {
				nodes: [
					startNode(),
					vodNode(
						'Cancel',
						{ resource: 'urlUpload', operation: 'cancel', jobId: '={{ $json.ids }}' },
						undefined,
						{ onError: 'continueRegularOutput' },
					),
				],
				connections: chain('Start', 'Cancel'),
				credentials: emulatorCredentials(bed.emulator),
				startItems: [{ json: { ids: jobId } }] as never,
			};
			const status = statusRun({ jobId: '={{ $json.ids }}' }, [{ json: { ids: jobId } }], {
				onError: 'continueRegularOutput',
			});
			const [statusItem] = (await runWorkflow(status)).output('Status', 1);
			const [cancelItem] = (await runWorkflow(cancel)).output('Cancel');
			expect(statusItem.json.error).toMatch(/^\[item 0\] The Job ID (holds 2 job IDs|is a list of 2 values)/);
			expect(statusItem.json.description).toMatch(/Split Out/);
			expect(cancelItem.json.error).toBe(statusItem.json.error);
			expect(cancelItem.json.description).toBe(statusItem.json.description);
			expect(bed.calls('GetURLUploadInfos')).toBe(0);
			expect(bed.calls('CancelUrlUploadJobs')).toBe(0);
		},
	);
});

describe('Parallel Calls out of range (attack finding 14)', () => {
	it.each([0, -1, 'abc', 21, 2.5])('%p fails the run naming the option and its range', async (value) => {
		const result = await runWorkflow(
			statusRun({ options: { parallelCalls: value } }, [{ json: { jobId: 'ffff' } }]),
		);
		expect(result.status).toBe('error');
		expect(result.error?.message).toMatch(/Parallel Calls .* is not a whole number from 1 to 20/);
		expect(bed.calls('GetURLUploadInfos')).toBe(0);
	});
});
