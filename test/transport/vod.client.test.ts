/**
 * The VOD transport (callVodApi over n8n-core's httpRequest) against the real emulator: retries,
 * idempotency rules, SessionId dedup, error details and cancellation.
 */
import { startEmulator, type Emulator } from '../emulator';
import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { resolveVodEndpoint } from '../../nodes/AlibabaCloudVod/transport/vod/endpoint';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import { VodApiError, VodCancelledError } from '../../nodes/AlibabaCloudVod/transport/vod/errors';
import type {
	AlibabaCloudApiCredentials,
	VodRequestOptions,
	VodRetryPolicy,
} from '../../nodes/AlibabaCloudVod/transport/vod/types';

/** Small delays so the suite runs in seconds; the production policy is tested for its bounds below. */
// The production number of attempts (DEFAULT_RETRY_POLICY), with short delays.
const FAST: Partial<VodRetryPolicy> = { maxAttempts: 10, baseDelayMs: 4, maxDelayMs: 40 };

let emulator: Emulator;
let credentials: AlibabaCloudApiCredentials;

beforeAll(async () => {
	emulator = await startEmulator();
	credentials = {
		...emulator.accessKey,
		region: 'cn-shanghai',
		endpoint: emulator.vodEndpoint,
		protocol: 'HTTP',
	};
});

afterAll(async () => {
	await emulator?.stop();
});

beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
	emulator.setJobSettings({ autoRun: false });
});

const calls = (action: string) => emulator.state.vodCalls[action] ?? 0;

/** A cheap read that every emulator build answers (GetURLUploadInfos of an unknown job: NonExists). */
const READ_ACTION = 'GetURLUploadInfos';
const read = async (options?: VodRequestOptions) =>
	await callVodApi(httpRequest, credentials, READ_ACTION, { JobIds: 'ffffffffffffffffffffffffffffffff' }, options);

async function failureOf(promise: Promise<unknown>): Promise<VodApiError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(VodApiError);
	return error as VodApiError;
}

function jobsFor(url: string) {
	return [...emulator.state.vod.jobs.values()].filter((job) => job.uploadUrl === url);
}

describe('endpoint', () => {
	it('derives vod.<region>.aliyuncs.com, maps cn-hangzhou to Shanghai and honours an override', () => {
		expect(resolveVodEndpoint({ ...credentials, endpoint: '', protocol: 'HTTPS' })).toEqual({
			host: 'vod.cn-shanghai.aliyuncs.com',
			protocol: 'HTTPS',
		});
		expect(resolveVodEndpoint({ ...credentials, endpoint: '', region: 'cn-hangzhou' }).host).toBe(
			'vod.cn-shanghai.aliyuncs.com',
		);
		expect(resolveVodEndpoint({ ...credentials, endpoint: '', region: 'ap-southeast-1' }).host).toBe(
			'vod.ap-southeast-1.aliyuncs.com',
		);
		expect(
			resolveVodEndpoint({ ...credentials, endpoint: 'http://127.0.0.1:9100/', protocol: 'HTTPS' }),
		).toEqual({ host: '127.0.0.1:9100', protocol: 'HTTP' });
	});
});

describe('calls', () => {
	it('signs a real call that the emulator accepts and returns VOD’s JSON body', async () => {
		const result = await read();
		expect(typeof result.RequestId).toBe('string');
		expect(result.NonExists).toEqual(['ffffffffffffffffffffffffffffffff']);
		expect(calls(READ_ACTION)).toBe(1);
	});

	it('works with STS credentials (security token sent and signed)', async () => {
		const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'x', 'm');
		const result = await callVodApi(
			httpRequest,
			{ ...credentials, accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken },
			READ_ACTION,
			{ JobIds: 'ffffffffffffffffffffffffffffffff' },
		);
		expect(typeof result.RequestId).toBe('string');
	});
});

