import { randomBytes } from 'node:crypto';

import {
	isCancellation,
	RedirectRefusedError,
	sendSigned,
	transportFailure,
	type HttpAnswer,
	type HttpRequester,
} from '../http';
import { redactText, secretsOf } from '../redact';
import { backoffDelay, resolveRetryPolicy, shouldRetry } from '../retry';
import {
	describeVodFailure,
	mentionsSessionId,
	normalizeSdkError,
	redirectFailure,
	unexpectedAnswer,
	VodApiError,
	VodCancelledError,
	type VodFailure,
} from './errors';
import { isIdempotentCall } from './idempotency';
import type {
	AlibabaCloudApiCredentials,
	VodAction,
	VodOperations,
	VodRequestOptions,
} from './types';
import { waitUnlessAborted } from '../wait';
import { InvalidEndpointError, resolveVodEndpoint, type VodEndpoint } from './endpoint';
import { buildVodRequest, type VodParamValue } from './signature';

/**
 * VOD calls over n8n's own request helper, signed by transport/vod/signature.ts: retries with the
 * idempotency rules, VodApiError with Code, Message, RequestId and HTTP status, redaction, cancel
 * through the signal (it aborts the request in flight), one timeout per try.
 */

export const VOD_API_VERSION = '2017-03-21';

/** One try, from sending to the end of the answer. VOD normally answers in well under a second. */
export const DEFAULT_TIMEOUT_MS = 30_000;

type Outcome =
	| { ok: true; body: Record<string, unknown> }
	| { ok: false; failure: VodFailure }
	| { ok: false; cancelled: true };

const CANCELLED: Outcome = { ok: false, cancelled: true };

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** normalizeSdkError knows a timeout by its name */
function transportErrorFields(error: unknown) {
	const failure = transportFailure(error);
	return failure.timedOut
		? { name: 'RequestTimeoutError', message: failure.message }
		: { code: failure.code, message: failure.message };
}

/**
 * What an action's answer is about: VOD answers an error rather than leave it out, so an answer without it is
 * not VOD's. SearchMedia may leave out a MediaList with nothing in it.
 */
const ANSWER_FIELDS: Record<string, { field: string; list?: true; mayBeAbsent?: true }> = {
	GetVideoInfo: { field: 'Video' },
	GetMezzanineInfo: { field: 'Mezzanine' },
	GetPlayInfo: { field: 'PlayInfoList' },
	SearchMedia: { field: 'MediaList', list: true, mayBeAbsent: true },
};

/** How the answer lacks what the action answers, if it does. */
function lackOf(action: string, body: Record<string, unknown>): string | undefined {
	const expected = ANSWER_FIELDS[action];
	if (!expected) return undefined;
	const value = body[expected.field];
	if (value === undefined) return expected.mayBeAbsent ? undefined : `without ${expected.field}`;
	if (expected.list ? Array.isArray(value) : isPlainObject(value)) return undefined;
	return `with ${expected.field} ${value === null ? 'null' : `not ${expected.list ? 'a list' : 'an object'}`}`;
}

/** VOD's answer to one try: its JSON body on 2xx, else the failure its error body describes. */
function outcomeOfAnswer(action: string, statusCode: number, text: string, secrets: readonly string[]): Outcome {
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch (error) {
		if (statusCode < 300) return { ok: false, failure: normalizeSdkError(error, secrets) };
	}
	if (statusCode >= 200 && statusCode < 300) {
		const lack = isPlainObject(body) ? lackOf(action, body) : undefined;
		if (lack) return { ok: false, failure: unexpectedAnswer(`VOD answered ${lack}`) };
		if (isPlainObject(body)) return { ok: true, body };
		return { ok: false, failure: normalizeSdkError(new SyntaxError('not a JSON object'), secrets) };
	}
	// a proxy's or gateway's page: said, never echoed (it may repeat the request)
	const fields = isPlainObject(body)
		? body
		: { Message: `VOD answered HTTP ${statusCode} with ${text.trim() === '' ? 'an empty body' : 'a body that is not JSON (not shown)'}` };
	return { ok: false, failure: normalizeSdkError({ data: { ...fields, statusCode } }, secrets) };
}

interface Call {
	action: string;
	params: Record<string, VodParamValue>;
	credentials: AlibabaCloudApiCredentials;
	endpoint: VodEndpoint;
	secrets: readonly string[];
}

/** One signed try, with a fresh time and nonce; a cancel aborts the request in flight. */
async function attempt(http: HttpRequester, call: Call, options: VodRequestOptions): Promise<Outcome> {
	const { signal } = options;
	if (signal?.aborted) return CANCELLED;
	const request = buildVodRequest({
		action: call.action,
		version: VOD_API_VERSION,
		params: call.params,
		host: call.endpoint.host,
		protocol: call.endpoint.protocol,
		credentials: call.credentials,
		date: new Date(),
		nonce: randomBytes(16).toString('hex'),
	});
	let answer: HttpAnswer;
	try {
		answer = await sendSigned(http, request, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal });
	} catch (error) {
		if (isCancellation(error, signal)) return CANCELLED;
		if (error instanceof RedirectRefusedError) return { ok: false, failure: redirectFailure(error, call.secrets) };
		return { ok: false, failure: normalizeSdkError(transportErrorFields(error), call.secrets) };
	}
	return outcomeOfAnswer(call.action, answer.statusCode, String(answer.body ?? ''), call.secrets);
}

