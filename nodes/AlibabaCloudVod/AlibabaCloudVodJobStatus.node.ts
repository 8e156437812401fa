import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type NodeConnectionType,
} from 'n8n-workflow';

import { errorItem, inputProblem, itemError, ItemInputError } from './helpers/items';
import { wholeNumberOption } from './helpers/numberOptions';
import { checkJobId, classifyStatus, jobFields } from './helpers/jobStatus';
import { canonicalUrl } from './helpers/sourceUrl';
import { parseSourceUrl } from './helpers/urlValidation';
import { readingCredentialsOnce } from './transport/credentials';
import { lookupJobsById, lookupJobsByUrl, type JobLookup } from './transport/vod/jobLookup';
import { isTransientVodError, vodErrorDetails } from './transport/vod/request';
import { waitUnlessAborted } from './transport/wait';
import { credentialTest } from './methods';

const STATUS_INPUTS: NodeConnectionType[] = [NodeConnectionTypes.Main];

/** Succeeded, Failed, Still Running — like the If and Switch nodes, one main output per route. */
const STATUS_OUTPUTS: NodeConnectionType[] = [
	NodeConnectionTypes.Main,
	NodeConnectionTypes.Main,
	NodeConnectionTypes.Main,
];

const PARALLEL_CALLS = { min: 1, max: 20, fallback: 4 };

const SUCCEEDED = 0;
const FAILED = 1;
const STILL_RUNNING = 2;

interface StatusOptions {
	initialIntervalSeconds?: number;
	maxIntervalSeconds?: number;
	maxWaitSeconds?: number;
	parallelCalls?: number;
}

interface Target {
	itemIndex: number;
	key: string; // JobId, or the URL in canonical form (helpers/sourceUrl.ts)
}

