/**
 * Property: whatever mix of good, bad and repeated items Submit gets, under any On Error setting and
 * with VOD throttling, failing, dropping answers (before or after it acted) and refusing whole batches,
 * every input item yields exactly one output item whose pairedItem maps back to it, no source is lost,
 * no URL gets two jobs, and every job VOD created is reported: in an output item, or — when the node
 * stops — in the thrown error. Real workflows (n8n-core via the harness) against the emulator.
 *
 * Seeded (test/support/property.ts); `PROPERTY_RUNS=10000` runs it larger.
 */
import fc from 'fast-check';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';
import { propertyParams, propertyTimeout } from '../support/property';
import * as retry from '../../nodes/AlibabaCloudVod/transport/retry';

const bed = useTestBed();
// The same retries as in production, without the waiting between them.
beforeAll(() => jest.spyOn(retry, 'backoffDelay').mockReturnValue(0));
afterAll(() => jest.restoreAllMocks());

const RUNS = 50;
const BAD_STORAGE = 'nowhere.oss-cn-shanghai.aliyuncs.com';
const INVALID_SOURCES: unknown[] = ['not a url', 'ftp://example.com/a.mp4', 7, null, ''];

type Spec =
	| { kind: 'good'; storage: 'default' | 'bad' }
	| { kind: 'invalid'; value: number }
	| { kind: 'repeat'; of: number };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant('good' as const),
			storage: fc.constantFrom('default' as const, 'default' as const, 'bad' as const),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant('invalid' as const),
			value: fc.nat(INVALID_SOURCES.length - 1),
		}),
	},
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant('repeat' as const), of: fc.nat(60) }) },
);

