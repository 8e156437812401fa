/**
 * Submit benchmark: 10,000 URLs through the Alibaba Cloud VOD node (URL Upload → Submit) and one Check Once
 * round of the Job Status node, run in-process by the workflow harness against the emulator with 50 ms
 * added to every VOD answer. The emulator runs in its own process (`test/emulator/cli.ts`, forked), so its
 * CPU does not count against the node's.
 *
 * The baseline, in the same round against the same emulator process and latency: the official client
 * (`@alicloud/openapi-client`, its defaults, keep-alive included) making the same calls — the same 20-URL
 * batches, the same JobIds per GetURLUploadInfos, a rolling pool of the same size — from inside an n8n
 * node in the same workflow shape, which reads the same expression for every item before its first call.
 * Node and baseline alternate, the order reversed every other round.
 *
 * Prints per step: node ÷ baseline (wall time), each side's wall time ÷ the ideal (calls × latency ÷
 * parallel calls), each side's time before its first call, the calls phase (first call → last answer)
 * node ÷ baseline, the CPU per call of node, baseline and emulator, and the schedule of the calls as
 * each side sent them. Medians over the rounds, with the range.
 *
 *   npm run bench:submit   (BENCH_URLS, BENCH_LATENCY_MS, BENCH_PARALLEL, BENCH_ROUNDS override the defaults)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';

import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
} from 'n8n-workflow';

import { chunk } from '../nodes/AlibabaCloudVod/helpers/batching';
import { callVod, openApiClient } from '../test/emulator/vod/test-clients';
import { chain, emulatorCredentials, jobStatusNode, runWorkflow, startNode, vodNode } from '../test/harness';

const URLS = Number(process.env.BENCH_URLS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** URLs per UploadMediaByURL and JobIds per GetURLUploadInfos, as the node sends them */
const SUBMIT_BATCH = 20;
const STATUS_BATCH = 10;

interface EmulatorProcess {
	vodEndpoint: string;
	accessKey: { accessKeyId: string; accessKeySecret: string };
	control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>>;
	stop(): Promise<void>;
}

/** `npm run emulator` in a child process; it reports its endpoints over the IPC channel once listening. */
async function startEmulatorProcess(): Promise<EmulatorProcess> {
	const child: ChildProcess = fork(join(__dirname, '..', 'test', 'emulator', 'cli.ts'), [], {
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
	});
	const ready = await new Promise<{ vodEndpoint: string; controlUrl: string; accessKey: EmulatorProcess['accessKey'] }>(
		(resolve, reject) => {
			child.once('message', (message) => resolve(message as never));
			child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before it was ready`)));
		},
	);
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	return {
		vodEndpoint: ready.vodEndpoint,
		accessKey: ready.accessKey,
		async control(method, path, body) {
			const response = await fetch(`${ready.controlUrl}/${path}`, {
				method,
				headers: { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${await response.text()}`);
			return (await response.json()) as Record<string, unknown>;
		},
		async stop() {
			child.kill('SIGTERM');
			await exited;
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// the baseline: the official client inside an n8n node

const BASELINE_NODE_TYPE = 'bench.officialClient';

/**
 * Runs `call` over `tasks`, `PARALLEL` at a time, each lane taking the next task as soon as it is free. Not the
 * node's `mapWithConcurrency`: a slowness of the node's pool must not show on both sides.
 */
async function rollingPool<T>(tasks: T[], call: (task: T) => Promise<unknown>) {
	let next = 0;
	const lane = async () => {
		while (next < tasks.length) await call(tasks[next++]);
	};
	await Promise.all(Array.from({ length: Math.min(PARALLEL, tasks.length) }, lane));
}

/** The query of one UploadMediaByURL as the node builds it with its default parameters. */
function submitQuery(urls: string[]): Record<string, string> {
	const encoded = urls.map((url) => encodeURIComponent(url));
	const metadatas = urls.map((url, i) => ({
		SourceURL: encoded[i],
		Title: decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '').replace(/\.[^.]*$/, ''),
	}));
	// a SessionId of the node's length; a fresh one, as the node's own batches are already known to VOD
	return {
		UploadURLs: encoded.join(','),
		UploadMetadatas: JSON.stringify(metadatas),
		SessionId: `n8n-${randomBytes(32).toString('base64url').slice(0, 43)}`,
	};
}

/**
 * An n8n node that makes the step's calls with the official client: it reads its `value` parameter
 * (the node's expression) for every item, then the credential once, then calls.
 */
const baselineNodeType: INodeType = {
	description: {
		displayName: 'Official Client (bench baseline)',
		name: BASELINE_NODE_TYPE,
		group: ['transform'],
		version: 1,
		description: 'The benchmark steps through @alicloud/openapi-client',
		defaults: { name: 'Baseline' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'alibabaCloudVodApi', required: true }],
		properties: [
			{ displayName: 'Step', name: 'step', type: 'string', default: 'submit' },
			{ displayName: 'Value', name: 'value', type: 'string', default: '' },
		],
	},
	async execute(this: IExecuteFunctions) {
		const items = this.getInputData();
		const step = this.getNodeParameter('step', 0) as 'submit' | 'status';
		const values = items.map((_, i) => String(this.getNodeParameter('value', i)));
		const credential = await this.getCredentials('alibabaCloudVodApi');
		const client = openApiClient(String(credential.endpoint), {
			accessKeyId: String(credential.accessKeyId),
			accessKeySecret: String(credential.accessKeySecret),
		});
		if (step === 'submit') {
			await rollingPool(chunk(values, SUBMIT_BATCH), async (urls) => {
				await callVod(client, 'UploadMediaByURL', submitQuery(urls));
			});
		} else {
			await rollingPool(chunk([...new Set(values)], STATUS_BATCH), async (jobIds) => {
				await callVod(client, 'GetURLUploadInfos', { JobIds: jobIds.join(',') });
			});
		}
		return [items];
	},
};