describe('retries', () => {
	it('with 30% Throttling.User every call of a batch of 40 succeeds, and VOD saw the extra tries', async () => {
		emulator.setFaults({ vod: { throttleRate: 0.3 } });
		const started = Date.now();
		const results = await Promise.all(
			Array.from({ length: 40 }, async () => await read({ retry: FAST })),
		);
		expect(results).toHaveLength(40);
		for (const result of results) expect(typeof result.RequestId).toBe('string');
		const seen = calls(READ_ACTION);
		// 40 successes; with 30 % refused, about 17 more tries are expected (≥1 is all but certain).
		expect(seen).toBeGreaterThan(40);
		expect(seen).toBeLessThanOrEqual(40 * FAST.maxAttempts!);
		console.log(`30% throttling: 40 calls succeeded with ${seen} requests in ${Date.now() - started} ms`);
	});

	it('with 100% throttling gives up after exactly maxAttempts and names the code and the tries', async () => {
		emulator.setFaults({ vod: { throttleRate: 1 } });
		const error = await failureOf(
			callVodApi(httpRequest, credentials, 'UploadMediaByURL', { UploadURLs: 'http://example.com/a.mp4' }, { retry: FAST }),
		);
		expect(calls('UploadMediaByURL')).toBe(10);
		expect(error.message).toBe(
			'VOD UploadMediaByURL failed: Throttling.User – Request was denied due to user flow control. (after 10 tries)',
		);
		expect(error.details).toMatchObject({ code: 'Throttling.User', attempts: 10, httpStatus: 400, outcomeUnknown: false });
		expect(error.details.requestId).toMatch(/^[0-9A-F-]{36}$/);
		expect(error.details.hint).toMatch(/rate limit for UploadMediaByURL/);
		expect(error.details.hint).toMatch(/smaller batches/);
		// Throttling means VOD did not run it, so even a write without SessionId is retried.
		expect(jobsFor('http://example.com/a.mp4')).toHaveLength(0);
	});

	it('retries 503 ServiceUnAvailable for reads and reports the tries when it persists', async () => {
		// 20 reads at 30 %: some 503 is all but certain (1 - 0.7^20); a read failing all 10 tries is not (0.3^10).
		emulator.setFaults({ vod: { error503Rate: 0.3 } });
		for (let i = 0; i < 20; i++) await read({ retry: FAST });
		expect(calls(READ_ACTION)).toBeGreaterThan(20);

		emulator.reset();
		emulator.setFaults({ vod: { error503Rate: 1 } });
		const error = await failureOf(read({ retry: { ...FAST, maxAttempts: 3 } }));
		expect(calls(READ_ACTION)).toBe(3);
		expect(error.details).toMatchObject({ code: 'ServiceUnAvailable', httpStatus: 503, attempts: 3 });
		expect(error.message).toMatch(/\(after 3 tries\)$/);
	});

	it('retries dropped connections for reads', async () => {
		// aimed drops, before and after VOD acted: a random drop rate failed this once in a CI run with
		// 10 drops in a row, which independent drops at that rate make a one-in-millions event
		emulator.setFaults({
			vod: {
				at: [
					{ action: READ_ACTION, call: 1, kind: 'dropBefore' },
					{ action: READ_ACTION, call: 2, kind: 'dropAfter' },
					{ action: READ_ACTION, call: 3, kind: 'dropBefore' },
				],
			},
		});
		const result = await read({ retry: FAST });
		expect(typeof result.RequestId).toBe('string');
		expect(calls(READ_ACTION)).toBe(4);
	});

	it('retries InternalError 500 for reads but not for a write whose outcome it leaves unknown', async () => {
		emulator.setFaults({ vod: { error500Rate: 1 } });
		const failedRead = await failureOf(read({ retry: { ...FAST, maxAttempts: 4 } }));
		expect(failedRead.details).toMatchObject({ code: 'InternalError', httpStatus: 500, attempts: 4 });
		expect(calls(READ_ACTION)).toBe(4);

		const write = await failureOf(
			callVodApi(httpRequest, credentials, 'CreateUploadImage', { ImageType: 'default' }, { retry: FAST }),
		);
		expect(write.details).toMatchObject({ code: 'InternalError', attempts: 1, outcomeUnknown: true });
		expect(calls('CreateUploadImage')).toBe(1);
	});

	it('never retries a definite error answer', async () => {
		const error = await failureOf(
			callVodApi(httpRequest, credentials, 'RefreshUploadVideo', { VideoId: 'ffffffffffffffffffffffffffffffff' }, { retry: FAST }),
		);
		expect(calls('RefreshUploadVideo')).toBe(1);
		expect(error.details).toMatchObject({ code: 'InvalidVideo.NotFound', httpStatus: 404, attempts: 1 });
		expect(error.message).toBe('VOD RefreshUploadVideo failed: InvalidVideo.NotFound – The video not exist.');
		expect(error.details.hint).toMatch(/No media with this ID exists in this region/);
	});
});

