import { sameUrl } from '../../helpers/sourceUrl';
import { vodApiRequest } from './request';
import type {
	URLUploadInfo,
	VodAction,
	VodContext,
	VodOperations,
	VodRequestOptions,
} from './types';

/**
 * One typed wrapper per VOD operation the nodes use. Retry safety per action is decided in
 * `idempotency.ts`; the notes here say what a caller must do to make a call safe to retry.
 * Each is `(this: VodContext, request, options?) => Promise<response>`, called with `.call(this, ...)`.
 */

type VodOperation<A extends VodAction> = (
	this: VodContext,
	request: VodOperations[A][0],
	options?: VodRequestOptions,
) => Promise<VodOperations[A][1]>;

function operation<A extends VodAction>(action: A): VodOperation<A> {
	return async function (this: VodContext, request, options) {
		return await vodApiRequest.call(this, action, request ?? {}, options);
	};
}

/**
 * Pass a SessionId (e.g. derived from execution id + batch index) so that a dropped connection can be
 * retried without submitting the URLs twice. If the retry answers that the SessionId was already used,
 * `VodSessionIdReusedError` is thrown: the first attempt did create jobs; find them with
 * `recoverUrlUploadJobs` (GetURLUploadInfos by URL).
 */
export const uploadMediaByUrl = operation('UploadMediaByURL');

export const getUrlUploadInfos = operation('GetURLUploadInfos');

/** Retried like a read: cancelling twice leaves the same state (a repeat may list a job under NonExists). */
export const cancelUrlUploadJobs = operation('CancelUrlUploadJobs');

/** Retried after an ambiguous failure only when the request carries a ReferenceId. */
export const createUploadVideo = operation('CreateUploadVideo');

export const refreshUploadVideo = operation('RefreshUploadVideo');

/** Not retried after an ambiguous failure (no dedup key; a repeat leaves an empty image record). */
export const createUploadImage = operation('CreateUploadImage');

/** Not retried after an ambiguous failure (no dedup key; a repeat leaves an empty media record). */
export const createUploadAttachedMedia = operation('CreateUploadAttachedMedia');

export const getVideoInfo = operation('GetVideoInfo');

export const getMezzanineInfo = operation('GetMezzanineInfo');

export const getPlayInfo = operation('GetPlayInfo');

export const searchMedia = operation('SearchMedia');

/** Idempotent by nature: registering a file again returns the same MediaId with NewRegister=false. */
export const registerMedia = operation('RegisterMedia');

/** Idempotent by nature: a repeat lists the already deleted ids under NonExistVideoIds. */
export const deleteVideo = operation('DeleteVideo');

/** Idempotent: it sets the same configuration again. */
export const setMessageCallback = operation('SetMessageCallback');

export const getMessageCallback = operation('GetMessageCallback');

/** GetURLUploadInfos takes at most 10 URLs per call. */
const URL_LOOKUP_BATCH = 10;

/**
 * Finds the newest URL-pull job of each URL (GetURLUploadInfos by URL), for recovering the JobIds of
 * a submission whose answer was lost (`VodSessionIdReusedError`). `since` (ISO time) skips older jobs
 * of the same URL; give it a margin for clock skew. URLs without a job are missing from the result.
 */
export async function recoverUrlUploadJobs(
	this: VodContext,
	urls: string[],
	options: VodRequestOptions & { since?: string } = {},
): Promise<Map<string, URLUploadInfo>> {
	const { since, ...requestOptions } = options;
	const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
	const found = new Map<string, URLUploadInfo>();
	for (let start = 0; start < urls.length; start += URL_LOOKUP_BATCH) {
		const batch = urls.slice(start, start + URL_LOOKUP_BATCH);
		const response = await getUrlUploadInfos.call(
			this,
			{ UploadURLs: batch.map((url) => encodeURIComponent(url)).join(',') },
			requestOptions,
		);
		for (const info of response.URLUploadInfoList ?? []) {
			const url = batch.find((candidate) => sameUrl(candidate, info.UploadURL));
			if (!url) continue;
			const created = info.CreationTime ? Date.parse(info.CreationTime) : Number.NaN;
			if (!Number.isNaN(created) && created < sinceMs) continue;
			const known = found.get(url);
			if (!known || (info.CreationTime ?? '') > (known.CreationTime ?? '')) found.set(url, info);
		}
	}
	return found;
}
