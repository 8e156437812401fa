import type { IDataObject } from 'n8n-workflow';

import { getUrlUploadInfos } from '../transport/vod/operations';
import type { URLUploadInfo, VodContext, VodRequestOptions } from '../transport/vod/types';
import { chunk, mapWithConcurrency } from './batching';
import { sameUrl } from './sourceUrl';

/** GetURLUploadInfos takes at most 10 JobIds or 10 URLs per call and returns at most 100 records. */
export const STATUS_BATCH_SIZE = 10;
const MAX_RECORDS = 100;

export type JobOutcome = 'succeeded' | 'failed' | 'running';

/**
 * SUCCESS is the only final success ("job succeeded and callback done"); UPLOAD_SUCCESS is a step on the
 * way. *_FAIL are final failures; so is a cancelled job. Anything else (PENDING, PROCESSING, DOWNLOADING,
 * DOWNLOAD_SUCCESS, UPLOADING, UPLOAD_SUCCESS, or a status VOD adds later) is still running.
 */
export function classifyStatus(status: string | undefined): JobOutcome {
	const value = (status ?? '').toUpperCase();
	if (value === 'SUCCESS') return 'succeeded';
	if (/(^|_)FAIL(ED|URE)?$/.test(value) || value === 'CANCELED' || value === 'CANCELLED')
		return 'failed';
	return 'running';
}

function parseUserData(raw: string | undefined): IDataObject | string | undefined {
	if (!raw) return undefined;
	try {
		const parsed = JSON.parse(raw) as unknown;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
			const data = parsed as IDataObject;
			// VOD documents the nested values both as objects and as JSON strings.
			for (const key of ['Extend', 'MessageCallback'] as const) {
				if (typeof data[key] === 'string') {
					try {
						data[key] = JSON.parse(data[key] as string) as IDataObject;
					} catch {
						// keep the string
					}
				}
			}
			return data;
		}
		return raw;
	} catch {
		return raw;
	}
}

/** The job as the nodes output it: VOD's fields in camelCase, FileSize as a number. */
export function jobFields(info: URLUploadInfo): IDataObject {
	const size =
		info.FileSize !== undefined && info.FileSize !== '' ? Number(info.FileSize) : undefined;
	const fields: IDataObject = {
		jobId: info.JobId,
		sourceUrl: info.UploadURL,
		status: info.Status,
		mediaId: info.MediaId || null,
		fileSize: size !== undefined && Number.isFinite(size) ? size : null,
		creationTime: info.CreationTime || null,
		completeTime: info.CompleteTime || null,
		errorCode: info.ErrorCode || null,
		errorMessage: info.ErrorMessage || null,
	};
	const userData = parseUserData(info.UserData);
	if (userData !== undefined) fields.userData = userData;
	return fields;
}

export type JobLookup = { info: URLUploadInfo } | { missing: true } | { error: unknown };

/** GetURLUploadInfos by JobIds, 10 a call, `concurrency` calls at once; every id gets an answer. */
export async function lookupJobsById(
	this: VodContext,
	jobIds: string[],
	concurrency: number,
	options: VodRequestOptions = {},
): Promise<Map<string, JobLookup>> {
	const found = new Map<string, JobLookup>();
	await mapWithConcurrency(
		chunk(jobIds, STATUS_BATCH_SIZE),
		concurrency,
		async (batch) => {
			try {
				const response = await getUrlUploadInfos.call(this, { JobIds: batch.join(',') }, options);
				for (const info of response.URLUploadInfoList ?? []) {
					if (batch.includes(info.JobId)) found.set(info.JobId, { info });
				}
				for (const id of batch) if (!found.has(id)) found.set(id, { missing: true });
			} catch (error) {
				for (const id of batch) found.set(id, { error });
			}
		},
		options.signal,
	);
	return found;
}

function newest(a: URLUploadInfo | undefined, b: URLUploadInfo) {
	if (!a) return b;
	return (b.CreationTime ?? '') > (a.CreationTime ?? '') ? b : a;
}

/**
 * The newest job of each URL (GetURLUploadInfos by UploadURLs, 10 a call). A call that hits VOD's
 * 100-record cap is asked again URL by URL, so a URL submitted many times cannot hide another's job.
 * `sinceMs` ignores jobs created before it.
 */
export async function lookupJobsByUrl(
	this: VodContext,
	urls: string[],
	concurrency: number,
	options: VodRequestOptions & { sinceMs?: number } = {},
): Promise<Map<string, JobLookup>> {
	const { sinceMs, ...requestOptions } = options;
	const found = new Map<string, JobLookup>();
	const ask = async (batch: string[]) => {
		const response = await getUrlUploadInfos.call(
			this,
			{ UploadURLs: batch.map((url) => encodeURIComponent(url)).join(',') },
			requestOptions,
		);
		return response.URLUploadInfoList ?? [];
	};
	const settle = (batch: string[], list: URLUploadInfo[]) => {
		for (const url of batch) {
			let best: URLUploadInfo | undefined;
			for (const info of list) {
				if (!sameUrl(url, info.UploadURL ?? '')) continue;
				const created = info.CreationTime ? Date.parse(info.CreationTime) : Number.NaN;
				if (sinceMs !== undefined && !Number.isNaN(created) && created < sinceMs) continue;
				best = newest(best, info);
			}
			found.set(url, best ? { info: best } : { missing: true });
		}
	};
	await mapWithConcurrency(
		chunk(urls, STATUS_BATCH_SIZE),
		concurrency,
		async (batch) => {
			try {
				const list = await ask(batch);
				if (list.length >= MAX_RECORDS && batch.length > 1) {
					for (const url of batch) settle([url], await ask([url]));
				} else {
					settle(batch, list);
				}
			} catch (error) {
				for (const url of batch) found.set(url, { error });
			}
		},
		requestOptions.signal,
	);
	return found;
}