describe('UploadMediaByURL and ambiguous failures', () => {
	const url = (name: string) => `http://media.example.com/library/${name}.mp4`;

	it('without SessionId is NOT retried after a dropped connection (VOD may already have the jobs)', async () => {
		emulator.setFaults({ vod: { dropRate: 1, dropMode: 'afterAction', actions: ['UploadMediaByURL'] } });
		const error = await failureOf(
			callVodApi(httpRequest, credentials, 'UploadMediaByURL', { UploadURLs: url('a') }, { retry: FAST }),
		);
		expect(calls('UploadMediaByURL')).toBe(1);
		expect(jobsFor(url('a'))).toHaveLength(1); // the one try did run on the server
		expect(error.details).toMatchObject({ attempts: 1, outcomeUnknown: true });
		expect(error.details.code).toMatch(/^(ECONNRESET|EPIPE)$/);
		expect(error.details.hint).toMatch(/unknown whether VOD ran UploadMediaByURL/);
		expect(error.details.hint).toMatch(/not repeated automatically/);
	});

	it('with SessionId is retried after a drop before the action ran and creates exactly one set of jobs', async () => {
		emulator.setFaults({ vod: { dropRate: 0.5, dropMode: 'beforeAction', actions: ['UploadMediaByURL'] } });
		// 12 batches at a 50 % drop rate: some drop is all but certain (1 - 0.5^12), and with 20 tries a
		// batch that never gets through (0.5^20 each) is out of reach, so the test is not flaky.
		const retry = { ...FAST, maxAttempts: 20 };
		for (let i = 0; i < 12; i++) {
			const urls = [url(`b${i}-1`), url(`b${i}-2`)];
			const result = await callVodApi(
				httpRequest,
				credentials,
				'UploadMediaByURL',
				{ UploadURLs: urls.map(encodeURIComponent).join(','), SessionId: `batch-b-${i}` },
				{ retry },
			);
			expect(result.UploadJobs.map((job) => job.SourceURL)).toEqual(urls);
			for (const [index, u] of urls.entries()) {
				expect(jobsFor(u).map((job) => job.jobId)).toEqual([result.UploadJobs[index].JobId]);
			}
		}
		expect(calls('UploadMediaByURL')).toBeGreaterThan(12);
	});

	it('with SessionId, a drop after the action ran surfaces as sessionIdReused and never doubles the jobs', async () => {
		emulator.setFaults({ vod: { dropRate: 1, dropMode: 'afterAction', actions: ['UploadMediaByURL'] } });
		const urls = [url('c1'), url('c2')];
		const error = await failureOf(
			callVodApi(
				httpRequest,
				credentials,
				'UploadMediaByURL',
				{ UploadURLs: urls.map(encodeURIComponent).join(','), SessionId: 'batch-c' },
				{ retry: FAST },
			),
		);
		expect(calls('UploadMediaByURL')).toBe(2); // the dropped try, then the one VOD refused
		expect(error.details.sessionIdReused).toBe(true);
		expect(error.details.code).toBe('InvalidParameter.SessionId');
		expect(error.details.hint).toMatch(/earlier try of this call reached VOD and created the jobs/);
		for (const u of urls) expect(jobsFor(u)).toHaveLength(1);

		// The caller recovers the JobIds by URL.
		emulator.setFaults({});
		const infos = await callVodApi(httpRequest, credentials, 'GetURLUploadInfos', {
			UploadURLs: urls.map(encodeURIComponent).join(','),
		});
		expect(infos.URLUploadInfoList?.map((info) => info.JobId).sort()).toEqual(
			urls.map((u) => jobsFor(u)[0].jobId).sort(),
		);
	});

	it('a SessionId reused by a later run is reported as such; a malformed one is a plain parameter error', async () => {
		const first = await callVodApi(httpRequest, credentials, 'UploadMediaByURL', { UploadURLs: url('d'), SessionId: 'run-d' });
		expect(first.UploadJobs).toHaveLength(1);
		const again = await failureOf(
			callVodApi(httpRequest, credentials, 'UploadMediaByURL', { UploadURLs: url('d'), SessionId: 'run-d' }, { retry: FAST }),
		);
		expect(again.details).toMatchObject({ sessionIdReused: true, attempts: 1 });
		expect(again.details.hint).toMatch(/used in the last 10 minutes\. The URLs were not submitted twice/);
		expect(jobsFor(url('d'))).toHaveLength(1);

		const malformed = await failureOf(
			callVodApi(httpRequest, credentials, 'UploadMediaByURL', { UploadURLs: url('e'), SessionId: 'not valid!' }, { retry: FAST }),
		);
		expect(malformed.details.code).toBe('InvalidParameter.SessionId');
		expect(malformed.details.sessionIdReused).toBeUndefined();
	});

	it('the caller can forbid retries of an ambiguous failure with idempotent: false', async () => {
		emulator.setFaults({ vod: { dropRate: 1, dropMode: 'beforeAction', actions: [READ_ACTION] } });
		await failureOf(read({ retry: FAST, idempotent: false }));
		expect(calls(READ_ACTION)).toBe(1);
	});
});

