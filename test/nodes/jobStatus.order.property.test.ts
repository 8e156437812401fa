/**
 * Property: whatever mix of known jobs, unknown job IDs, invalid Job IDs and jobs whose lookup fails
 * (GetURLUploadInfos unavailable through every retry for their batch of 10) Job Status gets, under each
 * On Error setting, every input item yields exactly one output item, on the output its kind leads to,
 * with pairedItem mapping back to it, and every output — the error output included — keeps the input
 * order. Under Stop Workflow the run fails naming the first item that cannot be answered.
 * Real workflows (n8n-core via the harness) against the emulator.
 *
 * Seeded (test/support/property.ts); `PROPERTY_RUNS=10000` runs it larger.
 */
import fc from 'fast-check';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import type { TargetedFault } from '../emulator/state';
import { chain, connect, emulatorCredentials, jobStatusNode, noOpNode, runWorkflow, startNode } from '../harness';
import { useTestBed } from '../harness/testBed';
import { propertyParams, propertyTimeout } from '../support/property';
import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { toVodCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/request';
import { DEFAULT_RETRY_POLICY } from '../../nodes/AlibabaCloudVod/transport/retry';
import * as retry from '../../nodes/AlibabaCloudVod/transport/retry';

const bed = useTestBed();
// The same retries as in production, without the waiting between them.
beforeAll(() => jest.spyOn(retry, 'backoffDelay').mockReturnValue(0));
afterAll(() => jest.restoreAllMocks());

const RUNS = 30;
const BATCH = 10; // GetURLUploadInfos: 10 JobIds a call
const INVALID_IDS: unknown[] = ['', 'not/a job', { id: 'x' }, ['a', 'b']];
const [SUCCEEDED, FAILED, STILL_RUNNING, ERROR_OUTPUT] = [0, 1, 2, 3];

type Spec = { kind: 'job' } | { kind: 'unknown' } | { kind: 'invalid'; value: number };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
	{ weight: 4, arbitrary: fc.constant({ kind: 'job' as const }) },
	{ weight: 2, arbitrary: fc.constant({ kind: 'unknown' as const }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant('invalid' as const), value: fc.nat(INVALID_IDS.length - 1) }) },
);

