import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';

import { sleepUnlessAborted } from '../helpers/sleep';
import { redactText, secretsOf } from './redact';
import { backoffDelay, resolveRetryPolicy, shouldRetry } from './retry';
import {
	describeVodFailure,
	mentionsSessionId,
	normalizeSdkError,
	VodApiError,
	VodCancelledError,
	type VodFailure,
} from './vod.errors';
import { isIdempotentCall } from './vod.idempotency';
import type {
	AlibabaCloudApiCredentials,
	VodAction,
	VodOperations,
	VodRequestOptions,
} from './vod.types';

export const VOD_API_VERSION = '2017-03-21';

/**
 * httpx (under openapi-client) uses `connectTimeout` as the socket idle timeout of the whole
 * exchange, and `readTimeout` from connect to the end of the body; its default is 3 s, too short
 * for a busy SearchMedia. VOD normally answers in well under a second.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

/** The generated vod20170321 client's endpoint map: cn-hangzhou is served from Shanghai. */
const REGION_ENDPOINTS: Record<string, string> = {
	'cn-hangzhou': 'vod.cn-shanghai.aliyuncs.com',
};

export interface VodEndpoint {
	host: string;
	protocol: 'HTTPS' | 'HTTP';
}

/** Host[:port] and protocol from the credential (an Endpoint typed with a scheme decides the protocol). */
export function resolveVodEndpoint(credentials: AlibabaCloudApiCredentials): VodEndpoint {
	let protocol: 'HTTPS' | 'HTTP' = credentials.protocol === 'HTTP' ? 'HTTP' : 'HTTPS';
	let host = (credentials.endpoint ?? '').trim();
	const scheme = /^(https?):\/\//i.exec(host);
	if (scheme) {
		protocol = scheme[1].toLowerCase() === 'http' ? 'HTTP' : 'HTTPS';
		host = host.slice(scheme[0].length);
	}
	host = host.replace(/\/.*$/, '');
	if (!host) {
		const region = (credentials.region || 'cn-shanghai').trim();
		host = REGION_ENDPOINTS[region] ?? `vod.${region}.aliyuncs.com`;
	}
	return { host, protocol };
}

/** Query parameters as the generated SDK sends them: unset and empty values left out, the rest flattened to strings. */
function toQuery(params: object): Record<string, string> {
	const present = Object.fromEntries(
		Object.entries(params).filter(
			([, value]) => value !== undefined && value !== null && value !== '',
		),
	);
	return OpenApiUtil.query(present);
}

function createClient(
	credentials: AlibabaCloudApiCredentials,
	endpoint: VodEndpoint,
	options: VodRequestOptions,
): OpenApi {
	const securityToken = credentials.securityToken?.trim();
	return new OpenApi(
		new $OpenApi.Config({
			accessKeyId: credentials.accessKeyId?.trim(),
			accessKeySecret: credentials.accessKeySecret?.trim(),
			securityToken: securityToken || undefined,
			regionId: credentials.region,
			endpoint: endpoint.host,
			protocol: endpoint.protocol,
			connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
			readTimeout: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
		}),
	);
}

/** Exactly what the generated SDK's `<action>WithOptions` does: one RPC call over `callApi`. */
async function callOnce(
	client: OpenApi,
	action: string,
	params: object,
	options: VodRequestOptions,
): Promise<Record<string, unknown>> {
	const request = new $OpenApi.OpenApiRequest({ query: toQuery(params) });
	const apiParams = new $OpenApi.Params({
		action,
		version: VOD_API_VERSION,
		protocol: 'HTTPS',
		pathname: '/',
		method: 'POST',
		authType: 'AK',
		style: 'RPC',
		reqBodyType: 'formData',
		bodyType: 'json',
	});
	const runtime = {
		connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
		readTimeout: options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
		autoretry: false, // retries are ours: the SDK's own loop knows nothing about idempotency
	};
	const response = (await client.callApi(apiParams, request, runtime as never)) as {
		body?: Record<string, unknown>;
	};
	return response.body ?? {};
}

type Outcome =
	| { ok: true; body: Record<string, unknown> }
	| { ok: false; error: unknown }
	| { ok: false; cancelled: true };

