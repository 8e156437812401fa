import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { chunk, mapWithConcurrency } from '../../helpers/batching';
import { errorItem, itemError } from '../../helpers/items';
import { checkJobId, jobFields } from '../../helpers/jobStatus';
import { lookupJobsByUrl, type JobLookup } from '../../transport/vod/jobLookup';
import { canonicalUrl } from '../../helpers/sourceUrl';
import { parseSourceUrl } from '../../helpers/urlValidation';
import { cancelUrlUploadJobs } from '../../transport/vod/operations';

/** Job ids per CancelUrlUploadJobs call (VOD's QPS for it is 50; keep calls few and small). */
const CANCEL_BATCH_SIZE = 10;
const PARALLEL_CALLS = 2;

const properties: INodeProperties[] = [
	{
		displayName:
			'Only jobs still waiting in the queue (Status PENDING) can be cancelled; a job that is already downloading runs to its end.',
		name: 'cancelNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Cancel By',
		name: 'cancelBy',
		type: 'options',
		options: [
			{ name: 'Job ID', value: 'jobId', description: 'The JobId returned by Submit' },
			{
				name: 'Source URL',
				value: 'sourceUrl',
				description: 'The newest job of the URL, looked up with GetURLUploadInfos',
			},
		],
		default: 'jobId',
	},
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		required: true,
		default: '={{ $json.jobId }}',
		displayOptions: { show: { cancelBy: ['jobId'] } },
	},
	{
		displayName: 'Source URL',
		name: 'sourceUrl',
		type: 'string',
		required: true,
		default: '={{ $json.sourceUrl }}',
		displayOptions: { show: { cancelBy: ['sourceUrl'] } },
	},
];

const displayOptions = { show: { resource: ['urlUpload'], operation: ['cancel'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface Target {
	itemIndex: number;
	value: string;
}

function readTarget(ctx: IExecuteFunctions, itemIndex: number, by: string): Target {
	const given = ctx.getNodeParameter(by, itemIndex, '');
	if (by === 'sourceUrl') return { itemIndex, value: canonicalUrl(parseSourceUrl(given).href) };
	return { itemIndex, value: checkJobId(given) };
}

/** The Job ID or Source URL as the item gave it, for its error item. */
function givenValue(ctx: IExecuteFunctions, by: string, itemIndex: number) {
	try {
		return (ctx.getNodeParameter(by, itemIndex, '') ?? null) as IDataObject[string];
	} catch {
		return '';
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const continueOnFail = this.continueOnFail();
	const by = this.getNodeParameter('cancelBy', 0, 'jobId') as string;
	const results: INodeExecutionData[] = new Array(items.length);
	const targets: Target[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			targets.push(readTarget(this, i, by));
		} catch (error) {
			if (!continueOnFail) throw itemError(this, error, i);
			results[i] = errorItem(this, error, i, { [by]: givenValue(this, by, i) });
		}
	}

	// By URL: find the URL's jobs first, so each item learns exactly which of its jobs were cancelled.
	const jobsOf = new Map<string, string[]>();
	let urlLookups = new Map<string, JobLookup>();
	if (by === 'sourceUrl' && targets.length) {
		urlLookups = await lookupJobsByUrl.call(
			this,
			[...new Set(targets.map((target) => target.value))],
			PARALLEL_CALLS,
		);
		for (const [url, lookup] of urlLookups) {
			if ('info' in lookup && lookup.info.Status === 'PENDING')
				jobsOf.set(url, [lookup.info.JobId]);
		}
	}
	const jobIds =
		by === 'sourceUrl'
			? [...new Set([...jobsOf.values()].flat())]
			: [...new Set(targets.map((target) => target.value))];

	const canceled = new Set<string>();
	const nonExists = new Set<string>();
	const failures = new Map<string, unknown>();
	await mapWithConcurrency(chunk(jobIds, CANCEL_BATCH_SIZE), PARALLEL_CALLS, async (batch) => {
		try {
			const response = await cancelUrlUploadJobs.call(this, { JobIds: batch.join(',') });
			for (const id of response.CanceledJobs ?? []) canceled.add(id);
			for (const id of response.NonExists ?? []) nonExists.add(id);
		} catch (error) {
			for (const id of batch) failures.set(id, error);
		}
	});

	for (const target of targets) {
		const i = target.itemIndex;
		const json: IDataObject = { ...items[i].json };
		let failure: unknown;
		if (by === 'sourceUrl') {
			const lookup = urlLookups.get(target.value);
			json.sourceUrl = target.value;
			if (lookup && 'error' in lookup) failure = lookup.error;
			else if (!lookup || 'missing' in lookup) json.result = 'nonExists';
			else {
				const ids = jobsOf.get(target.value) ?? [];
				failure = ids.map((id) => failures.get(id)).find(Boolean);
				json.jobId = lookup.info.JobId;
				json.result = ids.some((id) => canceled.has(id)) ? 'canceled' : 'notCancelable';
				if (json.result === 'notCancelable') json.job = jobFields(lookup.info);
			}
		} else {
			json.jobId = target.value;
			failure = failures.get(target.value);
			json.result = canceled.has(target.value)
				? 'canceled'
				: nonExists.has(target.value)
					? 'nonExists'
					: 'notCancelable';
		}
		if (failure) {
			if (!continueOnFail) throw itemError(this, failure, i, 'CancelUrlUploadJobs');
			results[i] = errorItem(this, failure, i, { jobId: json.jobId ?? null }, 'CancelUrlUploadJobs');
			continue;
		}
		json.canceled = json.result === 'canceled';
		results[i] = { json, pairedItem: { item: i } };
	}
	return results;
}
