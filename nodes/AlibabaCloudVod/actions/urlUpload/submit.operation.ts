import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { chunkApart, groupBy, mapWithConcurrency, sessionIdFor } from '../../helpers/batching';
import { errorItem, inputProblem, ItemInputError, itemError, itemLabel } from '../../helpers/items';
import { classifyStatus, jobFields, lookupJobsByUrl } from '../../helpers/jobStatus';
import { canonicalUrl, looseUrlKey, urlKey } from '../../helpers/sourceUrl';
import {
	buildUserData,
	checkTags,
	checkText,
	derivedTitle,
	LIMITS,
} from '../../helpers/metadataValidation';
import {
	checkExtension,
	checkHttpUrl,
	parseSourceUrl,
	titleFromUrl,
} from '../../helpers/urlValidation';
import { isSessionIdReused, vodErrorDetails } from '../../transport/vod.request';
import { uploadMediaByUrl } from '../../transport/vod.operations';
import type { UploadJob } from '../../transport/vod.types';

/** UploadMediaByURL takes at most 20 URLs per call. */
export const SUBMIT_BATCH_SIZE = 20;
const DEFAULT_PARALLEL_CALLS = 4;
/** VOD remembers a SessionId for 10 minutes; look a little further back when recovering its jobs. */
const SESSION_WINDOW_MS = 11 * 60 * 1000;

const properties: INodeProperties[] = [
	{
		displayName:
			'One input item = one source file. Items are sent 20 URLs per call; VOD then pulls each file on its own schedule (minutes to days). Every submission creates a new media asset, so use the Job Status node to follow up rather than submitting again.',
		name: 'submitNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Source URL',
		name: 'sourceUrl',
		type: 'string',
		required: true,
		default: '={{ $json.url }}',
		placeholder: 'e.g. https://example.com/videos/intro.mp4',
		description:
			'The http(s) URL VOD downloads the audio or video file from. It must stay reachable (and signed URLs valid) until the job finishes.',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
		description:
			'Title of the new media (at most 128 bytes, no emoji; ™ © ® are fine). Empty: the file name from the URL, without emoji and shortened to fit.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'App ID',
				name: 'appId',
				type: 'string',
				default: '',
				placeholder: 'e.g. app-1000000',
				description: 'The VOD application the media belongs to. Empty: the default application.',
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'e.g. https://n8n.example.com/webhook/…/vod',
				description:
					'Send this job’s event notifications (UploadByURLComplete, …) to this URL instead of the account’s callback setting — e.g. the URL of an Alibaba Cloud VOD Trigger',
			},
			{
				displayName: 'Category ID',
				name: 'cateId',
				type: 'string',
				default: '',
				description: 'The ID of the VOD category to put the media in',
			},
			{
				displayName: 'Cover URL',
				name: 'coverUrl',
				type: 'string',
				default: '',
				description: 'URL of a cover image for the media',
			},
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'At most 1024 bytes, no emoji',
			},
			{
				displayName: 'Extend',
				name: 'extend',
				type: 'json',
				default: '{}',
				description:
					'Your own JSON object (at most 512 bytes) that VOD echoes back in the job’s callbacks and status, such as a source reference. VOD takes it per call, so items with different values go in separate calls.',
			},
			{
				displayName: 'File Extension',
				name: 'fileExtension',
				type: 'string',
				default: '',
				placeholder: 'e.g. mp4',
				description:
					'The format of the file, for URLs whose path has no file name extension (such as a download script). Wins over the URL’s extension.',
			},
			{
				displayName: 'Parallel Calls',
				name: 'parallelCalls',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20 },
				default: DEFAULT_PARALLEL_CALLS,
				description: 'How many UploadMediaByURL calls (of up to 20 URLs each) run at once',
			},
			{
				displayName: 'Skip Already Submitted',
				name: 'skipAlreadySubmitted',
				type: 'boolean',
				default: false,
				description:
					'Whether to ask VOD first (GetURLUploadInfos, 10 URLs a call) and not submit a URL that already has a job that did not fail; such items come out with skipped: true and the existing job. Read per item, so an expression can ask only for the sources an interrupted run may have sent. Needs cn-shanghai or ap-southeast-1.',
			},
			{
				displayName: 'Storage Location',
				name: 'storageLocation',
				type: 'string',
				default: '',
				placeholder: 'e.g. outin-xxxxxxxx.oss-cn-shanghai.aliyuncs.com',
				description: 'The VOD storage bucket address. Empty: the default storage.',
			},
			{
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				placeholder: 'e.g. course,2024',
				description: 'Comma-separated, at most 16 tags of at most 32 bytes each, no emoji',
			},
			{
				displayName: 'Template Group ID',
				name: 'templateGroupId',
				type: 'string',
				default: '',
				description: 'The transcoding template group to apply. Empty: the default group.',
			},
			{
				displayName: 'Workflow ID',
				name: 'workflowId',
				type: 'string',
				default: '',
				description: 'A VOD workflow to run on the media; wins over Template Group ID',
			},
		],
	},
];