/** The refusal of a SessionId VOD saw in the last 10 minutes: the jobs exist, nothing is sent twice. */
function isSessionIdReused(action: string, params: Record<string, unknown>, last: VodFailure, retriedAmbiguous: boolean) {
	return (
		action === 'UploadMediaByURL' &&
		!last.transient &&
		Boolean(params.SessionId) &&
		mentionsSessionId(last) &&
		(retriedAmbiguous || /used|already|exist|duplicat|repeat/i.test(last.message))
	);
}

function finalError(call: Call, last: VodFailure, attempts: number, idempotent: boolean, retriedAmbiguous: boolean) {
	const sessionIdReused = isSessionIdReused(call.action, call.params, last, retriedAmbiguous);
	return new VodApiError({
		action: call.action,
		code: last.code,
		message: last.message,
		requestId: last.requestId,
		hostId: last.hostId,
		recommend: last.recommend,
		httpStatus: last.httpStatus,
		attempts,
		// An earlier try that may have run leaves the call's outcome unknown, whatever the last try met.
		outcomeUnknown: last.outcomeUnknown || retriedAmbiguous,
		// "asking again may succeed" — not for a call that may have run and whose repeat would duplicate it
		transient: last.transient && (idempotent || !last.outcomeUnknown),
		sessionIdReused: sessionIdReused || undefined,
		hint: sessionIdReused
			? `VOD refused the SessionId because it was used in the last 10 minutes${retriedAmbiguous ? ': an earlier try of this call reached VOD and created the jobs' : ''}. The URLs were not submitted twice; look up their jobs by URL (Job Status) instead of submitting again.`
			: describeVodFailure(call.action, last, {
					attempts,
					endpoint: `${call.endpoint.protocol.toLowerCase()}://${call.endpoint.host}`,
					retriedAmbiguous: retriedAmbiguous || (last.outcomeUnknown && idempotent),
				}),
	});
}

/** The credential's host, or a VodApiError that refuses the call before anything is sent. */
function endpointFor(action: string, credentials: AlibabaCloudApiCredentials): VodEndpoint {
	let refusal: unknown;
	try {
		return resolveVodEndpoint(credentials);
	} catch (error) {
		refusal = error;
	}
	if (!(refusal instanceof InvalidEndpointError)) throw refusal;
	throw new VodApiError({
		action,
		code: `Invalid${refusal.field}`,
		message: refusal.message,
		attempts: 0,
		outcomeUnknown: false,
		transient: false,
		hint: refusal.fix,
	});
}

/**
 * Calls a VOD action through `http` (n8n's `helpers.httpRequest`), retrying transient failures by
 * the rules of retry.ts and idempotency.ts. Throws `VodApiError` (redacted) or
 * `VodCancelledError`.
 */
export async function callVodApi<A extends VodAction>(
	http: HttpRequester,
	credentials: AlibabaCloudApiCredentials,
	action: A,
	params: VodOperations[A][0],
	options: VodRequestOptions = {},
): Promise<VodOperations[A][1]> {
	const call: Call = {
		action,
		params: params as Record<string, VodParamValue>,
		credentials,
		endpoint: endpointFor(action, credentials),
		secrets: secretsOf(credentials),
	};
	const policy = resolveRetryPolicy(options.retry);
	const idempotent = options.idempotent ?? isIdempotentCall(action, call.params);
	const { logger, signal } = options;

	let retriedAmbiguous = false;
	let failure: VodFailure | undefined;
	let attempts = 0;
	while (attempts < policy.maxAttempts) {
		if (attempts > 0) {
			const delay = backoffDelay(attempts, policy);
			logger?.debug(
				redactText(`VOD ${action}: ${failure?.code} (try ${attempts} of ${policy.maxAttempts}), retrying in ${delay} ms`, call.secrets),
			);
			if (!(await waitUnlessAborted(delay, signal))) throw new VodCancelledError(action);
			if (failure?.outcomeUnknown) retriedAmbiguous = true;
		}
		attempts++;
		const outcome = await attempt(http, call, options);
		if (outcome.ok) return outcome.body as unknown as VodOperations[A][1];
		if ('cancelled' in outcome) throw new VodCancelledError(action);
		failure = outcome.failure;
		if (!shouldRetry(failure, idempotent)) break;
	}
	const error = finalError(call, failure as VodFailure, attempts, idempotent, retriedAmbiguous);
	logger?.debug(redactText(error.message, call.secrets));
	throw error;
}
