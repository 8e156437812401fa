/**
 * Submit benchmark: 10,000 URLs through the Alibaba Cloud VOD node (URL Upload → Submit) and one Check Once
 * round of the Job Status node, run in-process by the workflow harness against the emulator with 50 ms
 * added to every VOD answer. Prints the VOD calls made, wall time, and wall time ÷ the ideal
 * (calls × latency ÷ parallel calls) — 1.0 means the node added nothing but the calls themselves.
 *
 *   npm run bench:submit            (BENCH_URLS, BENCH_LATENCY_MS, BENCH_PARALLEL override the defaults)
 */
import { startEmulator } from '../test/emulator';
import {
	chain,
	emulatorCredentials,
	jobStatusNode,
	runWorkflow,
	startNode,
	vodNode,
} from '../test/harness';

const URLS = Number(process.env.BENCH_URLS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);

function report(label: string, calls: number, wallMs: number, goal: number) {
	const ideal = (calls * LATENCY_MS) / PARALLEL;
	console.log(
		`${label.padEnd(22)} calls ${String(calls).padStart(5)} (goal ${goal})  wall ${(wallMs / 1000).toFixed(2)} s  ` +
			`wall ÷ (calls × ${LATENCY_MS} ms ÷ ${PARALLEL}) = ${(wallMs / ideal).toFixed(2)}`,
	);
}

async function main() {
	const emulator = await startEmulator();
	try {
		// Jobs stay PENDING: the benchmark measures the node and the API calls, not the downloads.
		emulator.setJobSettings({ autoRun: false });
		emulator.setFaults({ vod: { latencyMs: LATENCY_MS } });
		const credentials = emulatorCredentials(emulator);
		const startItems = Array.from({ length: URLS }, (_, i) => ({
			json: { url: `https://media.example.com/library/video-${i}.mp4`, row: i },
		}));
		const calls = (action: string) => emulator.state.vodCalls[action] ?? 0;
		const heapBefore = process.memoryUsage().heapUsed;

		let started = Date.now();
		const submitted = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('Submit', {
					resource: 'urlUpload',
					operation: 'submit',
					options: { parallelCalls: PARALLEL },
				}),
			],
			connections: chain('Start', 'Submit'),
			credentials,
			startItems,
		});
		const submitMs = Date.now() - started;
		if (submitted.status !== 'success')
			throw submitted.error ?? new Error(`submit ${submitted.status}`);
		const out = submitted.output('Submit');
		const jobIds = new Set(out.map((item) => item.json.jobId));
		report('URL Upload → Submit', calls('UploadMediaByURL'), submitMs, Math.ceil(URLS / 20));
		console.log(
			`  ${out.length} output items, ${jobIds.size} distinct jobs, ${emulator.state.vod.jobs.size} jobs in the emulator`,
		);

		started = Date.now();
		const checked = await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', { options: { parallelCalls: PARALLEL } })],
			connections: chain('Start', 'Status'),
			credentials,
			startItems: out.map((item) => ({ json: item.json })),
		});
		const statusMs = Date.now() - started;
		if (checked.status !== 'success') throw checked.error ?? new Error(`status ${checked.status}`);
		report('Job Status, one round', calls('GetURLUploadInfos'), statusMs, Math.ceil(URLS / 10));
		console.log(
			`  routed: ${checked.output('Status', 0).length} succeeded, ${checked.output('Status', 1).length} failed, ` +
				`${checked.output('Status', 2).length} still running`,
		);
		console.log(
			`  heap growth ${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(1)} MiB`,
		);
	} finally {
		await emulator.stop();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
