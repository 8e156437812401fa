/**
 * The retry policy's bounds and the per-action idempotency rules (pure functions; the behaviour
 * against VOD is in vod.client.test.ts).
 */
import {
	backoffDelay,
	DEFAULT_RETRY_POLICY,
	resolveRetryPolicy,
	shouldRetry,
} from '../../nodes/AlibabaCloudVod/transport/retry';
import { isIdempotentCall } from '../../nodes/AlibabaCloudVod/transport/vod/idempotency';
import { normalizeSdkError } from '../../nodes/AlibabaCloudVod/transport/vod/errors';

describe('DEFAULT_RETRY_POLICY', () => {
	it('makes 10 attempts and waits at most ~40 s in total (full jitter upper bound)', () => {
		const policy = resolveRetryPolicy();
		expect(policy).toEqual(DEFAULT_RETRY_POLICY);
		expect(policy.maxAttempts).toBe(10);
		const worst = Array.from({ length: policy.maxAttempts - 1 }, (_, i) =>
			backoffDelay(i + 1, policy, () => 0.999999),
		);
		expect(worst).toEqual([249, 499, 999, 1999, 3999, 7999, 7999, 7999, 7999]);
		expect(worst.reduce((a, b) => a + b, 0)).toBeLessThan(40_000);
	});

	it('draws each delay uniformly from [0, ceiling): full jitter', () => {
		expect(backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
		expect(backoffDelay(3, DEFAULT_RETRY_POLICY, () => 0.5)).toBe(500);
		for (let i = 0; i < 200; i++) {
			const delay = backoffDelay(10, DEFAULT_RETRY_POLICY);
			expect(delay).toBeGreaterThanOrEqual(0);
			expect(delay).toBeLessThan(8_000);
		}
	});

	it('takes partial overrides and keeps at least one attempt', () => {
		expect(resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: undefined })).toEqual({
			...DEFAULT_RETRY_POLICY,
			maxAttempts: 3,
		});
		expect(resolveRetryPolicy({ maxAttempts: 0 }).maxAttempts).toBe(1);
	});
});

describe('shouldRetry', () => {
	it('retries refusals always, unknown outcomes only when idempotent, definite errors never', () => {
		expect(shouldRetry({ transient: true, outcomeUnknown: false }, false)).toBe(true);
		expect(shouldRetry({ transient: true, outcomeUnknown: true }, false)).toBe(false);
		expect(shouldRetry({ transient: true, outcomeUnknown: true }, true)).toBe(true);
		expect(shouldRetry({ transient: false, outcomeUnknown: false }, true)).toBe(false);
	});
});

describe('isIdempotentCall', () => {
	it.each([
		['GetURLUploadInfos', {}, true],
		['GetVideoInfo', {}, true],
		['SearchMedia', {}, true],
		['UploadMediaByURL', {}, false],
		['UploadMediaByURL', { SessionId: '' }, false],
		['UploadMediaByURL', { SessionId: 'exec-1-0' }, true],
		['CreateUploadVideo', {}, false],
		['CreateUploadVideo', { ReferenceId: 'ref-000001' }, true],
		['CreateUploadImage', {}, false],
		['CreateUploadAttachedMedia', {}, false],
		['RefreshUploadVideo', {}, true],
		['RegisterMedia', {}, true],
		['DeleteVideo', {}, true],
		['CancelUrlUploadJobs', {}, true],
		['SetMessageCallback', {}, true],
		['SomeFutureWrite', {}, false],
	])('%s %j → %s', (action, params, expected) => {
		expect(isIdempotentCall(action, params)).toBe(expected);
	});
});

describe('normalizeSdkError', () => {
	it('classifies throttling and 503 as refusals, 500 as unknown outcome, 4xx as definite', () => {
		const answer = (Code: string, statusCode: number) =>
			normalizeSdkError({ code: Code, data: { Code, Message: 'm', RequestId: 'r', statusCode } }, []);
		expect(answer('Throttling.User', 400)).toMatchObject({ transient: true, outcomeUnknown: false });
		expect(answer('Throttling', 429)).toMatchObject({ transient: true, outcomeUnknown: false });
		expect(answer('ServiceUnAvailable', 503)).toMatchObject({ transient: true, outcomeUnknown: false });
		expect(answer('InternalError', 500)).toMatchObject({ transient: true, outcomeUnknown: true });
		expect(answer('Forbidden.RAM', 403)).toMatchObject({ transient: false, httpStatus: 403 });
	});

	it('classifies network failures by whether the request may have been sent', () => {
		const sys = (code: string, message = code) => Object.assign(new Error(message), { code });
		expect(normalizeSdkError(sys('ECONNREFUSED'), [])).toMatchObject({ sent: false, transient: true });
		expect(normalizeSdkError(sys('ENOTFOUND'), [])).toMatchObject({ sent: false, transient: false });
		expect(normalizeSdkError(sys('ECONNRESET', 'socket hang up'), [])).toMatchObject({
			sent: true,
			transient: true,
			outcomeUnknown: true,
		});
		const timeout = Object.assign(new Error('ReadTimeout(30000)'), { name: 'RequestTimeoutError' });
		expect(normalizeSdkError(timeout, [])).toMatchObject({ code: 'RequestTimeout', outcomeUnknown: true });
	});
});
