/**
 * `npm run demo [-- --once] [-- --count 12] [-- --n8n 1.123.5]`
 *
 * Builds the package, makes sure a real n8n is installed (first run: installs it into the cache and shows
 * progress), starts the VOD + OSS emulator and a loopback server with sample media, starts n8n with the
 * package installed as a community package, imports `examples/migrate-url-list.json` (its trigger swapped
 * for a Webhook so it can be started, its credentials pointed at the emulator), runs the migration and
 * prints source → JobId → VideoId → status. Then it keeps n8n running for you to look around, until
 * Ctrl-C. With `--once` or under `CI=true` it stops after the table (exit code 1 if a job did not succeed).
 * `--skip-build` uses the dist/ that is there (the e2e test of this script does). `--n8n <version>` picks
 * the n8n (default: N8N_E2E_VERSION, else 2.41.1 on Node.js 24; 1.123.5 runs on Node.js 20).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

import { emulatorApiCredential, startEmulator } from '../test/emulator';
import { OWNER, nodeOutput, type ExecutionRecord } from '../test/e2e/lib/client';
import { adaptExample, readExample } from '../test/e2e/lib/example';
import { ensureN8n, n8nVersion } from '../test/e2e/lib/install';
import { startMediaServer } from '../test/e2e/lib/media-server';
import { freePort } from '../test/e2e/lib/process';
import { NODE_TYPES, startN8nSession } from '../test/e2e/lib/session';

const once = process.argv.includes('--once') || process.env.CI === 'true';
const skipBuild = process.argv.includes('--skip-build');
const countFlag = process.argv.indexOf('--count');
const COUNT = countFlag > 0 ? Number(process.argv[countFlag + 1]) : 12;
const n8nFlag = process.argv.indexOf('--n8n');
const N8N_VERSION = n8nFlag > 0 ? process.argv[n8nFlag + 1] : n8nVersion();

function step(text: string) {
	process.stdout.write(`\n▶ ${text}\n`);
}

function table(rows: string[][]) {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	return rows
		.map((row, index) => {
			const line = row
				.map((cell, column) => cell.padEnd(widths[column]))
				.join('  ')
				.trimEnd();
			return index === 0 ? `${line}\n${widths.map((width) => '─'.repeat(width)).join('  ')}` : line;
		})
		.join('\n');
}

async function preferredPort(port: number) {
	const probe = await import('node:net');
	const free = await new Promise<boolean>((resolve) => {
		const server = probe.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
	return free ? port : await freePort();
}

/**
 * The final word of the Job Status node(s) on each job: Succeeded (output 0) or Failed (output 1), over
 * every run (the example loops still-running jobs back through a Wait node).
 */
function finalStatuses(execution: ExecutionRecord, jobStatusNodes: string[]) {
	const statuses = new Map<string, { outcome: string; status: string }>();
	for (const nodeName of jobStatusNodes) {
		const runs = execution.data?.resultData.runData[nodeName] ?? [];
		runs.forEach((_, run) => {
			for (const [output, outcome] of [
				[0, 'succeeded'],
				[1, 'failed'],
			] as const) {
				for (const json of nodeOutput(execution, nodeName, output, run)) {
					if (typeof json.jobId === 'string') {
						statuses.set(json.jobId, {
							outcome,
							status: String(json.status ?? json.errorCode ?? ''),
						});
					}
				}
			}
		});
	}
	return statuses;
}

/** What to stop, newest first; run on Ctrl-C at any point, so no n8n is left behind. */
const cleanups: Array<() => Promise<void>> = [];
async function cleanUp() {
	while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
}
let interrupted: () => void = () => {
	step('Stopping');
	void cleanUp().finally(() => process.exit(130));
};
process.once('SIGINT', () => interrupted());
process.once('SIGTERM', () => interrupted());

