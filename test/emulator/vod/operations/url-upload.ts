import type { Operation, OperationContext } from '../context';
import { isoSeconds } from '../encoding';
import { errors, VodError } from '../errors';
import { newMedia, videoObjectKey } from '../media';
import type { JobSettings, UploadMetadata, UrlJob } from '../model';
import { DEFAULT_APP_ID, hexId } from '../store';
import { checkMetadata, extensionOf, parseJson, parseUserData, required, splitList } from '../validate';

const MAX_URLS = 20;
const MAX_QUERY = 10;
const MAX_RECORDS = 100;
const SESSION_ID = /^[A-Za-z0-9_-]{1,50}$/;

/**
 * VOD wants each URL encoded before joining with commas; SDK samples send encoded and raw forms
 * alike. One decode maps both to the same URL (a raw URL without `%` is left as it is).
 */
export function normalizeUrl(value: string) {
	const trimmed = value.trim();
	try {
		return decodeURIComponent(trimmed);
	} catch {
		return trimmed;
	}
}

/** An UploadURLs entry as this emulated VOD reads it (JobSettings.urlHandling). */
function readUrl(entry: string, handling: JobSettings['urlHandling']) {
	let url = normalizeUrl(entry);
	while (handling === 'decodeRepeatedly' && normalizeUrl(url) !== url) url = normalizeUrl(url);
	return url;
}

/** The URL in answers: as stored, or (echoAsSent) encoded again as the caller sent it. */
function echoUrl(url: string, handling: JobSettings['urlHandling']) {
	return handling === 'echoAsSent' ? encodeURIComponent(url) : url;
}

/** UploadMetadatas entries keyed by normalised SourceURL; key names matched case- and space-insensitively. */
function metadataByUrl(raw: string | undefined, handling: JobSettings['urlHandling']) {
	const byUrl = new Map<string, UploadMetadata>();
	const parsed = parseJson('UploadMetadatas', raw);
	if (parsed === undefined) return byUrl;
	if (!Array.isArray(parsed)) throw errors.invalidParameter('UploadMetadatas', 'It must be a JSON array.');
	for (const entry of parsed) {
		if (!entry || typeof entry !== 'object') continue;
		const fields: Record<string, string> = {};
		for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
			fields[key.trim().toLowerCase()] = value === null || value === undefined ? '' : String(value);
		}
		const source = fields.sourceurl;
		if (!source) continue;
		const meta: UploadMetadata = {
			Title: fields.title || undefined,
			FileSize: fields.filesize || undefined,
			Description: fields.description || undefined,
			CoverURL: fields.coverurl || undefined,
			CateId: fields.cateid || undefined,
			Tags: fields.tags || undefined,
			TemplateGroupId: fields.templategroupid || undefined,
			WorkflowId: fields.workflowid || undefined,
			FileExtension: fields.fileextension?.replace(/^\./, '') || undefined,
		};
		checkMetadata(meta);
		byUrl.set(readUrl(source, handling), meta);
	}
	return byUrl;
}

/** The decoded last path segment of a URL, or undefined when it cannot be decoded. */
function fileNameOf(url: string): string | undefined {
	try {
		return decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
	} catch {
		return undefined;
	}
}

function checkStorage(ctx: OperationContext) {
	const location = ctx.params.get('StorageLocation');
	if (location !== undefined && location !== ctx.store.storageLocation) {
		throw new VodError('InvalidStorage.NotFound', 'The StorageLocation does not exist.', 404);
	}
}

