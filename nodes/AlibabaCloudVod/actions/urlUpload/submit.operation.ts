import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { chunkApart, groupBy, mapWithConcurrency, sessionIdFor } from '../../helpers/batching';
import { wholeNumberOption } from '../../helpers/numberOptions';
import {
	errorItem,
	inputProblem,
	ItemInputError,
	itemError,
	itemList,
	withRunSoFar,
} from '../../helpers/items';
import { classifyStatus, jobFields } from '../../helpers/jobStatus';
import { lookupJobsByUrl, type JobLookup } from '../../transport/vod/jobLookup';
import { lookupMediaByTag } from '../../transport/vod/mediaLookup';
import { checkSourceKey, sourceKeyTag } from '../../helpers/sourceKey';
import { canonicalUrl, isSignedUrl, looseUrlKey, urlKey } from '../../helpers/sourceUrl';
import {
	buildUserData,
	checkDescription,
	checkTags,
	checkText,
	LIMITS,
} from '../../helpers/metadataValidation';
import {
	checkExtension,
	checkHttpUrl,
	parseSourceUrl,
	titleFromUrl,
} from '../../helpers/urlValidation';
import { isSessionIdReused, vodErrorDetails } from '../../transport/vod/request';
import { uploadMediaByUrl } from '../../transport/vod/operations';
import type { UploadJob, URLUploadInfo } from '../../transport/vod/types';

/** UploadMediaByURL takes at most 20 URLs per call. */
export const SUBMIT_BATCH_SIZE = 20;
const PARALLEL_CALLS = { min: 1, max: 20, fallback: 4 };
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
				default: 4,
				description: 'How many UploadMediaByURL calls (of up to 20 URLs each) run at once',
			},
			{
				displayName: 'Skip Already Submitted',
				name: 'skipAlreadySubmitted',
				type: 'boolean',
				// n8n checks an expression's value at getNodeParameter: 'true' is read as true, 'yes' refused
				validateType: 'boolean',
				default: false,
				description:
					'Whether to ask VOD first (GetURLUploadInfos, 10 URLs a call) and not submit a URL that already has a job that did not fail; such items come out with skipped: true and the existing job. A URL whose job failed is submitted again. Read per item, so an expression can ask only for the sources an interrupted run may have sent. Signed URLs change on every request: set Source Key for them. Needs cn-shanghai or ap-southeast-1.',
			},
			{
				displayName: 'Source Key',
				name: 'sourceKey',
				type: 'string',
				default: '',
				placeholder: "e.g. {{ $('Search Media in Account A').item.json.VideoId }}",
				description:
					'A stable ID of the source, for URLs that change on every request (signed OSS, S3 or CDN URLs): the new media is tagged with it, items with the same key in one run are submitted once, and Skip Already Submitted skips a key VOD already has media for (SearchMedia)',
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
	sourceKey?: string;
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
	/** the failed job or media (found by Skip Already Submitted) this submission replaces */
	replaces?: Replaced;
	/** Skip Already Submitted, read per item: look the source up before submitting it */
	lookUpFirst: boolean;
	/** Options → Source Key, and the tag that carries it on the media (helpers/sourceKey.ts) */
	sourceKey?: { key: string; tag: string };
}

/** What a resubmission replaces, as output: replacesJobId or replacesVideoId. */
type Replaced = { replacesJobId: string } | { replacesVideoId: string };

function replacedId(replaced: Replaced) {
	return 'replacesJobId' in replaced ? replaced.replacesJobId : replaced.replacesVideoId;
}

type Outcome =
	| { kind: 'submitted'; job: UploadJob; requestId: string; replaces?: Replaced }
	| { kind: 'recovered'; info: URLUploadInfo; requestId: string; replaces?: Replaced }
	| { kind: 'skipped'; existingJob: IDataObject }
	| { kind: 'skippedByKey'; existingMedia: IDataObject }
	| { kind: 'failed'; error: unknown; batch: number[]; mayExist?: boolean; call?: string };