const scenarioArb = fc.record({
	specs: fc.array(specArb, { minLength: 1, maxLength: 45 }),
	// Without invalid items a run that stops does so in a batch, after others may have made jobs.
	withInvalid: fc.boolean(),
	onError: fc.constantFrom('stopWorkflow', 'continueRegularOutput', 'continueErrorOutput'),
	parallelCalls: fc.integer({ min: 1, max: 4 }),
	skipAlreadySubmitted: fc.boolean(),
	faults: fc.record({
		throttleRate: fc.constantFrom(0, 0.1, 0.3),
		error503Rate: fc.constantFrom(0, 0.1),
		error500Rate: fc.constantFrom(0, 0.1),
		dropRate: fc.constantFrom(0, 0.1, 0.2),
		dropMode: fc.constantFrom('beforeAction' as const, 'afterAction' as const, 'random' as const),
	}),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

let round = 0;

/** The input items of a scenario; `url` is what the item asks to submit (only for valid items). */
function inputItems(specs: Spec[]) {
	round++;
	const items: IDataObject[] = [];
	for (const [row, spec] of specs.entries()) {
		if (spec.kind === 'good') {
			const url = bed.sources.url(`/files/p${round}-${row}.mp4`);
			items.push({
				row,
				source: url,
				storage: spec.storage === 'bad' ? BAD_STORAGE : '',
				url,
				valid: true,
			});
		} else if (spec.kind === 'invalid') {
			items.push({
				row,
				source: INVALID_SOURCES[spec.value] as IDataObject[string],
				storage: '',
				valid: false,
			});
		} else {
			// repeats the item `of` mod row (when there is one before it): the same source and storage
			const earlier = row === 0 ? undefined : items[spec.of % row];
			items.push(
				earlier
					? { ...earlier, row, repeatOf: earlier.repeatOf ?? earlier.row }
					: { row, source: 'not a url', storage: '', valid: false },
			);
		}
	}
	return items;
}

function errorText(item: INodeExecutionData): string | undefined {
	const error = item.json.error;
	if (error === undefined) return undefined;
	return typeof error === 'string' ? error : String((error as IDataObject).message);
}

async function check(scenario: Scenario) {
	bed.emulator.reset();
	bed.emulator.setFaults({
		vod: { ...scenario.faults, actions: ['UploadMediaByURL', 'GetURLUploadInfos'] },
	});
	const specs = scenario.withInvalid
		? scenario.specs
		: scenario.specs.map((spec): Spec =>
				spec.kind === 'invalid' ? { kind: 'good', storage: 'default' } : spec,
			);
	const items = inputItems(specs);
	const result = await runWorkflow({
		nodes: [
			startNode(),
			vodNode(
				'Submit',
				{
					resource: 'urlUpload',
					operation: 'submit',
					sourceUrl: '={{ $json.source }}',
					options: {
						storageLocation: '={{ $json.storage }}',
						parallelCalls: scenario.parallelCalls,
						skipAlreadySubmitted: scenario.skipAlreadySubmitted,
					},
				},
				undefined,
				{ onError: scenario.onError },
			),
		],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: items.map((json) => ({ json })),
	});
	bed.emulator.setFaults({});
	const jobs = [...bed.emulator.state.vod.jobs.values()];

	// Nothing duplicated: one job per URL at most; nothing invalid was sent.
	const jobsByUrl = new Map<string, string[]>();
	for (const job of jobs)
		jobsByUrl.set(job.uploadUrl, [...(jobsByUrl.get(job.uploadUrl) ?? []), job.jobId]);
	for (const [url, ids] of jobsByUrl) expect({ url, jobs: ids.length }).toEqual({ url, jobs: 1 });
	const validUrls = new Set(items.filter((item) => item.valid).map((item) => item.url as string));
	for (const url of jobsByUrl.keys()) expect(validUrls.has(url)).toBe(true);
	const badStorage = new Set(
		items.filter((item) => item.storage === BAD_STORAGE).map((item) => item.url),
	);
	for (const url of jobsByUrl.keys()) expect(badStorage.has(url)).toBe(false);

	if (scenario.onError === 'stopWorkflow' && result.status === 'error') {
		// Stopped: the error names an item that failed, and every job the run made.
		const error = result.nodeError('Submit') as Error & { context?: IDataObject };
		const failedItem = Number(/^\[item (\d+)\]/.exec(error.message)?.[1]);
		expect(failedItem).toBeGreaterThanOrEqual(0);
		const failedSpec = items[failedItem];
		expect(failedSpec).toBeDefined();
		const created = (error.context?.createdJobs ?? []) as Array<{
			item: number;
			jobId: string;
			sourceUrl: string;
		}>;
		const mayExist = new Set((error.context?.mayExistItems ?? []) as number[]);
		for (const job of jobs) {
			const named = created.find((entry) => entry.jobId === job.jobId);
			const suspected = items.some(
				(item) => item.url === job.uploadUrl && mayExist.has(item.row as number),
			);
			expect({ job: job.jobId, url: job.uploadUrl, reported: Boolean(named) || suspected }).toEqual(
				{
					job: job.jobId,
					url: job.uploadUrl,
					reported: true,
				},
			);
			if (named) expect(items[named.item].url).toBe(job.uploadUrl);
		}
		return;
	}

	expect(result.status).toBe('success');
	const main = result.output('Submit', 0);
	const errorOutput = scenario.onError === 'continueErrorOutput' ? result.output('Submit', 1) : [];
	if (scenario.onError === 'continueErrorOutput') {
		for (const item of main) expect(item.json.error).toBeUndefined();
		for (const item of errorOutput) expect(typeof item.json.error).toBe('object');
	}
	const out = [...main, ...errorOutput];

	// Exactly one output item per input item, pairedItem mapping back to it.
	const paired = out.map((item) => (item.pairedItem as { item: number }).item);
	expect([...paired].sort((a, b) => a - b)).toEqual(items.map((_, i) => i));

	const reportedJobs = new Set<string>();
	for (const item of out) {
		const input = items[(item.pairedItem as { item: number }).item];
		const error = errorText(item);
		if (!input.valid || input.storage === BAD_STORAGE) {
			// A source that cannot be submitted is an error item naming its item.
			expect(error).toMatch(new RegExp(`^\\[item ${input.row}\\] `));
			continue;
		}
		if (error !== undefined) {
			// A valid source may fail only through VOD's faults; it is named, and a job VOD may have made is flagged.
			expect(error).toMatch(new RegExp(`^\\[item ${input.row}\\] `));
			if (jobsByUrl.has(input.url as string)) expect(error).toMatch(/may exist/);
			continue;
		}
		// Reported with the job VOD has for exactly this URL.
		expect(jobsByUrl.get(input.url as string)).toEqual([item.json.jobId]);
		reportedJobs.add(item.json.jobId as string);
		if (input.repeatOf !== undefined) expect(item.json.duplicateOf).toBe(input.repeatOf);
	}
	// Every job VOD made is reported in an output item, or its item says it may exist.
	for (const job of jobs) {
		const suspected = out.some(
			(item) =>
				items[(item.pairedItem as { item: number }).item].url === job.uploadUrl &&
				/may exist/.test(errorText(item) ?? ''),
		);
		expect(reportedJobs.has(job.jobId) || suspected).toBe(true);
	}
}

describe('Submit batching (property)', () => {
	it(
		'every input item yields one output item, paired back; no source lost; every created job reported',
		async () => {
			await fc.assert(fc.asyncProperty(scenarioArb, check), propertyParams(RUNS));
		},
		propertyTimeout(RUNS, 60_000),
	);
});
