import type { IHttpRequestOptions } from 'n8n-workflow';

/** `this.helpers.httpRequest` of any n8n context: every VOD and OSS request goes through it. */
export type HttpRequester = (options: IHttpRequestOptions) => Promise<unknown>;

/** What the helper answers with `returnFullResponse`. */
export interface HttpAnswer {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
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