function baselineNode(step: 'submit' | 'status', value: string): INode {
	return {
		id: 'baseline',
		name: 'Baseline',
		type: BASELINE_NODE_TYPE,
		typeVersion: 1,
		position: [200, 0],
		parameters: { step, value },
		credentials: { alibabaCloudVodApi: { id: 'alibabaCloudVodApi', name: 'Alibaba Cloud API' } },
	};
}

// ---------------------------------------------------------------------------------------------------------
// measuring

/** Start and end times of every HTTP request sent (the control calls go through fetch, not node:http). */
function recordRequests() {
	const started = new Map<ClientRequest, number>();
	const spans: Array<[number, number]> = [];
	const cpuAtStart = process.cpuUsage();
	let cpuBeforeFirst: NodeJS.CpuUsage | undefined;
	const onStart = ({ request }: { request: ClientRequest }) => {
		cpuBeforeFirst ??= process.cpuUsage(cpuAtStart);
		started.set(request, performance.now());
	};
	const onFinish = ({ request }: { request: ClientRequest }) => {
		const start = started.get(request);
		if (start !== undefined) spans.push([start, performance.now()]);
		started.delete(request);
	};
	diagnostics.subscribe('http.client.request.start', onStart as never);
	diagnostics.subscribe('http.client.response.finish', onFinish as never);
	return () => {
		diagnostics.unsubscribe('http.client.request.start', onStart as never);
		diagnostics.unsubscribe('http.client.response.finish', onFinish as never);
		return { spans, cpuBeforeFirst: cpuBeforeFirst ?? process.cpuUsage(cpuAtStart) };
	};
}

interface StepFigures {
	calls: number;
	wallMs: number;
	/** wall time ÷ (calls × latency ÷ parallel calls) */
	ratio: number;
	/** this process's CPU: the side measured */
	cpuMs: number;
	/** its CPU before its first call: reading and checking the items */
	cpuBeforeCallsMs: number;
	emulatorCpuMs: number;
	/** from the step's start to its first request, and from its last answer to its end */
	leadMs: number;
	tailMs: number;
	/** from the first request to the last answer */
	callsPhaseMs: number;
	/** requests open at once on average, between the first request and the last answer */
	inFlight: number;
	/** median time from a request's start to the end of its answer */
	requestMs: number;
	/** median time from an answer to the next request (the side's work between calls, and its waits for a core) */
	turnaroundMs: number;
}

const cpuMs = (usage: { user: number; system: number }) => (usage.user + usage.system) / 1000;