async function main() {
	if (!skipBuild) {
		step('Building the package (npm run build)');
		const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
		if (build.status !== 0) throw new Error('npm run build failed');
	}

	step(`Making sure n8n ${N8N_VERSION} is installed (cache: N8N_E2E_CACHE)`);
	const log = (line: string) => process.stdout.write(`  ${line}\n`);
	await ensureN8n(N8N_VERSION, log);

	step('Starting the VOD + OSS emulator and the sample media server');
	const emulator = await startEmulator();
	cleanups.push(() => emulator.stop());
	const names = Array.from(
		{ length: COUNT },
		(_, i) => `sample-${String(i + 1).padStart(3, '0')}.mp4`,
	);
	const media = await startMediaServer(
		names.map((name, i) => ({ name, size: (256 + i * 64) * 1024 })),
	);
	cleanups.push(() => media.stop());
	log(
		`VOD endpoint ${emulator.vodEndpoint}, OSS ${emulator.ossEndpoint}, media ${media.baseUrl}/media/`,
	);

	step('Starting n8n with n8n-nodes-alibaba-vod installed as a community package');
	const session = await startN8nSession({
		version: N8N_VERSION,
		port: await preferredPort(5678),
		log,
	});
	cleanups.push(() => session.close());

	step('Importing credentials and examples/migrate-url-list.json');
	const client = session.client;
	const vod = await client.createCredential('Alibaba Cloud (emulator)', 'alibabaCloudVodApi', emulatorApiCredential(emulator));
	const callback = await client.createCredential(
		'VOD callback key (emulator)',
		'alibabaCloudVodCallbackApi',
		{
			authKey: emulator.callbackAuthKey,
			previousAuthKey: '',
		},
	);
	const triggerWebhookId = randomUUID();
	const example = readExample('migrate-url-list.json');
	const adapted = adaptExample(example, {
		webhookPath: 'demo-migrate-url-list',
		urls: names.map((name) => media.urlOf(name)),
		credentials: {
			alibabaCloudVodApi: { id: vod.id, name: vod.name },
			alibabaCloudVodCallbackApi: { id: callback.id, name: callback.name },
		},
		triggerWebhookId,
		waitSeconds: 2,
		name: 'Demo: migrate a URL list into VOD',
	});
	const workflow = await client.createWorkflow(adapted);
	await client.activateWorkflow(workflow.id);
	if (adapted.nodes.some((node) => node.type === NODE_TYPES.trigger)) {
		// VOD calls back the production URL of the example's VOD Trigger
		emulator.setMessageCallback({
			CallbackURL: `${session.n8n.webhookBaseUrl}webhook/${triggerWebhookId}/webhook`,
			AuthSwitch: 'on',
			EventTypeList: 'ALL',
		});
	}
	const jobStatusNodes = adapted.nodes
		.filter((node) => node.type === NODE_TYPES.jobStatus)
		.map((node) => node.name);

	step(`Running the migration of ${COUNT} URLs`);
	const started = Date.now();
	const response = await fetch(`${session.n8n.webhookBaseUrl}webhook/demo-migrate-url-list`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{}',
	});
	if (!response.ok)
		throw new Error(`starting the workflow failed: ${response.status} ${await response.text()}`);
	const [execution] = await client.waitForExecutions(workflow.id, 1, 10 * 60_000);
	await emulator.idle();
	const seconds = ((Date.now() - started) / 1000).toFixed(1);

	const reported = finalStatuses(execution, jobStatusNodes);
	const jobs = [...emulator.state.vod.jobs.values()];
	const rows = [['source', 'JobId', 'VideoId', 'status (n8n)', 'status (VOD)']];
	let failures = 0;
	for (const name of names) {
		const url = media.urlOf(name);
		const job = jobs.find((candidate) => candidate.uploadUrl === url);
		const item = job ? reported.get(job.jobId) : undefined;
		const n8nStatus = item ? `${item.outcome} (${item.status})` : '—';
		if (job?.status !== 'SUCCESS' || item?.outcome !== 'succeeded') failures += 1;
		rows.push([
			name,
			job?.jobId ?? '—',
			job?.mediaId ?? '—',
			n8nStatus,
			job?.status ?? 'not submitted',
		]);
	}
	step(`Result (workflow execution ${execution.id}: ${execution.status}, ${seconds} s)`);
	process.stdout.write(`${table(rows)}\n`);

	if (once) {
		await cleanUp();
		process.exit(failures === 0 && execution.status === 'success' ? 0 : 1);
	}
	step('n8n keeps running — open it and look at the workflow and its execution');
	process.stdout.write(
		`  ${session.n8n.baseUrl}/workflow/${workflow.id}\n  login: ${OWNER.email} / ${OWNER.password}\n  Ctrl-C to stop.\n`,
	);
	await new Promise<void>((resolve) => {
		interrupted = resolve;
	});
	step('Stopping');
	await cleanUp();
	process.exit(0);
}

main().catch(async (error) => {
	process.stderr.write(
		`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`,
	);
	await cleanUp();
	process.exit(1);
});