/**
 * One attempt raced against the cancel signal. httpx takes no AbortSignal, so a cancelled call is
 * abandoned (its late answer or error is ignored) rather than torn down.
 */
async function attempt(
	client: OpenApi,
	action: string,
	params: object,
	options: VodRequestOptions,
): Promise<Outcome> {
	const { signal } = options;
	if (signal?.aborted) return { ok: false, cancelled: true };
	const call: Promise<Outcome> = callOnce(client, action, params, options).then(
		(body) => ({ ok: true, body }),
		(error: unknown) => ({ ok: false, error }),
	);
	if (!signal) return await call;
	let onAbort: (() => void) | undefined;
	const cancelled = new Promise<Outcome>((resolve) => {
		onAbort = () => resolve({ ok: false, cancelled: true });
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([call, cancelled]);
	} finally {
		if (onAbort) signal.removeEventListener('abort', onAbort);
	}
}

/**
 * Calls a VOD action with the credential, retrying transient failures (see retry.ts and
 * vod.idempotency.ts). Throws `VodApiError` (redacted, with Code, Message, RequestId, HTTP status and
 * the number of tries) or `VodCancelledError`. The SDK client lives for this call only.
 */
export async function callVodApi<A extends VodAction>(
	credentials: AlibabaCloudApiCredentials,
	action: A,
	params: VodOperations[A][0],
	options: VodRequestOptions = {},
): Promise<VodOperations[A][1]> {
	const secrets = secretsOf(credentials);
	const policy = resolveRetryPolicy(options.retry);
	const idempotent = options.idempotent ?? isIdempotentCall(action, params as Record<string, unknown>);
	const endpoint = resolveVodEndpoint(credentials);
	const client = createClient(credentials, endpoint, options);
	const { logger, signal } = options;

	let retriedAmbiguous = false;
	let failure: VodFailure | undefined;
	let attempts = 0;
	while (attempts < policy.maxAttempts) {
		if (attempts > 0) {
			const delay = backoffDelay(attempts, policy);
			logger?.debug(
				redactText(
					`VOD ${action}: ${failure?.code} (try ${attempts} of ${policy.maxAttempts}), retrying in ${delay} ms`,
					secrets,
				),
			);
			if (!(await sleepUnlessAborted(delay, signal))) throw new VodCancelledError(action);
			if (failure?.outcomeUnknown) retriedAmbiguous = true;
		}
		attempts++;
		const outcome = await attempt(client, action, params, options);
		if (outcome.ok) return outcome.body as unknown as VodOperations[A][1];
		if ('cancelled' in outcome) throw new VodCancelledError(action);
		failure = normalizeSdkError(outcome.error, secrets);
		if (!shouldRetry(failure, idempotent)) break;
	}

	const last = failure!;
	// VOD does not document the code; a refusal naming the SessionId after a lost answer, or saying it
	// was used, means the jobs exist. A malformed SessionId on a first try is an ordinary parameter error.
	const sessionIdReused =
		action === 'UploadMediaByURL' &&
		!last.transient &&
		Boolean((params as Record<string, unknown>).SessionId) &&
		mentionsSessionId(last) &&
		(retriedAmbiguous || /used|already|exist|duplicat|repeat/i.test(last.message));
	const error = new VodApiError({
		action,
		code: last.code,
		message: last.message,
		requestId: last.requestId,
		hostId: last.hostId,
		recommend: last.recommend,
		httpStatus: last.httpStatus,
		attempts,
		// An earlier try that may have run leaves the call's outcome unknown, whatever the last try met.
		outcomeUnknown: last.outcomeUnknown || retriedAmbiguous,
		sessionIdReused: sessionIdReused || undefined,
		hint: sessionIdReused
			? `VOD refused the SessionId because it was used in the last 10 minutes${retriedAmbiguous ? ': an earlier try of this call reached VOD and created the jobs' : ''}. The URLs were not submitted twice; look up their jobs by URL (Job Status) instead of submitting again.`
			: describeVodFailure(action, last, {
					attempts,
					endpoint: `${endpoint.protocol.toLowerCase()}://${endpoint.host}`,
					retriedAmbiguous: retriedAmbiguous || (last.outcomeUnknown && idempotent),
				}),
	});
	logger?.debug(redactText(error.message, secrets));
	throw error;
}
