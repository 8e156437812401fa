import type { VodRetryPolicy } from './vod/types';

/**
 * Retry policy for VOD calls: bounded exponential backoff with full jitter
 * (delay before retry n is uniform in [0, min(cap, base · 2^(n-1))]).
 *
 * Why these numbers: VOD's limits are per account and per second (SearchMedia 50 QPS,
 * GetURLUploadInfos 100, CreateUploadVideo 80, DeleteVideo 30), so a throttled call usually
 * succeeds within a second or two. 10 attempts with a 250 ms base and an 8 s cap wait at most
 * 0.25+0.5+1+2+4+8+8+8+8 ≈ 40 s (≈ 20 s on average) before giving up, which keeps a workflow step
 * responsive, while a call that meets 30 % throttling fails only with probability 0.3^10 ≈ 6e-6: a
 * 500,000-file migration makes ~25,000 submit calls, and each lost call is a batch to re-run.
 * Full jitter spreads the retries of a batch of parallel calls instead of making them collide again.
 */
export const DEFAULT_RETRY_POLICY: VodRetryPolicy = {
	maxAttempts: 10,
	baseDelayMs: 250,
	maxDelayMs: 8000,
};

/** The credential test asks once more at most: a wrong key should answer at once, not after 40 s. */
export const CREDENTIAL_TEST_RETRY_POLICY: VodRetryPolicy = {
	maxAttempts: 2,
	baseDelayMs: 200,
	maxDelayMs: 500,
};

export function resolveRetryPolicy(overrides?: Partial<VodRetryPolicy>): VodRetryPolicy {
	const policy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(overrides ?? {}) };
	return {
		maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)),
		baseDelayMs: Math.max(0, policy.baseDelayMs),
		maxDelayMs: Math.max(0, policy.maxDelayMs),
	};
}

/** Full-jitter delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(
	retry: number,
	policy: VodRetryPolicy,
	random: () => number = Math.random,
): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
	return Math.floor(random() * ceiling);
}

/** How a failed attempt is to be treated. */
export interface FailureClass {
	/** a later attempt may succeed (throttling, 5xx, network trouble) */
	transient: boolean;
	/** the request may have reached VOD and run: repeat it only if that is harmless */
	outcomeUnknown: boolean;
}

/** Whether to try again after a failed attempt. A definite refusal is never retried. */
export function shouldRetry(failure: FailureClass, idempotent: boolean): boolean {
	if (!failure.transient) return false;
	return !failure.outcomeUnknown || idempotent;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(value).filter(([, entry]) => entry !== undefined),
	) as Partial<T>;
}