/** Name the lookups of Skip Already Submitted, for their failures. */
const SKIP_LOOKUP = 'GetURLUploadInfos (Skip Already Submitted)';
const KEY_LOOKUP = 'SearchMedia (Skip Already Submitted, Source Key)';

const SIGNED_URL_WARNING =
	'This URL is signed: its query changes every time it is issued, and VOD finds jobs only by their exact URL, so Skip Already Submitted cannot recognise this file on a re-run. Set Options → Source Key to a stable ID of the source (e.g. its VideoId in the source account).';

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
	wholeNumberOption('Parallel Calls', options.parallelCalls, PARALLEL_CALLS);

	const fileExtension = String(options.fileExtension ?? '');
	checkExtension(url, fileExtension);

	const title =
		checkText('Title', ctx.getNodeParameter('title', itemIndex, ''), LIMITS.titleBytes) ??
		titleFromUrl(url);

	const metadata: IDataObject = { Title: title };
	const description = checkDescription(options.description);
	if (description) metadata.Description = description;
	const key = checkSourceKey(options.sourceKey);
	const sourceKey = key === undefined ? undefined : { key, tag: sourceKeyTag(key) };
	const tags = checkTags(options.tags ?? '', sourceKey?.tag);
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
	return { itemIndex, url: canonicalUrl(url.href), title, metadata, perCall, sourceKey, lookUpFirst };
}