export class AlibabaCloudVodJobStatus implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alibaba Cloud VOD Job Status',
		name: 'alibabaCloudVodJobStatus',
		icon: { light: 'file:alibabaCloudVod.svg', dark: 'file:alibabaCloudVod.dark.svg' },
		group: ['transform'],
		version: 1,
		// A read-only lookup: safe for an AI agent to call.
		usableAsTool: true,
		subtitle: '={{ $parameter["mode"] === "wait" ? "Wait until finished" : "Check once" }}',
		description: 'Route URL upload jobs by their status: succeeded, failed or still running',
		defaults: { name: 'Alibaba Cloud VOD Job Status' },
		inputs: STATUS_INPUTS,
		outputs: STATUS_OUTPUTS,
		outputNames: ['Succeeded', 'Failed', 'Still Running'],
		credentials: [{ name: 'alibabaCloudVodApi', required: true, testedBy: 'alibabaCloudVodApiTest' }],
		properties: [
			{
				displayName:
					'VOD answers job queries (GetURLUploadInfos) only in cn-shanghai and ap-southeast-1 (Singapore), and keeps jobs for one year. Connect Still Running to a Wait node and back here for jobs that take hours.',
				name: 'regionNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Check Once',
						value: 'once',
						description: 'Ask VOD once and route every item by its current status',
					},
					{
						name: 'Wait Until Finished',
						value: 'wait',
						description:
							'Ask again with a growing interval until every job has finished or Max Wait has passed',
					},
				],
				default: 'once',
			},
			{
				displayName: 'Look Up By',
				name: 'lookUpBy',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Job ID', value: 'jobId', description: 'The JobId returned by Submit' },
					{
						name: 'Source URL',
						value: 'sourceUrl',
						description: 'The newest job VOD has for the URL that succeeded or is still running, else its newest failed job',
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
				displayOptions: { show: { lookUpBy: ['jobId'] } },
			},
			{
				displayName: 'Source URL',
				name: 'sourceUrl',
				type: 'string',
				required: true,
				default: '={{ $json.sourceUrl }}',
				displayOptions: { show: { lookUpBy: ['sourceUrl'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'First Interval (Seconds)',
						name: 'initialIntervalSeconds',
						type: 'number',
						typeOptions: { minValue: 0, numberPrecision: 2 },
						default: 5,
						displayOptions: { show: { '/mode': ['wait'] } },
						description: 'Pause before the second check; it doubles after each check',
					},
					{
						displayName: 'Longest Interval (Seconds)',
						name: 'maxIntervalSeconds',
						type: 'number',
						typeOptions: { minValue: 0, numberPrecision: 2 },
						default: 60,
						displayOptions: { show: { '/mode': ['wait'] } },
						description: 'The interval stops growing here',
					},
					{
						displayName: 'Max Wait (Seconds)',
						name: 'maxWaitSeconds',
						type: 'number',
						typeOptions: { minValue: 0, numberPrecision: 2 },
						default: 600,
						displayOptions: { show: { '/mode': ['wait'] } },
						description:
							'Jobs not finished by then go to Still Running (more than 0). For hours-long jobs use a Wait node loop instead of a long wait here.',
					},
					{
						displayName: 'Parallel Calls',
						name: 'parallelCalls',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 20 },
						default: 4,
						description:
							'How many GetURLUploadInfos calls (10 jobs each) run at once (VOD allows 100 per second)',
					},
				],
			},
		],
	};

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const continueOnFail = this.continueOnFail();
		const mode = this.getNodeParameter('mode', 0, 'once') as string;
		const by = this.getNodeParameter('lookUpBy', 0, 'jobId') as string;
		const options = this.getNodeParameter('options', 0, {}) as StatusOptions;
		// A node setting, not an item's: under Continue On Fail it becomes every item's lookup error below.
		let settings: StatusSettings | undefined;
		let settingError: unknown;
		try {
			settings = statusSettings(mode, options);
		} catch (error) {
			if (!continueOnFail) throw itemError(this, error, 0); // options are read for item 0
			settingError = error;
		}
		const signal = this.getExecutionCancelSignal();
		// Each item's route and output item, by input index: every output keeps the input order.
		const routed: Array<{ output: number; item: INodeExecutionData }> = [];
		// every item here is paired with the one input item it stands for
		const route = (output: number, item: INodeExecutionData) => {
			routed[(item.pairedItem as { item: number }).item] = { output, item };
		};
		const inOrder = () => {
			const outputs: INodeExecutionData[][] = [[], [], []];
			for (const entry of routed) if (entry) outputs[entry.output].push(entry.item);
			return outputs;
		};
		// n8n gathers the error output output by output, so error items all leave by one to keep the input order
		const toErrorOutput = this.getNode().onError === 'continueErrorOutput';

		// Invalid items are error items: under Continue (regular output) they go to Failed (they are not
		// running and did not succeed, and a Wait loop on Still Running must not spin on them); under
		// Continue (using error output) n8n moves them from there to the error output.
		const targets: Target[] = [];
		for (let i = 0; i < items.length; i++) {
			try {
				const given = this.getNodeParameter(by, i, '');
				const raw = String(given ?? '').trim();
				if (by !== 'sourceUrl' && !raw && items[i].json.error !== undefined) {
					// An error item of the node before (e.g. Submit under "Continue (regular output)").
					throw inputProblem(
						'The item is an error item of the previous node, with no Job ID',
						'Set the previous node\'s Settings → On Error to "Continue (using error output)" so its failed items take their own branch, or filter out items with an error before this node',
					);
				}
				const key =
					by === 'sourceUrl' ? canonicalUrl(parseSourceUrl(given).href) : checkJobId(given);
				targets.push({ itemIndex: i, key });
			} catch (error) {
				if (!continueOnFail) throw itemError(this, error, i);
				route(FAILED, keepingInput(this, errorItem(this, error, i), items[i]));
			}
		}

		// Poll the unique keys until none is running, Max Wait has passed or the execution is cancelled.
		const latest = new Map<string, JobLookup>();
		let open = [...new Set(targets.map((target) => target.key))];
		if (!settings) for (const key of open) latest.set(key, { error: settingError });
		const parallelCalls = settings?.parallelCalls ?? PARALLEL_CALLS.fallback;
		const timing = settings?.timing;
		const vod = readingCredentialsOnce(this);
		const lookup = async (keys: string[]) =>
			by === 'sourceUrl'
				? await lookupJobsByUrl.call(vod, keys, parallelCalls, { signal })
				: await lookupJobsById.call(vod, keys, parallelCalls, { signal });
		const waitUntil = Date.now() + (timing?.maxWaitMs ?? 0);
		let interval = timing?.initialIntervalMs ?? 0;
		const maxInterval = timing?.maxIntervalMs ?? 0;
		while (settings && open.length) {
			const answers = await lookup(open);
			for (const [key, answer] of answers) latest.set(key, answer);
			open = open.filter((key) => {
				const answer = latest.get(key);
				return answer && 'info' in answer && classifyStatus(answer.info.Status) === 'running';
			});
			if (!timing || !open.length) break;
			const pause = Math.min(interval, waitUntil - Date.now());
			if (pause <= 0 || signal?.aborted) break;
			if (!(await waitUnlessAborted(pause, signal))) break;
			interval = Math.min(interval * 2, maxInterval);
		}

		for (const { itemIndex, key } of targets) {
			const answer = latest.get(key);
			const json: IDataObject = withoutOwnLookupError(items[itemIndex].json);
			const pairedItem = { item: itemIndex };
			if (!answer || 'error' in answer) {
				// The job's status is unknown, not failed: after an error that may pass (throttling, 5xx,
				// network) it goes where "check again later" leads (Still Running), never to Failed, which
				// invites a second submission. An error that asking again cannot fix (signature, access,
				// parameter) goes to Failed, so a Wait loop on Still Running does not repeat it forever.
				const error =
					answer?.error ??
					new NodeOperationError(this.getNode(), 'The status check was cancelled', { itemIndex });
				// a node setting that stopped the lookup is not VOD's answer: its message says so itself
				const call = error === settingError ? undefined : 'GetURLUploadInfos';
				if (!continueOnFail) throw itemError(this, error, itemIndex, call);
				const failed = errorItem(this, error, itemIndex, { [by]: key, lookupError: true }, call);
				// under the error output n8n adds the input item's fields itself, to an item that is only `{ error }`
				route(
					!toErrorOutput && askingAgainMayHelp(error) ? STILL_RUNNING : FAILED,
					toErrorOutput ? failed : { ...failed, json: { ...json, ...failed.json } },
				);
			} else if ('missing' in answer) {
				route(FAILED, {
					json: {
						...json,
						[by]: key,
						status: 'NOT_FOUND',
						reason:
							by === 'sourceUrl'
								? 'VOD has no URL upload job for this URL (in this region, in the last year)'
								: 'VOD does not know this job ID (NonExists): wrong ID, another region or account, or older than one year',
					},
					pairedItem,
				});
			} else {
				const outcome = classifyStatus(answer.info.Status);
				const output =
					outcome === 'succeeded' ? SUCCEEDED : outcome === 'failed' ? FAILED : STILL_RUNNING;
				route(output, { json: { ...json, ...jobFields(answer.info) }, pairedItem });
			}
		}
		return inOrder();
	}
}

