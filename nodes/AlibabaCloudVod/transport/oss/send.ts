import { credentialsRefusedReason } from '../../helpers/uploadMessages';
import { redactText } from '../redact';
import { backoffDelay } from '../retry';
import { waitUnlessAborted } from '../wait';
import { sendOssRequest, type OssAnswer } from './client';
import { classifyOssFailure, describeOssFailure, type OssFailure } from './failures';
import type { OssObjectTarget, SignedOssRequest } from './requests';
import type { UploadRun } from './run';

/** builds the request afresh for every try: signed now, with the credentials of now */
export type OssRequestBuilder = (target: OssObjectTarget, date: Date) => SignedOssRequest;

/** how often one request may renew the credentials OSS refuses before giving up */
const RENEWALS_PER_REQUEST = 5;
const MAX_BACKOFF_MS = 10_000;

/**
 * Renews through the keeper; a failure of RefreshUploadVideo becomes the upload's failure, with VOD's
 * error as its cause (its code and fix: an expired Security Token of the node's own credential is
 * not a network problem).
 */
export async function renewing<T>(run: UploadRun, renew: () => Promise<T>): Promise<T> {
	let failure: unknown;
	try {
		return await renew();
	} catch (caught) {
		failure = caught;
	}
	if (run.cancelled) throw run.cancelledError();
	const reason = redactText(String((failure as Error)?.message ?? failure), run.secrets());
	throw run.failure(
		`Renewing the upload credentials with the node's Alibaba Cloud API credential (RefreshUploadVideo) failed: ${reason}`,
		'storage',
		failure,
	);
}

/** A request that cannot be built (an object key OSS cannot address) fails at once, untried. */
function signed(run: UploadRun, what: string, build: OssRequestBuilder): SignedOssRequest {
	try {
		return build(run.target(), new Date());
	} catch (caught) {
		throw run.failure(`${what} failed: ${(caught as Error).message}`, 'storage');
	}
}

/**
 * Sends one OSS request of the upload (a part, the PUT, Complete…): with credentials renewed ahead of
 * expiry, renewed again when OSS refuses them, and tried again with backoff on transient failures.
 */
export async function sendWithRetries(
	run: UploadRun,
	what: string,
	build: OssRequestBuilder,
	/** an answer standing in for a failure that turns out to be none */
	recover?: (error: OssFailure) => Promise<OssAnswer | undefined>,
): Promise<OssAnswer> {
	const { http, keeper, maxAttempts, backoffMs, timeoutMs, signal, logger } = run.settings;
	let attempt = 0;
	let renewalsHere = 0;
	for (;;) {
		if (run.cancelled) throw run.cancelledError();
		const generation = await renewing(run, async () => await keeper.fresh());
		const request = signed(run, what, build);
		let error: OssFailure;
		try {
			return await sendOssRequest(http, request, { timeoutMs, signal });
		} catch (caught) {
			error = caught as OssFailure;
		}
		if (run.cancelled) throw run.cancelledError();
		const recovered = await recover?.(error);
		if (recovered) return recovered;
		const kind = classifyOssFailure(error);
		if (kind === 'credentials' && keeper.renewable && renewalsHere < RENEWALS_PER_REQUEST) {
			renewalsHere++;
			logger?.debug(`${what}: credentials rejected (${error.code}), renewing`);
			await renewing(run, async () => await keeper.rejected(generation));
			continue;
		}
		attempt++;
		if (kind === 'transient' && attempt < maxAttempts) {
			run.retries++;
			const delay = backoffDelay(attempt, { maxAttempts, baseDelayMs: backoffMs * 2, maxDelayMs: MAX_BACKOFF_MS });
			logger?.debug(
				`${what} failed (${describeOssFailure(error, run.secrets())}); retry ${attempt} of ${maxAttempts - 1} in ${delay} ms`,
			);
			await waitUnlessAborted(delay, signal);
			continue;
		}
		const reason = describeOssFailure(error, run.secrets());
		const why = kind === 'credentials' ? ` (${credentialsRefusedReason(keeper.renewable, renewalsHere)})` : '';
		throw run.failure(`${what} failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${reason}${why}`, 'storage');
	}
}