/** The node's own options, read from an item that passed readSource (which checked them). */
function ownOptions(ctx: IExecuteFunctions, itemIndex: number) {
	const options = ctx.getNodeParameter('options', itemIndex, {}) as SubmitOptions;
	return {
		parallelCalls: wholeNumberOption('Parallel Calls', options.parallelCalls, PARALLEL_CALLS),
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

/** What makes two items one source: the Source Key when given, else the canonical URL. */
function identityOf(source: Source) {
	return source.sourceKey ? `key:${source.sourceKey.tag}` : source.url;
}

function hasJob(lookup: JobLookup | undefined) {
	return lookup !== undefined && 'info' in lookup;
}

/**
 * Skip Already Submitted by Source Key: a source whose key tags media that holds (or is pulling) its
 * file is skipped. Returns the sources left to look up by URL; a failed search fails its sources.
 */
async function skipKnownKeys(
	ctx: IExecuteFunctions,
	sources: Source[],
	outcomes: Map<number, Outcome>,
	parallelCalls: number,
): Promise<Source[]> {
	const keyed = sources.filter((source) => source.sourceKey);
	if (!keyed.length) return sources;
	const found = await lookupMediaByTag.call(
		ctx,
		[...new Set(keyed.map((source) => source.sourceKey!.tag))],
		parallelCalls,
	);
	return sources.filter((source) => {
		const lookup = source.sourceKey && found.get(source.sourceKey.tag);
		if (lookup && 'media' in lookup) {
			outcomes.set(source.itemIndex, { kind: 'skippedByKey', existingMedia: lookup.media });
			return false;
		}
		if (lookup && 'error' in lookup) {
			const batch = [source.itemIndex];
			outcomes.set(source.itemIndex, { kind: 'failed', error: lookup.error, batch, call: KEY_LOOKUP });
			return false;
		}
		return true;
	}).map((source) => {
		// Its media failed: the new call replaces it (see sessionIdFor), as a failed job does by URL.
		const lookup = source.sourceKey && found.get(source.sourceKey.tag);
		const failed = lookup && 'missing' in lookup ? lookup.failedVideoId : undefined;
		return failed ? { ...source, replaces: { replacesVideoId: failed } } : source;
	});
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
	const replaced = batch.flatMap((source) => (source.replaces ? [replacedId(source.replaces)] : []));
	// A source with a Source Key counts by its key: a re-run with freshly signed URLs is the same call.
	const identities = batch.map((source, i) => (source.sourceKey ? identityOf(source) : encoded[i]));
	const SessionId = sessionIdFor(
		{
			...request,
			UploadURLs: identities.join(','),
			UploadMetadatas: JSON.stringify(
				batch.map((source, i) => ({ SourceURL: identities[i], ...source.metadata })),
			),
		},
		replaced,
	);
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
				outcomes.set(source.itemIndex, {
					kind: 'submitted',
					job,
					requestId: response.RequestId,
					replaces: source.replaces,
				});
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
		// 10 minutes): find the jobs it created instead of submitting again; the failed jobs it replaces
		// are not among them.
		const found = await lookupJobsByUrl.call(
			ctx,
			batch.map((source) => source.url),
			parallelCalls,
			{ sinceMs: startedAt - SESSION_WINDOW_MS, ignoreJobIds: replaced },
		);
		// A keyed source's earlier try may have had another signed URL: its media carries the key.
		const keyed = batch.filter((source) => source.sourceKey && !hasJob(found.get(source.url)));
		await skipKnownKeys(ctx, keyed, outcomes, parallelCalls);
		for (const source of batch) {
			const lookup = found.get(source.url);
			if (outcomes.get(source.itemIndex)?.kind === 'skippedByKey') continue;
			if (lookup && 'info' in lookup) {
				outcomes.set(source.itemIndex, {
					kind: 'recovered',
					info: lookup.info,
					replaces: source.replaces,
					requestId:
						(error as { context?: { vod?: { RequestId?: string } } }).context?.vod?.RequestId ?? '',
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
							: new ItemInputError(
									'VOD reports this batch as already submitted, so its job may exist, but none was found for the URL yet',
									`Look the URL up with the Job Status node (Look Up By: Source URL), or: ${SKIP_ALREADY_SUBMITTED_FIX}`,
									undefined,
									// the job may show up in a later lookup
									true,
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

	// 2. The same URL twice in one run (in any spelling: the canonical form is compared), or the same
	// Source Key, would create two media assets: submit it once and give the later items the first one's
	// job, marked duplicateOf.
	const firstOf = new Map<string, Source>();
	const duplicateOf = new Map<number, number>();
	const unique: Source[] = [];
	for (const source of sources) {
		const first = firstOf.get(identityOf(source));
		if (first) duplicateOf.set(source.itemIndex, first.itemIndex);
		else {
			firstOf.set(identityOf(source), source);
			unique.push(source);
		}
	}

	if (!sources.length) return results;
	const { parallelCalls } = ownOptions(this, sources[0].itemIndex);
	const outcomes = new Map<number, Outcome>();

	// 3. Skip sources VOD already has media (by Source Key) or a live or finished job (by URL) for, of the
	// items that ask for it: a large migration asks only for the sources an interrupted run may have sent,
	// and so pays no lookup for the rest.
	const asking = unique.filter((source) => source.lookUpFirst);
	const toSubmit = unique.filter((source) => !source.lookUpFirst);
	if (asking.length) {
		const unknown = await skipKnownKeys(this, asking, outcomes, parallelCalls);
		const found = await lookupJobsByUrl.call(
			this,
			unknown.map((source) => source.url),
			parallelCalls,
		);
		for (const source of unknown) {
			const lookup = found.get(source.url);
			if (lookup && 'error' in lookup) {
				outcomes.set(source.itemIndex, {
					kind: 'failed',
					error: lookup.error,
					batch: [source.itemIndex],
					call: SKIP_LOOKUP,
				});
			} else if (lookup && 'info' in lookup && classifyStatus(lookup.info.Status) !== 'failed') {
				outcomes.set(source.itemIndex, { kind: 'skipped', existingJob: jobFields(lookup.info) });
			} else if (lookup && 'info' in lookup) {
				// Every job of it failed: submit again, under a SessionId of its own (see sessionIdFor).
				toSubmit.push({ ...source, replaces: { replacesJobId: lookup.info.JobId } });
			} else {
				toSubmit.push(source);
			}
		}
		// input order, so a re-run of the same items makes the same batches (and SessionIds)
		toSubmit.sort((a, b) => a.itemIndex - b.itemIndex);
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
		if (source.sourceKey) base.sourceKey = source.sourceKey.key;
		if (original !== undefined) base.duplicateOf = original;
		if (source.lookUpFirst && !source.sourceKey && isSignedUrl(source.url)) base.warning = SIGNED_URL_WARNING;

		if (!outcome || outcome.kind === 'failed') {
			const error = outcome?.error ?? new Error('The item was not submitted');
			const what = outcome ? failedCall(outcome) : 'UploadMediaByURL';
			if (!continueOnFail) throw itemError(this, error, i, what);
			results[i] = errorItem(this, error, i, { sourceUrl: source.url }, what);
		} else if (outcome.kind === 'skippedByKey') {
			results[i] = {
				json: {
					...base,
					skipped: true,
					videoId: outcome.existingMedia.videoId as string,
					existingMedia: outcome.existingMedia,
				},
				pairedItem: { item: i },
			};
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
		} else if (outcome.kind === 'recovered') {
			results[i] = { json: { ...base, ...recoveredJob(outcome) }, pairedItem: { item: i } };
		} else {
			const json: IDataObject = {
				...base,
				jobId: outcome.job.JobId,
				requestId: outcome.requestId,
			};
			Object.assign(json, outcome.replaces);
			results[i] = { json, pairedItem: { item: i } };
		}
	}
	return results;
}

/**
 * A job found after VOD refused a SessionId it had seen in the last 10 minutes: an earlier try of this
 * very call created it. Its status says whether it is still good; a failed one cannot be replaced by
 * re-running the same call while the SessionId is remembered, so the item says how to resubmit it.
 */
function recoveredJob(outcome: Extract<Outcome, { kind: 'recovered' }>): IDataObject {
	const job = jobFields(outcome.info);
	const json: IDataObject = {
		jobId: outcome.info.JobId,
		requestId: outcome.requestId,
		recovered: true,
		status: job.status,
		existingJob: job,
		...outcome.replaces,
	};
	if (classifyStatus(outcome.info.Status) === 'failed') {
		json.warning = `This is the job an earlier run submitted within the last 10 minutes, and it failed (${job.status}${job.errorCode ? `, ${String(job.errorCode)}` : ''}). VOD refuses the same call again for 10 minutes (SessionId), so nothing new was submitted. To resubmit failed jobs, run again with Options → Skip Already Submitted on: it submits a URL whose job failed as a new call.`;
	}
	return json;
}

/** The call an item failed in, naming the other items it carried. */
function failedCall(outcome: Extract<Outcome, { kind: 'failed' }>) {
	const others =
		outcome.batch.length > 1 ? ` (the same call carried items ${outcome.batch.join(', ')})` : '';
	return `${outcome.call ?? 'UploadMediaByURL'}${others}`;
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
		if (outcome?.kind === 'submitted' || outcome?.kind === 'recovered') {
			const jobId = outcome.kind === 'submitted' ? outcome.job.JobId : outcome.info.JobId;
			const job = { item: source.itemIndex, sourceUrl: source.url, jobId };
			report.createdJobs.push(original === undefined ? job : { ...job, duplicateOf: original });
		} else if (outcome?.kind === 'failed' && outcome.mayExist) {
			report.mayExistItems.push(source.itemIndex);
		} else if (!outcome) {
			report.notSubmittedItems.push(source.itemIndex);
		}
	}
	return report;
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
	const notes: string[] = [];
	if (mayExistItems.length) notes.push(`Jobs may exist for ${itemList(mayExistItems)}.`);
	if (notSubmittedItems.length) notes.push(`Not sent: ${itemList(notSubmittedItems)}.`);
	notes.push(SKIP_ALREADY_SUBMITTED_FIX);
	return withRunSoFar(error, {
		heading: `This run created ${createdJobs.length} job(s) before it stopped; they are in no output item:`,
		done: createdJobs.map((job) => ({ item: job.item, id: job.jobId, source: job.sourceUrl })),
		doneKey: 'createdJobs',
		notes,
		context: { createdJobs, mayExistItems, notSubmittedItems },
	});
}