describe('timeouts', () => {
	it('a try without an answer within timeoutMs is a RequestTimeout: a read is retried, a write without a dedup key is not', async () => {
		emulator.setFaults({ vod: { latencyMs: 500 } });
		const started = Date.now();
		const readError = await failureOf(read({ timeoutMs: 100, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }));
		expect(readError.details).toMatchObject({ code: 'RequestTimeout', attempts: 3, outcomeUnknown: true });
		expect(calls(READ_ACTION)).toBe(3);
		const writeError = await failureOf(
			callVodApi(httpRequest, credentials, 'CreateUploadImage', { ImageType: 'default' }, { timeoutMs: 100, retry: FAST }),
		);
		expect(writeError.details).toMatchObject({ code: 'RequestTimeout', attempts: 1, outcomeUnknown: true });
		expect(writeError.details.hint).toMatch(/unknown whether VOD ran CreateUploadImage/);
		expect(calls('CreateUploadImage')).toBe(1);
		expect(Date.now() - started).toBeLessThan(1_500); // each try ended at its timeout, not at VOD's answer
		await new Promise((resolve) => setTimeout(resolve, 600)); // let the abandoned exchanges finish
	});
});

describe('cancellation', () => {
	it('stops the backoff promptly when the signal aborts', async () => {
		emulator.setFaults({ vod: { throttleRate: 1 } });
		const controller = new AbortController();
		const started = Date.now();
		setTimeout(() => controller.abort(), 150);
		const error = await read({
			retry: { maxAttempts: 8, baseDelayMs: 5_000, maxDelayMs: 5_000 },
			signal: controller.signal,
		}).catch((e: unknown) => e);
		const elapsed = Date.now() - started;
		expect(error).toBeInstanceOf(VodCancelledError);
		expect((error as Error).message).toBe('VOD GetURLUploadInfos was canceled: the workflow execution was stopped');
		expect(elapsed).toBeLessThan(1_000);
		const seen = calls(READ_ACTION);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(calls(READ_ACTION)).toBe(seen); // nothing is sent after the cancel
	});

	it('abandons a call in flight when the signal aborts', async () => {
		emulator.setFaults({ vod: { latencyMs: 600 } });
		const controller = new AbortController();
		const started = Date.now();
		setTimeout(() => controller.abort(), 100);
		const error = await read({ signal: controller.signal }).catch(
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(VodCancelledError);
		expect(Date.now() - started).toBeLessThan(500);
		await new Promise((resolve) => setTimeout(resolve, 700)); // let the abandoned exchange finish
	});

	it('does not start when the signal is already aborted', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(read({ signal: controller.signal })).rejects.toBeInstanceOf(
			VodCancelledError,
		);
		expect(calls(READ_ACTION)).toBe(0);
	});
});