export const UploadMediaByURL: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const handling = store.jobSettings.urlHandling;
	const urls = required(params, 'UploadURLs')
		.split(',')
		.map((entry) => entry.trim())
		.filter((entry) => entry.length > 0)
		.map((entry) => readUrl(entry, handling));
	if (urls.length === 0) throw errors.missingParameter('UploadURLs');
	if (urls.length > MAX_URLS) {
		throw errors.invalidParameter('UploadURLs', `At most ${MAX_URLS} URLs per request.`);
	}
	for (const url of urls) {
		if (!/^https?:\/\/[^/]+/i.test(url) || !URL.canParse(url)) {
			throw errors.invalidParameter('UploadURLs', `"${url}" is not an http(s) URL.`);
		}
		if (fileNameOf(url) === undefined) {
			throw errors.invalidParameter('UploadURLs', `"${url}" has a malformed %-escape.`);
		}
	}
	const metadata = metadataByUrl(params.get('UploadMetadatas'), handling);
	const userData = params.get('UserData');
	parseUserData(userData);
	checkStorage(ctx);
	const sessionId = params.get('SessionId');
	if (sessionId !== undefined) {
		if (!SESSION_ID.test(sessionId)) throw errors.invalidParameter('SessionId');
		// A reused SessionId is an error and, crucially, creates nothing: a retry after an
		// ambiguous failure can never double-submit.
		if (store.session(caller.accountId, sessionId)) {
			throw errors.invalidParameter('SessionId', 'It was used in the last 10 minutes.');
		}
	}

	// Everything above may refuse the call; nothing below throws, and nothing awaits: the jobs and the
	// SessionId that names them are recorded together, or (refused) nothing is.
	const appId = params.get('AppId') ?? DEFAULT_APP_ID;
	const jobs: UrlJob[] = urls.map((url) => {
		const meta = metadata.get(url) ?? {};
		const ext = (meta.FileExtension ?? extensionOf(url)) || 'mp4';
		const fileName = fileNameOf(url) || 'video';
		const media = newMedia(ctx.state, caller, {
			mediaType: 'video',
			objectKey: videoObjectKey(ext.toLowerCase()),
			title: meta.Title ?? fileName,
			description: meta.Description,
			tags: meta.Tags,
			cateId: meta.CateId ? Number(meta.CateId) : undefined,
			coverUrl: meta.CoverURL,
			appId,
			templateGroupId: meta.TemplateGroupId ?? params.get('TemplateGroupId'),
			userData,
			source: 'url',
			sourceUrl: url,
			fileName,
		});
		const job: UrlJob = {
			jobId: hexId(),
			uploadUrl: url,
			accountId: caller.accountId,
			status: 'PENDING',
			creationTime: Date.now(),
			mediaId: media.mediaId,
			userData,
			metadata: meta,
			appId,
			templateGroupId: media.templateGroupId,
			storageLocation: store.storageLocation,
			sessionId,
		};
		media.jobId = job.jobId;
		store.jobs.set(job.jobId, job);
		return job;
	});
	if (sessionId !== undefined) store.rememberSession(caller.accountId, sessionId, jobs.map((j) => j.jobId));
	ctx.services.jobs.submitted(jobs.map((j) => j.jobId));
	return {
		UploadJobs: jobs.map((job) => ({ JobId: job.jobId, SourceURL: echoUrl(job.uploadUrl, handling) })),
	};
};

function jobInfo(job: UrlJob, handling: JobSettings['urlHandling']) {
	return {
		JobId: job.jobId,
		UploadURL: echoUrl(job.uploadUrl, handling),
		MediaId: job.mediaId,
		Status: job.status,
		CreationTime: isoSeconds(job.creationTime),
		CompleteTime: job.completeTime ? isoSeconds(job.completeTime) : '',
		ErrorCode: job.errorCode ?? '',
		ErrorMessage: job.errorMessage ?? '',
		FileSize: job.fileSize !== undefined ? String(job.fileSize) : '',
		UserData: job.userData ?? '',
	};
}

export const GetURLUploadInfos: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const jobIds = splitList(params.get('JobIds'));
	const infos: UrlJob[] = [];
	const nonExists: string[] = [];
	if (jobIds.length > 0) {
		if (jobIds.length > MAX_QUERY) throw errors.invalidParameter('JobIds', `At most ${MAX_QUERY} JobIds.`);
		for (const id of jobIds) {
			const job = store.jobs.get(id);
			if (job && job.accountId === caller.accountId) infos.push(job);
			else nonExists.push(id);
		}
	} else {
		const raw = params.get('UploadURLs');
		if (raw === undefined) throw errors.missingParameter('JobIds');
		const urls = splitList(raw).map((entry) => readUrl(entry, store.jobSettings.urlHandling));
		if (urls.length > MAX_QUERY) {
			throw errors.invalidParameter('UploadURLs', `At most ${MAX_QUERY} URLs.`);
		}
		// one pass over the stored jobs per call (none for JobIds): benchmarks ask about thousands of jobs
		const byUrl = new Map<string, UrlJob[]>(urls.map((url) => [url, []]));
		for (const job of store.jobs.values()) {
			if (job.accountId === caller.accountId) byUrl.get(job.uploadUrl)?.push(job);
		}
		for (const url of urls) {
			const found = byUrl.get(url) ?? [];
			if (found.length === 0) nonExists.push(url);
			infos.push(...found);
		}
	}
	return {
		NonExists: nonExists,
		URLUploadInfoList: infos.slice(0, MAX_RECORDS).map((job) => jobInfo(job, store.jobSettings.urlHandling)),
	};
};

export const CancelUrlUploadJobs: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const jobIds = splitList(params.get('JobIds'));
	const urls = splitList(params.get('UploadUrls') ?? params.get('UploadURLs')).map(normalizeUrl);
	if (jobIds.length === 0 && urls.length === 0) throw errors.missingParameter('JobIds');
	const canceled: string[] = [];
	const nonExists: string[] = [];
	const cancel = (job: UrlJob) => {
		if (job.status !== 'PENDING') return;
		job.status = 'CANCELED';
		job.completeTime = Date.now();
		const media = store.media.get(job.mediaId);
		if (media) store.deleteMedia(media.mediaId);
		canceled.push(job.jobId);
	};
	for (const id of jobIds) {
		const job = store.jobs.get(id);
		if (job && job.accountId === caller.accountId) cancel(job);
		else nonExists.push(id);
	}
	for (const url of urls) {
		const found = [...store.jobs.values()].filter(
			(job) => job.accountId === caller.accountId && job.uploadUrl === url,
		);
		if (found.length === 0) nonExists.push(url);
		found.forEach(cancel);
	}
	return { CanceledJobs: canceled, NonExists: nonExists };
};
