import { chunk, lookUpInBatches, mapWithConcurrency } from '../../helpers/batching';
import { classifyStatus, STATUS_BATCH_SIZE } from '../../helpers/jobStatus';
import { sameUrl } from '../../helpers/sourceUrl';
import { getUrlUploadInfos } from './operations';
import type { URLUploadInfo, VodContext, VodRequestOptions } from './types';

/** GetURLUploadInfos returns at most 100 records a call. */
const MAX_RECORDS = 100;

export type JobLookup = { info: URLUploadInfo } | { missing: true } | { error: unknown };

/**
 * Each asked id's answer from one GetURLUploadInfos reply. Only an id VOD names in NonExists is missing;
 * one it neither lists nor names was not answered (a proxy's or a partial reply), and one listed twice
 * with different statuses was answered both ways: the job's status is unknown, not NOT_FOUND or either
 * status (CreationTime belongs to the job, so it cannot tell the newer record), and the lookup is asked again.
 */
function answersById(
	batch: string[],
	records: URLUploadInfo[],
	nonExists: string[],
): Map<string, JobLookup> {
	const answers = new Map<string, JobLookup>();
	const unanswered = (problem: string) => ({
		error: new Error(`VOD's GetURLUploadInfos answer ${problem}; the job's status is unknown, check again later`),
	});
	for (const info of records) {
		if (!batch.includes(info.JobId)) continue;
		const known = answers.get(info.JobId);
		if (known && 'info' in known && known.info.Status !== info.Status) {
			answers.set(info.JobId, unanswered(`listed this job twice, as ${known.info.Status} and ${info.Status}`));
		} else if (!known) answers.set(info.JobId, { info });
	}
	for (const id of batch) {
		if (answers.has(id)) continue;
		answers.set(id, nonExists.includes(id) ? { missing: true } : unanswered('neither listed this job nor named it in NonExists'));
	}
	return answers;
}

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
				const answers = answersById(batch, response.URLUploadInfoList ?? [], response.NonExists ?? []);
				for (const [id, answer] of answers) found.set(id, answer);
			} catch (error) {
				for (const id of batch) found.set(id, { error });
			}
		},
		options.signal,
	);
	return found;
}

/**
 * The job that speaks for a URL, of two: one that succeeded or is still running beats a failed one
 * (VOD holds, or will hold, the URL's media even if a later submission failed), then the newer one.
 * CreationTime has whole seconds, so a job resubmitted right after its predecessor failed can carry
 * the same time; the rank decides that too.
 */
function current(a: URLUploadInfo | undefined, b: URLUploadInfo) {
	if (!a) return b;
	const [liveA, liveB] = [a, b].map((info) => classifyStatus(info.Status) !== 'failed');
	if (liveA !== liveB) return liveB ? b : a;
	const [timeA, timeB] = [a.CreationTime ?? '', b.CreationTime ?? ''];
	return timeB > timeA ? b : a;
}

/**
 * The current job of each URL (see `current`: the newest that did not fail, else the newest; by
 * GetURLUploadInfos with UploadURLs, 10 a call). A call that hits VOD's
 * 100-record cap is asked again URL by URL, so a URL submitted many times cannot hide another's job.
 * `sinceMs` ignores jobs created before it, `ignoreJobIds` these jobs.
 */
export async function lookupJobsByUrl(
	this: VodContext,
	urls: string[],
	concurrency: number,
	options: VodRequestOptions & { sinceMs?: number; ignoreJobIds?: string[] } = {},
): Promise<Map<string, JobLookup>> {
	const { sinceMs, ignoreJobIds = [], ...requestOptions } = options;
	const ask = async (batch: string[]) => {
		const response = await getUrlUploadInfos.call(
			this,
			{ UploadURLs: batch.map((url) => encodeURIComponent(url)).join(',') },
			requestOptions,
		);
		const records = response.URLUploadInfoList ?? [];
		return { records, full: records.length >= MAX_RECORDS };
	};
	const answer = (url: string, records: URLUploadInfo[]): JobLookup => {
		let best: URLUploadInfo | undefined;
		for (const info of records) {
			if (!sameUrl(url, info.UploadURL ?? '') || ignoreJobIds.includes(info.JobId)) continue;
			const created = info.CreationTime ? Date.parse(info.CreationTime) : Number.NaN;
			if (sinceMs !== undefined && !Number.isNaN(created) && created < sinceMs) continue;
			best = current(best, info);
		}
		return best ? { info: best } : { missing: true };
	};
	return await lookUpInBatches(
		urls,
		STATUS_BATCH_SIZE,
		concurrency,
		ask,
		answer,
		requestOptions.signal,
	);
}