function median(values: number[]) {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** For each request after the first lane-full: the time since the latest answer before it. */
function turnarounds(spans: Array<[number, number]>) {
	const starts = spans.map(([start]) => start).sort((a, b) => a - b);
	const ends = spans.map(([, end]) => end).sort((a, b) => a - b);
	const gaps: number[] = [];
	let answered = -1;
	for (const start of starts.slice(PARALLEL)) {
		while (answered + 1 < ends.length && ends[answered + 1] <= start) answered++;
		if (answered >= 0) gaps.push(start - ends[answered]);
	}
	return gaps;
}

async function measure(
	emulator: EmulatorProcess,
	action: string,
	run: () => Promise<void>,
): Promise<StepFigures> {
	const usageOf = async () =>
		(await emulator.control('GET', 'usage')) as {
			calls: Record<string, number>;
			cpuUsage: { user: number; system: number };
		};
	const before = await usageOf();
	const ownCpu = process.cpuUsage();
	const stopRecording = recordRequests();
	const started = performance.now();
	await run();
	const ended = performance.now();
	const { spans, cpuBeforeFirst } = stopRecording();
	const sideCpuMs = cpuMs(process.cpuUsage(ownCpu));
	const after = await usageOf();
	const calls = (after.calls[action] ?? 0) - (before.calls[action] ?? 0);
	const wallMs = ended - started;
	const first = Math.min(...spans.map(([start]) => start));
	const last = Math.max(...spans.map(([, end]) => end));
	const busy = spans.reduce((sum, [start, end]) => sum + (end - start), 0);
	return {
		calls,
		wallMs,
		ratio: wallMs / ((calls * LATENCY_MS) / PARALLEL),
		cpuMs: sideCpuMs,
		cpuBeforeCallsMs: cpuMs(cpuBeforeFirst),
		emulatorCpuMs: cpuMs(after.cpuUsage) - cpuMs(before.cpuUsage),
		leadMs: first - started,
		tailMs: ended - last,
		callsPhaseMs: last - first,
		inFlight: busy / (last - first),
		requestMs: median(spans.map(([start, end]) => end - start)),
		turnaroundMs: median(turnarounds(spans)),
	};
}

interface RoundFigures {
	node: StepFigures;
	baseline: StepFigures;
}

/** Both sides of a step, the node first on odd rounds and the baseline first on even ones. */
async function measureBoth(
	round: number,
	emulator: EmulatorProcess,
	action: string,
	node: () => Promise<void>,
	baseline: () => Promise<void>,
): Promise<RoundFigures> {
	if (round % 2 === 1) {
		const nodeFigures = await measure(emulator, action, node);
		return { node: nodeFigures, baseline: await measure(emulator, action, baseline) };
	}
	const baselineFigures = await measure(emulator, action, baseline);
	return { node: await measure(emulator, action, node), baseline: baselineFigures };
}

function summarize(label: string, goal: number, rounds: RoundFigures[]) {
	const stat = (pick: (figures: RoundFigures) => number, digits: number) => {
		const values = rounds.map(pick);
		const range = `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
		return `${median(values).toFixed(digits)} (${range})`;
	};
	const calls = (side: 'node' | 'baseline') => [...new Set(rounds.map((r) => r[side].calls))].join('/');
	const ideal = `calls × ${LATENCY_MS} ms ÷ ${PARALLEL}`;
	const cpuLine = (side: 'node' | 'baseline') =>
		`  CPU, ${side.padEnd(8)}: ${stat((r) => r[side].cpuMs / 1000, 2)} s = ${stat((r) => r[side].cpuMs / r[side].calls, 2)} ms per call,` +
		` of which ${stat((r) => r[side].cpuBeforeCallsMs / 1000, 2)} s before the first call` +
		` and ${stat((r) => (r[side].cpuMs - r[side].cpuBeforeCallsMs) / r[side].calls, 2)} ms per call from then on;` +
		` emulator ${stat((r) => r[side].emulatorCpuMs / r[side].calls, 2)} ms per call`;
	const scheduleLine = (side: 'node' | 'baseline') =>
		`  schedule, ${side.padEnd(8)}: first call after ${stat((r) => r[side].leadMs, 0)} ms, end ${stat((r) => r[side].tailMs, 0)} ms after the last answer;` +
		` ${stat((r) => r[side].inFlight, 2)} calls in flight on average (of ${PARALLEL}); a call takes ${stat((r) => r[side].requestMs, 1)} ms` +
		` and the next starts ${stat((r) => r[side].turnaroundMs, 2)} ms after an answer (medians)`;
	console.log(
		[
			`${label}: calls node ${calls('node')}, baseline ${calls('baseline')} (goal ${goal}), medians of ${rounds.length} round(s) (range)`,
			`  node ÷ baseline (wall) = ${stat((r) => r.node.wallMs / r.baseline.wallMs, 2)}` +
				`   calls phase (first call → last answer) node ÷ baseline = ${stat((r) => r.node.callsPhaseMs / r.baseline.callsPhaseMs, 2)}`,
			`  wall: node ${stat((r) => r.node.wallMs / 1000, 2)} s, ÷ (${ideal}) = ${stat((r) => r.node.ratio, 2)};` +
				` baseline ${stat((r) => r.baseline.wallMs / 1000, 2)} s, ÷ (${ideal}) = ${stat((r) => r.baseline.ratio, 2)}`,
			`  before the first call: node ${stat((r) => r.node.leadMs / 1000, 2)} s, baseline ${stat((r) => r.baseline.leadMs / 1000, 2)} s;` +
				` calls phase: node ${stat((r) => r.node.callsPhaseMs / 1000, 2)} s, baseline ${stat((r) => r.baseline.callsPhaseMs / 1000, 2)} s`,
			cpuLine('node'),
			cpuLine('baseline'),
			scheduleLine('node'),
			scheduleLine('baseline'),
		].join('\n'),
	);
}

async function main() {
	const emulator = await startEmulatorProcess();
	const submitRounds: RoundFigures[] = [];
	const statusRounds: RoundFigures[] = [];
	try {
		const credentials = emulatorCredentials(emulator);
		const startItems = Array.from({ length: URLS }, (_, i) => ({
			json: { url: `https://media.example.com/library/video-${i}.mp4`, row: i },
		}));
		const runBaseline = async (step: 'submit' | 'status', value: string, items: INodeExecutionData[]) => {
			const ran = await runWorkflow({
				nodes: [startNode(), baselineNode(step, value)],
				connections: chain('Start', 'Baseline'),
				credentials,
				startItems: items,
				extraNodeTypes: { [BASELINE_NODE_TYPE]: baselineNodeType },
			});
			if (ran.status !== 'success') throw ran.error ?? new Error(`baseline ${step} ${ran.status}`);
		};
		// Untimed: both sides load and compile their code before the first round, not in it.
		await runBaseline('submit', '={{ $json.url }}', startItems.slice(0, 2 * SUBMIT_BATCH));
		const warmUp = await runWorkflow({
			nodes: [startNode(), vodNode('Submit', { resource: 'urlUpload', operation: 'submit' })],
			connections: chain('Start', 'Submit'),
			credentials,
			startItems: startItems.slice(0, 2 * SUBMIT_BATCH),
		});
		if (warmUp.status !== 'success') throw warmUp.error ?? new Error(`warm-up ${warmUp.status}`);
		const warmUpJobs = warmUp.output('Submit').map((item) => ({ json: item.json }));
		await runBaseline('status', '={{ $json.jobId }}', warmUpJobs);
		await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', {})],
			connections: chain('Start', 'Status'),
			credentials,
			startItems: warmUpJobs,
		});

		for (let round = 1; round <= ROUNDS; round++) {
			// A fresh emulator state each round, so the same URLs are new jobs (not a SessionId seen before).
			await emulator.control('POST', 'reset');
			// Jobs stay PENDING: the benchmark measures the node and the API calls, not the downloads.
			await emulator.control('POST', 'jobs', { autoRun: false });
			await emulator.control('POST', 'faults', { vod: { latencyMs: LATENCY_MS } });

			let out: INodeExecutionData[] = [];
			submitRounds.push(
				await measureBoth(
					round,
					emulator,
					'UploadMediaByURL',
					async () => {
						const submitted = await runWorkflow({
							nodes: [
								startNode(),
								vodNode('Submit', { resource: 'urlUpload', operation: 'submit', options: { parallelCalls: PARALLEL } }),
							],
							connections: chain('Start', 'Submit'),
							credentials,
							startItems,
						});
						if (submitted.status !== 'success') throw submitted.error ?? new Error(`submit ${submitted.status}`);
						out = submitted.output('Submit');
					},
					async () => await runBaseline('submit', '={{ $json.url }}', startItems),
				),
			);
			const jobIds = new Set(out.map((item) => item.json.jobId));
			console.log(`round ${round}: submit gave ${out.length} output items, ${jobIds.size} distinct jobs`);

			const statusItems = out.map((item) => ({ json: item.json }));
			statusRounds.push(
				await measureBoth(
					round,
					emulator,
					'GetURLUploadInfos',
					async () => {
						const checked = await runWorkflow({
							nodes: [startNode(), jobStatusNode('Status', { options: { parallelCalls: PARALLEL } })],
							connections: chain('Start', 'Status'),
							credentials,
							startItems: statusItems,
						});
						if (checked.status !== 'success') throw checked.error ?? new Error(`status ${checked.status}`);
						console.log(
							`round ${round}: status routed ${checked.output('Status', 0).length} succeeded, ` +
								`${checked.output('Status', 1).length} failed, ${checked.output('Status', 2).length} still running`,
						);
					},
					async () => await runBaseline('status', '={{ $json.jobId }}', statusItems),
				),
			);
		}
		summarize('URL Upload → Submit', Math.ceil(URLS / SUBMIT_BATCH), submitRounds);
		summarize('Job Status, one round', Math.ceil(URLS / STATUS_BATCH), statusRounds);
	} finally {
		await emulator.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
