import type { IHttpRequestOptions } from 'n8n-workflow';

/** `this.helpers.httpRequest` of any n8n context: every VOD and OSS request goes through it. */
export type HttpRequester = (options: IHttpRequestOptions) => Promise<unknown>;

/** What the helper answers with `returnFullResponse`. */
export interface HttpAnswer {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/**
 * Why a 3xx answer to a VOD or OSS request is refused, not followed: neither service redirects its API, and
 * following would send the signed request (STS token, part bytes) to a host the user never named. The Location
 * is named by its host only: its path and query may carry anything.
 */
export class RedirectRefusedError extends Error {
	constructor(
		readonly status: number,
		readonly locationHost: string | undefined,
	) {
		super(
			`answered HTTP ${status}, a redirect ${locationHost ? `to ${locationHost}` : 'without a usable Location'}, which was not followed: a signed request goes to the endpoint only`,
		);
		this.name = 'RedirectRefusedError';
	}
}

function hostOf(location: string | string[] | undefined, requestUrl: string): string | undefined {
	const text = Array.isArray(location) ? location[0] : location;
	if (!text) return undefined;
	try {
		return new URL(text, requestUrl).host || undefined;
	} catch {
		return undefined;
	}
}

/**
 * Sends one signed VOD or OSS request: the whole answer as text whatever its status, never a redirect
 * followed (a 3xx throws RedirectRefusedError). n8n's helper follows redirects unless told not to, and
 * puts the headers back on every hop.
 */
export async function sendSigned(
	http: HttpRequester,
	request: Pick<IHttpRequestOptions, 'method' | 'url' | 'headers' | 'body'>,
	options: { timeoutMs: number; signal?: AbortSignal },
): Promise<HttpAnswer> {
	const answer = (await http({
		...request,
		timeout: options.timeoutMs,
		abortSignal: options.signal,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		encoding: 'text',
		json: false,
	})) as HttpAnswer;
	if (answer.statusCode >= 300 && answer.statusCode < 400) {
		throw new RedirectRefusedError(answer.statusCode, hostOf(answer.headers?.location, request.url));
	}
	return answer;
}

export function isCancellation(error: unknown, signal?: AbortSignal): boolean {
	const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
	return Boolean(signal?.aborted) || code === 'ERR_CANCELED' || name === 'CanceledError' || name === 'AbortError';
}

/**
 * The few fields of a failure that classify it. The helper's error object carries the signed request
 * (STS token header included), so it never travels further. axios reports its timeout as
 * ECONNABORTED "timeout of N ms exceeded".
 */
export function transportFailure(error: unknown): { code?: string; message: string; timedOut: boolean } {
	const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
	const text = typeof message === 'string' ? message : String(error);
	const systemCode = typeof code === 'string' ? code : undefined;
	const timedOut = (systemCode === 'ECONNABORTED' && /timeout/i.test(text)) || systemCode === 'ETIMEDOUT';
	return { code: systemCode, message: text, timedOut };
}