const scenarioArb = fc.record({
	specs: fc.array(specArb, { minLength: 1, maxLength: 35 }),
	/** per batch of 10 valid Job IDs: whether GetURLUploadInfos fails for it through every retry */
	failingBatches: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
	onError: fc.constantFrom('stopWorkflow', 'continueRegularOutput', 'continueErrorOutput'),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** What an item is, and so where it must go. */
type Expected = 'invalid' | 'lookupFails' | 'pending' | 'notFound';

/** One pending job per known-job item, made as Submit makes them (20 URLs a call). */
async function pendingJobs(count: number): Promise<string[]> {
	const api = toVodCredentials(emulatorCredentials(bed.emulator).alibabaCloudVodApi);
	const ids: string[] = [];
	for (let first = 0; first < count; first += 20) {
		const urls = Array.from({ length: Math.min(20, count - first) }, (_, i) =>
			encodeURIComponent(`https://media.example.com/order/${first + i}.mp4`),
		);
		const answer = await callVodApi(httpRequest, api, 'UploadMediaByURL', { UploadURLs: urls.join(',') });
		ids.push(...(answer.UploadJobs as Array<{ JobId: string }>).map((job) => job.JobId));
	}
	return ids;
}

/**
 * Check Once with one call at a time asks batch after batch, so the calls are numbered in advance:
 * a failing batch answers "unavailable" to every attempt the retry policy makes.
 */
function faultsFor(batches: number, failing: boolean[]): TargetedFault[] {
	const faults: TargetedFault[] = [];
	let call = 1;
	for (let batch = 0; batch < batches; batch++) {
		if (!failing[batch]) {
			call += 1;
			continue;
		}
		for (let attempt = 0; attempt < DEFAULT_RETRY_POLICY.maxAttempts; attempt++) {
			faults.push({ action: 'GetURLUploadInfos', call: call++, kind: 'unavailable' });
		}
	}
	return faults;
}

async function runScenario({ specs, failingBatches, onError }: Scenario) {
	bed.emulator.reset();
	bed.emulator.setFaults({});
	bed.emulator.setJobSettings({ autoRun: false });
	const jobs = await pendingJobs(specs.filter((spec) => spec.kind === 'job').length);
	const expected: Expected[] = [];
	let valid = 0;
	const startItems = specs.map((spec, row) => {
		if (spec.kind === 'invalid') {
			expected.push('invalid');
			return { json: { row, jobId: INVALID_IDS[spec.value] } as IDataObject };
		}
		const batch = Math.floor(valid++ / BATCH);
		expected.push(failingBatches[batch] ? 'lookupFails' : spec.kind === 'job' ? 'pending' : 'notFound');
		const jobId = spec.kind === 'job' ? jobs.shift()! : `unknown-${row}`;
		return { json: { row, jobId } as IDataObject };
	});
	bed.emulator.setFaults({ vod: { at: faultsFor(Math.ceil(valid / BATCH), failingBatches) } });

	const connections = chain('Start', 'Status');
	if (onError === 'continueErrorOutput') connect(connections, 'Status', 'Failures', ERROR_OUTPUT);
	const result = await runWorkflow({
		nodes: [
			startNode(),
			jobStatusNode('Status', { mode: 'once', jobId: '={{ $json.jobId }}', options: { parallelCalls: 1 } }, undefined, {
				onError,
			}),
			noOpNode('Failures'),
		],
		connections,
		credentials: emulatorCredentials(bed.emulator),
		startItems: startItems as never,
	});
	return { result, expected };
}

const pairedIndex = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;

/** The output each kind of item takes under an On Error setting. */
function outputFor(kind: Expected, onError: Scenario['onError']): number {
	const isError = kind === 'invalid' || kind === 'lookupFails';
	if (isError && onError === 'continueErrorOutput') return ERROR_OUTPUT;
	if (kind === 'invalid' || kind === 'notFound') return FAILED;
	return STILL_RUNNING; // pending, or a lookup that may succeed later (lookupError)
}

function errorMessage(item: INodeExecutionData): unknown {
	const error = item.json.error;
	return typeof error === 'object' && error !== null ? (error as IDataObject).message : error;
}

describe('Job Status: outputs in input order, whatever the mix (property)', () => {
	it(
		'every item once, on the output its kind leads to, each output in input order, pairedItem back to its item',
		async () => {
			await fc.assert(
				fc.asyncProperty(scenarioArb, async (scenario) => {
					const { result, expected } = await runScenario(scenario);
					if (scenario.onError === 'stopWorkflow') {
						const first = expected.indexOf('invalid') >= 0 ? expected.indexOf('invalid') : expected.indexOf('lookupFails');
						if (first < 0) {
							expect(result.status).toBe('success');
						} else {
							expect(result.status).toBe('error');
							expect(result.nodeError('Status')?.message).toMatch(new RegExp(`^\\[item ${first}\\] `));
							return;
						}
					}
					expect(result.status).toBe('success');
					const outputs = [SUCCEEDED, FAILED, STILL_RUNNING, ERROR_OUTPUT].map((index) => result.output('Status', index));
					const seen: number[] = [];
					for (const [index, output] of outputs.entries()) {
						const rows = output.map(pairedIndex);
						// the input order: strictly increasing
						expect(rows).toEqual([...rows].sort((a, b) => a - b));
						expect(new Set(rows).size).toBe(rows.length);
						for (const item of output) {
							const row = pairedIndex(item);
							seen.push(row);
							const kind = expected[row];
							expect({ row, kind, output: index }).toEqual({ row, kind, output: outputFor(kind, scenario.onError) });
							// the input item's fields are there (n8n adds them under the error output)
							expect(item.json.row).toBe(row);
							if (kind === 'invalid' || kind === 'lookupFails') {
								expect(errorMessage(item)).toMatch(new RegExp(`^\\[item ${row}\\] `));
							}
							if (kind === 'lookupFails' && index !== ERROR_OUTPUT) expect(item.json.lookupError).toBe(true);
							if (kind === 'notFound') expect(item.json.status).toBe('NOT_FOUND');
							if (kind === 'pending') expect(item.json.status).toBe('PENDING');
						}
					}
					expect(seen.sort((a, b) => a - b)).toEqual(expected.map((_, row) => row));
					if (scenario.onError === 'continueErrorOutput') {
						expect(result.output('Failures').map((item) => item.json.row)).toEqual(outputs[ERROR_OUTPUT].map(pairedIndex));
					}
				}),
				propertyParams(RUNS),
			);
		},
		propertyTimeout(RUNS, 60_000),
	);
});
