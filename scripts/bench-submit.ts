/**
 * Submit benchmark: 10,000 URLs through the Alibaba Cloud VOD node (URL Upload → Submit) and one Check Once
 * round of the Job Status node, run in-process by the workflow harness against the emulator with 50 ms
 * added to every VOD answer. The emulator runs in its own process (`test/emulator/cli.ts`, forked), so its
 * CPU does not count against the node's. Prints per step: the VOD calls made, wall time, wall time ÷ the
 * ideal (calls × latency ÷ parallel calls; 1.0 means the node added nothing but the calls themselves), the
 * CPU each process spent, and the schedule of the calls as the node sent them. Medians over the rounds,
 * with the range.
 *
 *   npm run bench:submit   (BENCH_URLS, BENCH_LATENCY_MS, BENCH_PARALLEL, BENCH_ROUNDS override the defaults)
 */
import { fork, type ChildProcess } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { chain, emulatorCredentials, jobStatusNode, runWorkflow, startNode, vodNode } from '../test/harness';

const URLS = Number(process.env.BENCH_URLS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

/** Start and end times of every HTTP request the node sends (the control calls go through fetch, not node:http). */
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
	ratio: number;
	nodeCpuMs: number;
	/** the node's CPU before its first call: reading and checking the items */
	nodeCpuBeforeCallsMs: number;
	emulatorCpuMs: number;
	/** from the step's start to its first request, and from its last answer to its end */
	leadMs: number;
	tailMs: number;
	/** requests open at once on average, between the first request and the last answer */
	inFlight: number;
	/** median time from a request's start to the end of its answer */
	requestMs: number;
	/** median time from an answer to the next request (the node's work between calls, and its waits for a core) */
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
	const nodeCpu = process.cpuUsage();
	const stopRecording = recordRequests();
	const started = performance.now();
	await run();
	const ended = performance.now();
	const { spans, cpuBeforeFirst } = stopRecording();
	const nodeCpuMs = cpuMs(process.cpuUsage(nodeCpu));
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
		nodeCpuMs,
		nodeCpuBeforeCallsMs: cpuMs(cpuBeforeFirst),
		emulatorCpuMs: cpuMs(after.cpuUsage) - cpuMs(before.cpuUsage),
		leadMs: first - started,
		tailMs: ended - last,
		inFlight: busy / (last - first),
		requestMs: median(spans.map(([start, end]) => end - start)),
		turnaroundMs: median(turnarounds(spans)),
	};
}

function summarize(label: string, goal: number, rounds: StepFigures[]) {
	const stat = (pick: (figures: StepFigures) => number, digits: number) => {
		const values = rounds.map(pick);
		const range = `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
		return `${median(values).toFixed(digits)} (${range})`;
	};
	const calls = [...new Set(rounds.map((figures) => figures.calls))].join('/');
	console.log(
		[
			`${label}: calls ${calls} (goal ${goal}), medians of ${rounds.length} round(s) (range)`,
			`  wall ${stat((f) => f.wallMs / 1000, 2)} s   wall ÷ (calls × ${LATENCY_MS} ms ÷ ${PARALLEL}) = ${stat((f) => f.ratio, 2)}`,
			`  CPU: node ${stat((f) => f.nodeCpuMs / 1000, 2)} s = ${stat((f) => f.nodeCpuMs / f.calls, 2)} ms per call,` +
				` of which ${stat((f) => f.nodeCpuBeforeCallsMs / 1000, 2)} s before the first call` +
				` and ${stat((f) => (f.nodeCpuMs - f.nodeCpuBeforeCallsMs) / f.calls, 2)} ms per call from then on;` +
				'\n      ' +
				` emulator ${stat((f) => f.emulatorCpuMs / 1000, 2)} s = ${stat((f) => f.emulatorCpuMs / f.calls, 2)} ms per call`,
			`  schedule: first call after ${stat((f) => f.leadMs, 0)} ms, end ${stat((f) => f.tailMs, 0)} ms after the last answer;` +
				` ${stat((f) => f.inFlight, 2)} calls in flight on average (of ${PARALLEL}); a call takes ${stat((f) => f.requestMs, 1)} ms` +
				` and the next starts ${stat((f) => f.turnaroundMs, 2)} ms after an answer (medians)`,
		].join('\n'),
	);
}

async function main() {
	const emulator = await startEmulatorProcess();
	const submitRounds: StepFigures[] = [];
	const statusRounds: StepFigures[] = [];
	try {
		const credentials = emulatorCredentials(emulator);
		const startItems = Array.from({ length: URLS }, (_, i) => ({
			json: { url: `https://media.example.com/library/video-${i}.mp4`, row: i },
		}));
		for (let round = 1; round <= ROUNDS; round++) {
			// A fresh emulator state each round, so the same URLs are new jobs (not a SessionId seen before).
			await emulator.control('POST', 'reset');
			// Jobs stay PENDING: the benchmark measures the node and the API calls, not the downloads.
			await emulator.control('POST', 'jobs', { autoRun: false });
			await emulator.control('POST', 'faults', { vod: { latencyMs: LATENCY_MS } });

			let out: INodeExecutionData[] = [];
			submitRounds.push(
				await measure(emulator, 'UploadMediaByURL', async () => {
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
				}),
			);
			const jobIds = new Set(out.map((item) => item.json.jobId));
			console.log(`round ${round}: submit gave ${out.length} output items, ${jobIds.size} distinct jobs`);

			statusRounds.push(
				await measure(emulator, 'GetURLUploadInfos', async () => {
					const checked = await runWorkflow({
						nodes: [startNode(), jobStatusNode('Status', { options: { parallelCalls: PARALLEL } })],
						connections: chain('Start', 'Status'),
						credentials,
						startItems: out.map((item) => ({ json: item.json })),
					});
					if (checked.status !== 'success') throw checked.error ?? new Error(`status ${checked.status}`);
					console.log(
						`round ${round}: status routed ${checked.output('Status', 0).length} succeeded, ` +
							`${checked.output('Status', 1).length} failed, ${checked.output('Status', 2).length} still running`,
					);
				}),
			);
		}
		summarize('URL Upload → Submit', Math.ceil(URLS / 20), submitRounds);
		summarize('Job Status, one round', Math.ceil(URLS / 10), statusRounds);
	} finally {
		await emulator.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