const displayOptions = { show: { resource: ['urlUpload'], operation: ['submit'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface SubmitOptions {
	appId?: string;
	callbackUrl?: string;
	cateId?: string;
	coverUrl?: string;
	description?: string;
	extend?: unknown;
	fileExtension?: string;
	parallelCalls?: number;
	skipAlreadySubmitted?: boolean;
	storageLocation?: string;
	tags?: string;
	templateGroupId?: string;
	workflowId?: string;
}

/** A validated item, ready to send. */
interface Source {
	itemIndex: number;
	url: string; // canonical (helpers/sourceUrl.ts): sent to VOD, compared with every URL VOD answers
	title: string;
	metadata: IDataObject; // one UploadMetadatas element, without SourceURL
	perCall: { StorageLocation?: string; AppId?: string; UserData?: string };
	/** Skip Already Submitted, read per item: look the URL up before submitting it */
	lookUpFirst: boolean;
}

type Outcome =
	| { kind: 'submitted'; job: UploadJob; requestId: string; recovered?: boolean }
	| { kind: 'skipped'; existingJob: IDataObject }
	| { kind: 'failed'; error: unknown; batch: number[]; mayExist?: boolean };

const SKIP_ALREADY_SUBMITTED_FIX =
	'Re-run the same input with Options → Skip Already Submitted on: it finds the jobs VOD has, outputs them with skipped: true and submits only the rest. Submitting again without it creates them a second time.';

/**
 * A failure after which the batch's jobs may exist in VOD (its answer was lost, or VOD had seen its
 * SessionId): say so and how to recover, and keep the cause's message, advice and code.
 */
function jobsMayExist(what: string, cause: unknown): ItemInputError {
	const message = cause instanceof Error ? cause.message : String(cause);
	const advice = (cause as { description?: string | null })?.description;
	return new ItemInputError(
		`${what}, so the jobs may exist in VOD: ${message}`,
		advice ? `${SKIP_ALREADY_SUBMITTED_FIX} (${advice})` : SKIP_ALREADY_SUBMITTED_FIX,
		(cause as { context?: IDataObject })?.context,
	);
}

function readSource(ctx: IExecuteFunctions, itemIndex: number): Source {
	const raw = ctx.getNodeParameter('sourceUrl', itemIndex, '') as string;
	const url = parseSourceUrl(raw);
	const options = ctx.getNodeParameter('options', itemIndex, {}) as SubmitOptions;

	const fileExtension = String(options.fileExtension ?? '');
	checkExtension(url, fileExtension);

	const titleParam = String(ctx.getNodeParameter('title', itemIndex, '') ?? '').trim();
	const title = titleParam
		? (checkText('Title', titleParam, LIMITS.titleBytes) as string)
		: derivedTitle(titleFromUrl(url), url.hostname);

	const metadata: IDataObject = { Title: title };
	const description = checkText('Description', options.description, LIMITS.descriptionBytes);
	if (description) metadata.Description = description;
	const tags = checkTags(options.tags);
	if (tags) metadata.Tags = tags;
	if (options.cateId) {
		if (!/^\d+$/.test(String(options.cateId).trim())) {
			throw inputProblem(
				`Category ID "${options.cateId}" is not a number`,
				'Use the numeric category ID shown in the VOD console (Configuration → Categories)',
			);
		}
		metadata.CateId = String(options.cateId).trim();
	}
	if (options.coverUrl) metadata.CoverURL = checkHttpUrl('Cover URL', options.coverUrl);
	if (fileExtension.trim())
		metadata.FileExtension = fileExtension.trim().replace(/^\./, '').toLowerCase();
	// VOD takes these per URL inside UploadMetadatas, so they do not split batches.
	if (options.templateGroupId) metadata.TemplateGroupId = options.templateGroupId.trim();
	if (options.workflowId) metadata.WorkflowId = options.workflowId.trim();

	const userData = buildUserData(options.callbackUrl, options.extend);

	const perCall: Source['perCall'] = {};
	if (options.storageLocation) perCall.StorageLocation = options.storageLocation.trim();
	if (options.appId) perCall.AppId = options.appId.trim();
	if (userData) perCall.UserData = userData;

	const lookUpFirst = options.skipAlreadySubmitted === true;
	return { itemIndex, url: canonicalUrl(url.href), title, metadata, perCall, lookUpFirst };
}

function ownOptions(ctx: IExecuteFunctions) {
	const options = ctx.getNodeParameter('options', 0, {}) as SubmitOptions;
	return {
		parallelCalls: Math.max(
			1,
			Math.min(20, Number(options.parallelCalls) || DEFAULT_PARALLEL_CALLS),
		),
	};
}

/**
 * VOD answers one job per URL, in order. Each job goes to one source at most: the source whose URL it
 * echoes (canonical form, then the loose form, unique within a call: see step 4 of `execute`), else the
 * source at its position.
 */
function jobsOfBatch(batch: Source[], jobs: UploadJob[]): Array<UploadJob | undefined> {
	const taken = new Set<number>();
	const assigned: Array<UploadJob | undefined> = new Array(batch.length);
	const assign = (keyOf: (url: string) => string) =>
		batch.forEach((source, i) => {
			if (assigned[i]) return;
			const key = keyOf(source.url);
			const j = jobs.findIndex(
				(job, index) => !taken.has(index) && keyOf(job.SourceURL ?? '') === key,
			);
			if (j < 0) return;
			taken.add(j);
			assigned[i] = jobs[j];
		});
	assign(urlKey);
	assign(looseUrlKey);
	batch.forEach((_source, i) => {
		if (assigned[i] || taken.has(i) || !jobs[i]) return;
		taken.add(i);
		assigned[i] = jobs[i];
	});
	return assigned;
}

/** Submits one batch (≤20 URLs sharing the per-call parameters); every source gets an outcome. */
async function submitBatch(
	ctx: IExecuteFunctions,
	batch: Source[],
	outcomes: Map<number, Outcome>,
	parallelCalls: number,
) {
	const encoded = batch.map((source) => encodeURIComponent(source.url));
	const metadatas = batch.map((source, i) => ({ SourceURL: encoded[i], ...source.metadata }));
	const request = {
		UploadURLs: encoded.join(','),
		UploadMetadatas: JSON.stringify(metadatas),
		...batch[0].perCall,
	};
	const SessionId = sessionIdFor(request);
	const indexes = batch.map((source) => source.itemIndex);
	const startedAt = Date.now();
	try {
		const response = await uploadMediaByUrl.call(
			ctx,
			{ ...request, SessionId },
			{ itemIndex: indexes[0] },
		);
		const jobs = jobsOfBatch(batch, response.UploadJobs ?? []);
		batch.forEach((source, i) => {
			const job = jobs[i];
			if (job?.JobId) {
				outcomes.set(source.itemIndex, { kind: 'submitted', job, requestId: response.RequestId });
			} else {
				outcomes.set(source.itemIndex, {
					kind: 'failed',
					batch: [source.itemIndex],
					error: inputProblem(
						`VOD accepted the call (RequestId ${response.RequestId}) but returned no job for ${source.url}`,
						'Check the URL in the VOD console (Media Files → Audio/Video) before submitting it again',
					),
				});
			}
		});
	} catch (error) {
		if (!isSessionIdReused(error)) {
			const mayExist = vodErrorDetails(error)?.outcomeUnknown === true;
			const failure = mayExist
				? jobsMayExist('The answer of UploadMediaByURL was lost (VOD may have run it)', error)
				: error;
			for (const index of indexes) {
				outcomes.set(index, { kind: 'failed', error: failure, batch: indexes, mayExist });
			}
			return;
		}
		// An earlier attempt of this very batch reached VOD (its answer was lost, or this is a re-run within
		// 10 minutes): find the jobs it created instead of submitting again.
		const found = await lookupJobsByUrl.call(
			ctx,
			batch.map((source) => source.url),
			parallelCalls,
			{ sinceMs: startedAt - SESSION_WINDOW_MS },
		);
		for (const source of batch) {
			const lookup = found.get(source.url);
			if (lookup && 'info' in lookup) {
				outcomes.set(source.itemIndex, {
					kind: 'submitted',
					job: { JobId: lookup.info.JobId, SourceURL: lookup.info.UploadURL },
					requestId:
						(error as { context?: { vod?: { RequestId?: string } } }).context?.vod?.RequestId ?? '',
					recovered: true,
				});
			} else {
				outcomes.set(source.itemIndex, {
					kind: 'failed',
					batch: [source.itemIndex],
					mayExist: true,
					error:
						lookup && 'error' in lookup
							? jobsMayExist(
									'VOD had already received this batch (an earlier try reached it) and looking up its jobs failed',
									lookup.error,
								)
							: inputProblem(
									'VOD reports this batch as already submitted, so its job may exist, but none was found for the URL yet',
									`Look the URL up with the Job Status node (Look Up By: Source URL), or: ${SKIP_ALREADY_SUBMITTED_FIX}`,
								),
				});
			}
		}
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const continueOnFail = this.continueOnFail();
	const results: INodeExecutionData[] = new Array(items.length);
	const sources: Source[] = [];
	// As given (a number, list or object too), so the error item shows what the item really held.
	const sourceUrlOf = (i: number) => {
		try {
			return (this.getNodeParameter('sourceUrl', i, '') ?? null) as IDataObject[string];
		} catch {
			return '';
		}
	};

	// 1. Validate every item before any call: a bad item is never sent.
	for (let i = 0; i < items.length; i++) {
		try {
			sources.push(readSource(this, i));
		} catch (error) {
			if (!continueOnFail) throw itemError(this, error, i);
			results[i] = errorItem(this, error, i, { sourceUrl: sourceUrlOf(i) });
		}
	}

	// 2. The same URL twice in one run (in any spelling: the canonical form is compared) would create two
	// media assets: submit it once and give the later items the first one's job, marked duplicateOf.
	const firstOf = new Map<string, Source>();
	const duplicateOf = new Map<number, number>();
	const unique: Source[] = [];
	for (const source of sources) {
		const first = firstOf.get(source.url);
		if (first) duplicateOf.set(source.itemIndex, first.itemIndex);
		else {
			firstOf.set(source.url, source);
			unique.push(source);
		}
	}

	const { parallelCalls } = ownOptions(this);
	const outcomes = new Map<number, Outcome>();

	// 3. Skip URLs VOD already has a live or finished job for (of the items that ask for it: a large
	// migration asks only for the sources an interrupted run may have sent, and so pays no lookup for the rest).
	const toLookUp = unique.filter((source) => source.lookUpFirst);
	let toSubmit = unique;
	if (toLookUp.length) {
		const found = await lookupJobsByUrl.call(
			this,
			toLookUp.map((source) => source.url),
			parallelCalls,
		);
		toSubmit = [];
		for (const source of unique) {
			const lookup = source.lookUpFirst ? found.get(source.url) : undefined;
			if (lookup && 'error' in lookup) {
				outcomes.set(source.itemIndex, {
					kind: 'failed',
					error: lookup.error,
					batch: [source.itemIndex],
				});
			} else if (lookup && 'info' in lookup && classifyStatus(lookup.info.Status) !== 'failed') {
				outcomes.set(source.itemIndex, { kind: 'skipped', existingJob: jobFields(lookup.info) });
			} else {
				toSubmit.push(source);
			}
		}
	}

	// 4. Batches of ≤20 URLs that share the per-call parameters (StorageLocation, AppId, UserData). Two
	// URLs that differ only in an encoded reserved character (x%2Cy, x,y) go in different calls, so no
	// decoding of the comma-separated UploadURLs can make one call's answers ambiguous.
	// Without Continue On Fail a failure stops the node: no batch starts after one failed (those already
	// under way finish), and the error names every job this run created (step 5).
	const batches = groupBy(toSubmit, (source) => JSON.stringify(source.perCall)).flatMap((group) =>
		chunkApart(group, SUBMIT_BATCH_SIZE, (source) => looseUrlKey(source.url)),
	);
	const stop = new AbortController();
	const failed = (source: Source) => outcomes.get(source.itemIndex)?.kind === 'failed';
	if (!continueOnFail && unique.some(failed)) stop.abort();
	await mapWithConcurrency(
		batches,
		parallelCalls,
		async (batch) => {
			await submitBatch(this, batch, outcomes, parallelCalls);
			if (!continueOnFail && batch.some(failed)) stop.abort();
		},
		stop.signal,
	);

	// 5. Without Continue On Fail the first failed item stops the node; the error names what the run did.
	if (!continueOnFail) {
		const first = sources.find(failed);
		const outcome = first && outcomes.get(first.itemIndex);
		if (first && outcome?.kind === 'failed') {
			const error = itemError(this, outcome.error, first.itemIndex, failedCall(outcome));
			throw withRunReport(error, runReport(sources, duplicateOf, outcomes));
		}
	}

	// 6. One output item per input item, in order.
	const sourceByIndex = new Map(sources.map((source) => [source.itemIndex, source]));
	for (let i = 0; i < items.length; i++) {
		if (results[i]) continue;
		const source = sourceByIndex.get(i)!;
		const original = duplicateOf.get(i);
		const outcome = outcomes.get(original ?? i);
		const base: IDataObject = { ...items[i].json, sourceUrl: source.url, title: source.title };
		if (original !== undefined) base.duplicateOf = original;

		if (!outcome || outcome.kind === 'failed') {
			const error = outcome?.error ?? new Error('The item was not submitted');
			const what = outcome ? failedCall(outcome) : 'UploadMediaByURL';
			if (!continueOnFail) throw itemError(this, error, i, what);
			results[i] = errorItem(this, error, i, { sourceUrl: source.url }, what);
		} else if (outcome.kind === 'skipped') {
			results[i] = {
				json: {
					...base,
					jobId: outcome.existingJob.jobId as string,
					skipped: true,
					existingJob: outcome.existingJob,
				},
				pairedItem: { item: i },
			};
		} else {
			const json: IDataObject = {
				...base,
				jobId: outcome.job.JobId,
				requestId: outcome.requestId,
			};
			if (outcome.recovered) json.recovered = true;
			results[i] = { json, pairedItem: { item: i } };
		}
	}
	return results;
}

/** The call an item failed in, naming the other items it carried. */
function failedCall(outcome: Extract<Outcome, { kind: 'failed' }>) {
	const others =
		outcome.batch.length > 1 ? ` (the same call carried items ${outcome.batch.join(', ')})` : '';
	return `UploadMediaByURL${others}`;
}

/** What a stopped run leaves behind: jobs created, jobs that may exist, items never sent. */
interface RunReport {
	createdJobs: Array<{ item: number; sourceUrl: string; jobId: string; duplicateOf?: number }>;
	mayExistItems: number[];
	notSubmittedItems: number[];
}

function runReport(
	sources: Source[],
	duplicateOf: Map<number, number>,
	outcomes: Map<number, Outcome>,
): RunReport {
	const report: RunReport = { createdJobs: [], mayExistItems: [], notSubmittedItems: [] };
	for (const source of sources) {
		const original = duplicateOf.get(source.itemIndex);
		const outcome = outcomes.get(original ?? source.itemIndex);
		if (outcome?.kind === 'submitted') {
			const job = { item: source.itemIndex, sourceUrl: source.url, jobId: outcome.job.JobId };
			report.createdJobs.push(original === undefined ? job : { ...job, duplicateOf: original });
		} else if (outcome?.kind === 'failed' && outcome.mayExist) {
			report.mayExistItems.push(source.itemIndex);
		} else if (!outcome) {
			report.notSubmittedItems.push(source.itemIndex);
		}
	}
	return report;
}

/** Enough lines to act on in n8n's error view; the full list stays in the error's context. */
const LISTED_JOBS = 100;

function itemList(items: number[]) {
	return items.map((item) => itemLabel(item).slice(1, -1)).join(', ');
}

/**
 * The thrown error of a stopped Submit also names what the run did, so no created job is lost: the jobs
 * (item, JobId, URL) in the description and, complete, in `context.createdJobs`.
 */
function withRunReport<E extends Error & { description?: string | null; context: IDataObject }>(
	error: E,
	report: RunReport,
): E {
	const { createdJobs, mayExistItems, notSubmittedItems } = report;
	if (!createdJobs.length && !mayExistItems.length) return error;
	const lines: string[] = [];
	if (createdJobs.length) {
		lines.push(
			`This run created ${createdJobs.length} job(s) before it stopped; they are in no output item:`,
			...createdJobs
				.slice(0, LISTED_JOBS)
				.map((job) => `${itemLabel(job.item)} ${job.jobId} ${job.sourceUrl}`),
		);
		if (createdJobs.length > LISTED_JOBS) {
			lines.push(
				`… and ${createdJobs.length - LISTED_JOBS} more (all are in this error's context, createdJobs).`,
			);
		}
	}
	if (mayExistItems.length) lines.push(`Jobs may exist for ${itemList(mayExistItems)}.`);
	if (notSubmittedItems.length) lines.push(`Not sent: ${itemList(notSubmittedItems)}.`);
	lines.push(SKIP_ALREADY_SUBMITTED_FIX);
	error.description = [error.description, lines.join('\n')].filter(Boolean).join('\n\n');
	error.context = { ...error.context, createdJobs, mayExistItems, notSubmittedItems };
	return error;
}