interface StatusSettings {
	parallelCalls: number;
	/** only for Wait Until Finished */
	timing?: WaitTiming;
}

/** The node's options, checked: a value out of range is refused for every item, never replaced. */
function statusSettings(mode: string, options: StatusOptions): StatusSettings {
	return {
		parallelCalls: wholeNumberOption('Parallel Calls', options.parallelCalls, PARALLEL_CALLS),
		timing: mode === 'wait' ? waitTiming(options) : undefined,
	};
}

interface WaitTiming {
	initialIntervalMs: number;
	maxIntervalMs: number;
	maxWaitMs: number;
}

/** Wait Until Finished's timing; a value that would make it check only once is refused, not obeyed. */
function waitTiming(options: StatusOptions): WaitTiming {
	const seconds = (name: string, raw: unknown, fallback: number) => {
		const value = raw === undefined || raw === '' ? fallback : Number(raw);
		if (!Number.isFinite(value) || value <= 0) {
			throw inputProblem(
				`${name} ${String(raw)} is not a positive number of seconds`,
				`Give ${name} in seconds, more than 0 (default ${fallback}), or use Mode → Check Once to ask only once`,
			);
		}
		return value * 1000;
	};
	const timing = {
		initialIntervalMs: seconds('First Interval', options.initialIntervalSeconds, 5),
		maxIntervalMs: seconds('Longest Interval', options.maxIntervalSeconds, 60),
		maxWaitMs: seconds('Max Wait', options.maxWaitSeconds, 600),
	};
	if (timing.maxIntervalMs < timing.initialIntervalMs) {
		throw inputProblem(
			`Longest Interval ${options.maxIntervalSeconds} is shorter than First Interval ${options.initialIntervalSeconds}`,
			'Give a Longest Interval of at least the First Interval',
		);
	}
	return timing;
}

/** A lookup error that may pass by itself; only a VOD error the transport classed as permanent may not. */
function askingAgainMayHelp(error: unknown): boolean {
	if (error instanceof ItemInputError) return false; // a setting to fix: asking again repeats it
	return vodErrorDetails(error) === undefined || isTransientVodError(error);
}

/**
 * An item this node sent to Still Running after a failed lookup, coming back through a Wait loop: the
 * old lookup error is dropped, so the new answer is not read as failing again.
 */
function withoutOwnLookupError(json: IDataObject): IDataObject {
	const copy = { ...json };
	if (copy.lookupError === true) {
		for (const key of ['error', 'description', 'code', 'lookupError']) delete copy[key];
	}
	return copy;
}

/**
 * An error item that keeps what the input item carried: for an error item of the previous node (no Job
 * ID), its source URL, IDs and its own error, which is the cause, are what the user acts on. Under the
 * error output n8n merges the input's fields itself; the previous error is kept as `cause` there.
 */
function keepingInput(
	ctx: IExecuteFunctions,
	failed: INodeExecutionData,
	input: INodeExecutionData,
): INodeExecutionData {
	const cause = input.json.error;
	if (ctx.getNode().onError === 'continueErrorOutput') {
		if (cause === undefined) return failed;
		const inner = failed.json.error as IDataObject;
		return { ...failed, json: { error: { ...inner, cause } } };
	}
	const json: IDataObject = { ...input.json, ...failed.json };
	if (cause !== undefined) json.cause = cause;
	if (cause !== undefined && input.json.description !== undefined) json.causeDescription = input.json.description;
	return { ...failed, json };
}
