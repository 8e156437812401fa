/**
 * Callback load benchmark: the Alibaba Cloud VOD Trigger in a real n8n (the built package installed as a
 * community package, as users install it) under the load VOD can put on it, against n8n's own Webhook node
 * under the same load as the baseline.
 *
 * One n8n, two active workflows: VOD Trigger (callback key) → No Op, and Webhook (POST, respond
 * immediately) → No Op. Each round sends the same distinct callback bodies (so de-duplication drops none)
 * to each, signed for the trigger as VOD signs them (md5(url|timestamp|key)), over `concurrency` keep-alive
 * connections; the order alternates between rounds and each phase waits for n8n to finish the executions
 * it started before the next begins. Then it checks that the trigger started exactly one execution per
 * callback (every MediaId once), that forged callbacks get 401 and start nothing, and how repeats of the
 * last callbacks are answered. All traffic stays on 127.0.0.1.
 *
 *   npm run build && npm run bench:callbacks [-- --n8n 1.123.5]
 *   (default n8n: N8N_E2E_VERSION, else 2.41.1)
 *   env: BENCH_CALLBACKS (2000), BENCH_CONCURRENCY (50), BENCH_ROUNDS (5), BENCH_WARMUP (100),
 *        BENCH_FORGED (50), BENCH_REPEATS (50), BENCH_DRAIN_SECONDS (600),
 *        BENCH_SQLITE_POOL_SIZE (n8n 1.x: 0, its default single SQLite connection, unless set; e.g. 4:
 *        the pooled WAL driver, n8n 2.x's only one, whose own default it keeps unless set),
 *        BENCH_DIAGNOSE=1 adds two targets that split the trigger's extra cost: the trigger with
 *        de-duplication off (Duplicate Window 0: no static-data write per callback), and n8n's Webhook with
 *        Header Auth (like the trigger, it loads and decrypts a credential per request).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import type { INode } from 'n8n-workflow';

import {
	countRememberedDeliveries,
	DEFAULT_DELIVERY_LIMITS,
} from '../nodes/AlibabaCloudVod/helpers/callbackDedup';
import type { N8nClient, WorkflowDefinition } from '../test/e2e/lib/client';
import { assertBuilt, majorOf, n8nVersion, REPO_ROOT } from '../test/e2e/lib/install';
import { NODE_TYPES, startN8nSession, type N8nSession } from '../test/e2e/lib/session';
import {
	nonOk,
	percentile,
	runLoad,
	statusSummary,
	throughput,
	type LoadResult,
} from './lib/http-load';
import { median } from './lib/stats';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);
const FORGED = Number(process.env.BENCH_FORGED ?? 50);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 50);
const DRAIN_MS = Number(process.env.BENCH_DRAIN_SECONDS ?? 600) * 1000;
const DIAGNOSE = process.env.BENCH_DIAGNOSE === '1';
const n8nFlag = process.argv.indexOf('--n8n');
const N8N_VERSION = n8nFlag > 0 ? process.argv[n8nFlag + 1] : n8nVersion();
/**
 * SQLite connections n8n keeps: 0 is n8n 1.x's default (one connection, rollback journal); above 0 is the
 * pooled driver in WAL mode, which n8n 1.x recommends at start-up and n8n 2.x always uses (undefined:
 * 2.x's own default pool).
 */
const SQLITE_POOL_SIZE =
	process.env.BENCH_SQLITE_POOL_SIZE ?? (majorOf(N8N_VERSION) >= 2 ? undefined : '0');

const GOAL_RATIO = 0.9;
const GOAL_P99_MS = 1000;

const say = (line: string) => process.stderr.write(`[bench:callbacks] ${line}\n`);

/** md5(url|timestamp|key), computed here independently of the trigger's own helper. */
function vodSignature(url: string, timestamp: string, key: string) {
	return createHash('md5').update(`${url}|${timestamp}|${key}`).digest('hex');
}

const loadAverage = () =>
	loadavg()
		.map((n) => n.toFixed(2))
		.join(' ');

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

function signedHeaders(url: string, key: string) {
	const timestamp = nowSeconds();
	return {
		'x-vod-timestamp': timestamp,
		'x-vod-signature': vodSignature(url, timestamp, key),
	};
}

/** Alternately FileUploadComplete and UploadByURLComplete, each with its own VideoId. */
function callbackBodies(label: string, count: number) {
	const mediaIds: string[] = [];
	const bodies = Array.from({ length: count }, (_, i) => {
		const mediaId = createHash('md5').update(`${label}-${i}`).digest('hex');
		mediaIds.push(mediaId);
		const eventTime = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().replace('.000', '');
		const event =
			i % 2 === 0
				? {
						EventTime: eventTime,
						EventType: 'FileUploadComplete',
						VideoId: mediaId,
						Status: 'success',
						Size: 1024 + i,
						FileUrl: `http://outin-bench.oss-cn-shanghai.aliyuncs.com/sv/${mediaId}/video.mp4`,
					}
				: {
						EventTime: eventTime,
						EventType: 'UploadByURLComplete',
						VideoId: mediaId,
						JobId: createHash('md5').update(`job-${label}-${i}`).digest('hex'),
						SourceURL: `https://media.example.com/library/${label}/video-${i}.mp4`,
						Status: 'success',
						Size: 2048 + i,
					};
		return Buffer.from(JSON.stringify(event));
	});
	return { bodies, mediaIds };
}

let nodeCounter = 0;
function node(partial: Omit<INode, 'id' | 'position'>): INode {
	nodeCounter += 1;
	return {
		id: randomUUID(),
		position: [nodeCounter * 220, 300],
		...partial,
	};
}

function toNoOp(start: INode, name: string): WorkflowDefinition {
	return {
		name,
		nodes: [
			start,
			node({
				name: 'Received',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				parameters: {},
			}),
		],
		connections: {
			[start.name]: { main: [[{ node: 'Received', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

function triggerWorkflow(
	name: string,
	webhookId: string,
	credential: { id: string; name: string },
	options = {},
) {
	return toNoOp(
		node({
			name: 'VOD Trigger',
			type: NODE_TYPES.trigger,
			typeVersion: 1.1,
			webhookId,
			parameters: {
				events: ['UploadByURLComplete', 'FileUploadComplete'],
				status: 'any',
				callbackRegistration: 'manual',
				options,
			},
			credentials: { alibabaCloudVodCallbackApi: credential },
		}),
		name,
	);
}

function baselineWorkflow(path: string, headerAuth?: { id: string; name: string }) {
	return toNoOp(
		node({
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			webhookId: path,
			parameters: {
				httpMethod: 'POST',
				path,
				responseMode: 'onReceived',
				...(headerAuth ? { authentication: 'headerAuth' } : {}),
				options: {},
			},
			...(headerAuth ? { credentials: { httpHeaderAuth: headerAuth } } : {}),
		}),
		`Bench: n8n Webhook${headerAuth ? ' with Header Auth' : ''}`,
	);
}

interface Target {
	name: string;
	workflowId: string;
	url: string;
	signKey?: string;
	/** sent with every request */
	headers?: Record<string, string>;
	/** executions this workflow should have finished so far */
	expected: number;
	results: LoadResult[];
}

/** Finished (not new/running) executions of a workflow, counted by n8n (REST `count`). */
async function finishedExecutions(client: N8nClient, workflowId: string) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const page = await client.rest<{ count: number }>('GET', `/executions?filter=${filter}&limit=1`);
	return page.count;
}

/** Waits (bounded) until n8n has finished every execution the target's requests started. */
async function drain(client: N8nClient, target: Target) {
	const started = Date.now();
	let count = 0;
	for (;;) {
		count = await finishedExecutions(client, target.workflowId);
		const seconds = (Date.now() - started) / 1000;
		if (count >= target.expected || Date.now() - started > DRAIN_MS) return { count, seconds };
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

async function phase(
	client: N8nClient,
	target: Target,
	bodies: Buffer[],
	label: string,
	record: boolean,
) {
	const result = await runLoad({
		url: target.url,
		requests: bodies.map((body) => ({ body, headers: target.headers })),
		concurrency: CONCURRENCY,
		headersFor: target.signKey ? () => signedHeaders(target.url, target.signKey!) : undefined,
	});
	// a request answered otherwise (e.g. 503 while n8n finds its database busy) started nothing
	target.expected += result.statuses.get(200) ?? 0;
	const drained = await drain(client, target);
	say(
		`${label} ${target.name}: ${result.requests} requests in ${(result.wallMs / 1000).toFixed(2)} s ` +
			`(${throughput(result).toFixed(0)} req/s, p50 ${percentile(result.latenciesMs, 50).toFixed(0)} ms, ` +
			`p99 ${percentile(result.latenciesMs, 99).toFixed(0)} ms, non-200 ${nonOk(result)}: ${statusSummary(result)}); ` +
			`${drained.count}/${target.expected} executions finished ${drained.seconds.toFixed(1)} s later; ` +
			`load average ${loadAverage()}`,
	);
	for (const failure of result.sampleFailures) say(`  e.g. ${failure}`);
	if (record) target.results.push(result);
	return result;
}

function combined(target: Target) {
	const latencies = target.results.flatMap((r) => r.latenciesMs);
	const requests = target.results.reduce((sum, r) => sum + r.requests, 0);
	const wallMs = target.results.reduce((sum, r) => sum + r.wallMs, 0);
	const failed = target.results.reduce((sum, r) => sum + nonOk(r), 0);
	return {
		requests,
		failed,
		rps: requests / (wallMs / 1000),
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		max: Math.max(...latencies),
		wallSeconds: wallMs / 1000,
	};
}

function sourceNewerThanBuild() {
	const built = statSync(
		join(REPO_ROOT, 'dist/nodes/AlibabaCloudVod/trigger/receiveCallback.js'),
	).mtimeMs;
	return ['trigger/receiveCallback.ts', 'helpers/callbackDedup.ts', 'helpers/callbackSignature.ts']
		.map((file) => join(REPO_ROOT, 'nodes/AlibabaCloudVod', file))
		.filter((file) => statSync(file).mtimeMs > built);
}

interface Checks {
	failures: string[];
	check(ok: boolean, what: string): void;
}

async function verifyExecutions(
	session: N8nSession,
	trigger: Target,
	sentMediaIds: string[],
	checks: Checks,
) {
	const executions = await session.client.executions(trigger.workflowId, true);
	const seen = new Map<string, number>();
	let notSuccess = 0;
	for (const execution of executions) {
		if (execution.status !== 'success') notSuccess++;
		const items = execution.data?.resultData.runData['VOD Trigger']?.[0]?.data?.main[0] ?? [];
		for (const item of items) {
			const mediaId = (item.json.event as { MediaId?: string } | undefined)?.MediaId ?? '?';
			seen.set(mediaId, (seen.get(mediaId) ?? 0) + 1);
		}
	}
	const twice = [...seen.values()].filter((n) => n > 1).length;
	const missing = sentMediaIds.filter((id) => !seen.has(id)).length;
	say(
		`trigger executions (public API): ${executions.length} (expected ${sentMediaIds.length}), ` +
			`${seen.size} distinct MediaIds, ${missing} callbacks without an execution, ${twice} started twice, ` +
			`${notSuccess} not successful`,
	);
	checks.check(
		executions.length === sentMediaIds.length,
		`trigger executions = ${sentMediaIds.length}`,
	);
	checks.check(
		missing === 0 && twice === 0,
		'every accepted callback started exactly one execution',
	);
	checks.check(notSuccess === 0, 'every trigger execution succeeded');
	return executions.length;
}

async function forgedCallbacks(
	session: N8nSession,
	trigger: Target,
	key: string,
	before: number,
	checks: Checks,
) {
	const { bodies } = callbackBodies('forged', FORGED);
	const refusalsBefore = session.n8n
		.logText()
		.split('Alibaba Cloud VOD Trigger refused a callback (401)').length;
	const kinds: Array<(i: number) => Record<string, string>> = [
		() => ({}),
		() => {
			const ts = nowSeconds();
			return {
				'x-vod-timestamp': ts,
				'x-vod-signature': vodSignature(trigger.url, ts, `${key}x`),
			};
		},
		() => {
			const ts = nowSeconds();
			return {
				'x-vod-timestamp': ts,
				'x-vod-signature': vodSignature(`${trigger.url}/other`, ts, key),
			};
		},
		() => {
			const ts = String(Number(nowSeconds()) - 3600);
			return {
				'x-vod-timestamp': ts,
				'x-vod-signature': vodSignature(trigger.url, ts, key),
			};
		},
	];
	const result = await runLoad({
		url: trigger.url,
		requests: bodies.map((body) => ({ body })),
		concurrency: CONCURRENCY,
		headersFor: (i) => kinds[i % kinds.length](i),
	});
	await new Promise((resolve) => setTimeout(resolve, 3000));
	const after = (await session.client.executions(trigger.workflowId)).length;
	const refusals =
		session.n8n.logText().split('Alibaba Cloud VOD Trigger refused a callback (401)').length -
		refusalsBefore;
	const unauthorized = result.statuses.get(401) ?? 0;
	say(
		`forged callbacks: ${FORGED} sent (no headers / wrong key / other URL / stale timestamp), ` +
			`${unauthorized} answered 401, ${refusals} refusals logged by the trigger, executions ${before} → ${after}`,
	);
	checks.check(unauthorized === FORGED, `all ${FORGED} forged callbacks answered 401`);
	checks.check(after === before, 'forged callbacks started no execution');
}

/**
 * Repeats of the last callbacks, one at a time with fresh signatures, as VOD retries. Reported, not
 * asserted: the trigger remembers the last 1,000 deliveries, and concurrent requests each save their own
 * copy of that memory (n8n: last write wins), so some deliveries of a busy burst may not be remembered.
 */
async function repeatedCallbacks(
	session: N8nSession,
	trigger: Target,
	key: string,
	bodies: Buffer[],
	before: number,
) {
	const repeats = bodies.slice(-REPEATS);
	let answered200 = 0;
	for (const body of repeats) {
		const result = await runLoad({
			url: trigger.url,
			requests: [{ body }],
			concurrency: 1,
			headersFor: () => signedHeaders(trigger.url, key),
		});
		answered200 += result.statuses.get(200) ?? 0;
	}
	await new Promise((resolve) => setTimeout(resolve, 3000));
	const started = (await session.client.executions(trigger.workflowId)).length - before;
	const ignored = repeats.length - started;
	const stored = await session.client.api<{
		staticData?: { [key: string]: { deliveries?: unknown } };
	}>('GET', `/workflows/${trigger.workflowId}`);
	const remembered = Object.values(stored.staticData ?? {}).reduce(
		(sum, data) => sum + countRememberedDeliveries(data?.deliveries),
		0,
	);
	say(
		`repeats of the last ${repeats.length} callbacks (sequential, re-signed): ${answered200} answered 200, ${ignored} recognised as repeats, ` +
			`${started} started again; deliveries remembered in static data after the load: ${remembered} ` +
			`(limit ${DEFAULT_DELIVERY_LIMITS.maxEntries})`,
	);
	return { started, remembered };
}

async function main() {
	assertBuilt();
	const stale = sourceNewerThanBuild();
	if (stale.length > 0)
		say(`WARNING: dist is older than ${stale.join(', ')}: run \`npm run build\` first`);
	say(`uptime: ${loadAverage()} (load average 1/5/15 min)`);

	const session = await startN8nSession({
		version: N8N_VERSION,
		log: say,
		// 4,000+ executions per workflow: keep n8n from pruning them while the run counts them
		env: {
			EXECUTIONS_DATA_PRUNE: 'false',
			...(SQLITE_POOL_SIZE === undefined ? {} : { DB_SQLITE_POOL_SIZE: SQLITE_POOL_SIZE }),
		},
	});
	const checks: Checks = {
		failures: [],
		check(ok, what) {
			if (!ok) this.failures.push(what);
		},
	};
	try {
		const { client } = session;
		const key = randomBytes(16).toString('hex');
		const credential = await client.createCredential(
			'Bench callback key',
			'alibabaCloudVodCallbackApi',
			{
				authKey: key,
				previousAuthKey: '',
			},
		);
		const targets: Target[] = [];
		const addTrigger = async (name: string, options = {}) => {
			const webhookId = randomUUID();
			const workflow = await client.createWorkflow(
				triggerWorkflow(`Bench: ${name}`, webhookId, credential, options),
			);
			await client.activateWorkflow(workflow.id);
			const target: Target = {
				name,
				workflowId: workflow.id,
				url: `${session.n8n.webhookBaseUrl}webhook/${webhookId}/webhook`,
				signKey: key,
				expected: 0,
				results: [],
			};
			targets.push(target);
			return target;
		};
		const trigger = await addTrigger('VOD Trigger');
		const addWebhook = async (name: string, headerAuth?: { id: string; name: string }) => {
			const path = `bench-${randomUUID()}`;
			const workflow = await client.createWorkflow(baselineWorkflow(path, headerAuth));
			await client.activateWorkflow(workflow.id);
			const target: Target = {
				name,
				workflowId: workflow.id,
				url: `${session.n8n.webhookBaseUrl}webhook/${path}`,
				headers: headerAuth ? { 'x-bench-token': key } : undefined,
				expected: 0,
				results: [],
			};
			targets.push(target);
			return target;
		};
		const baseline = await addWebhook('n8n Webhook');
		const diagnostics: Target[] = [];
		if (DIAGNOSE) {
			diagnostics.push(await addTrigger('VOD Trigger, dedup off', { duplicateWindow: 0 }));
			const headerAuth = await client.createCredential('Bench header auth', 'httpHeaderAuth', {
				name: 'x-bench-token',
				value: key,
			});
			diagnostics.push(await addWebhook('n8n Webhook, Header Auth', headerAuth));
		}

		say(
			`${CALLBACKS} callbacks × ${ROUNDS} round(s) per target, ${CONCURRENCY} connections, warm-up ${WARMUP}; ` +
				`targets: ${targets.map((t) => t.name).join(', ')}`,
		);
		const sentToTrigger: string[] = [];
		const warm = callbackBodies('warm-up', WARMUP);
		for (const target of targets) await phase(client, target, warm.bodies, 'warm-up', false);
		sentToTrigger.push(...warm.mediaIds);

		let lastBodies: Buffer[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const { bodies, mediaIds } = callbackBodies(`round-${round}`, CALLBACKS);
			const order = round % 2 === 0 ? targets : [...targets].reverse();
			for (const target of order) await phase(client, target, bodies, `round ${round + 1}`, true);
			sentToTrigger.push(...mediaIds);
			lastBodies = bodies;
		}

		const figures = new Map(targets.map((t) => [t.name, combined(t)]));
		const t = figures.get(trigger.name)!;
		const b = figures.get(baseline.name)!;
		// Each round's two phases run back to back, so their ratio is the least disturbed by whatever else
		// the machine does; one round's ratio still moves by ±0.1, hence the median over the rounds.
		const perRound = trigger.results.map(
			(result, round) => throughput(result) / throughput(baseline.results[round]),
		);
		const ratio = median(perRound);
		console.log('');
		console.log(
			`Callback load: ${CALLBACKS} distinct callbacks × ${ROUNDS} round(s), ${CONCURRENCY} keep-alive connections, ` +
				`n8n ${session.installation.version}, 1 main process, ` +
				(SQLITE_POOL_SIZE === '0'
					? 'SQLite (one connection)'
					: `SQLite (pool of ${SQLITE_POOL_SIZE ?? "n8n's default size"}, WAL)`),
		);
		console.log(
			`${'target'.padEnd(26)} ${'requests'.padStart(8)} ${'non-200'.padStart(8)} ${'req/s'.padStart(7)} ` +
				`${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'wall s'.padStart(7)}`,
		);
		for (const [name, f] of figures) {
			console.log(
				`${name.padEnd(26)} ${String(f.requests).padStart(8)} ${String(f.failed).padStart(8)} ` +
					`${f.rps.toFixed(0).padStart(7)} ${f.p50.toFixed(0).padStart(7)} ${f.p99.toFixed(0).padStart(7)} ` +
					`${f.max.toFixed(0).padStart(7)} ${f.wallSeconds.toFixed(2).padStart(7)}`,
			);
		}
		console.log(
			`throughput ratio trigger ÷ baseline, median of ${perRound.length} rounds: ${ratio.toFixed(2)} ` +
				`(goal ≥ ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}); all requests pooled: ${(t.rps / b.rps).toFixed(2)}`,
		);
		console.log(`per round trigger ÷ baseline: ${perRound.map((r) => r.toFixed(2)).join(', ')}`);
		console.log(
			`p99: trigger ${t.p99.toFixed(0)} ms (goal < ${GOAL_P99_MS} ms: ${t.p99 < GOAL_P99_MS ? 'met' : 'NOT met'}), ` +
				`baseline ${b.p99.toFixed(0)} ms; with ${CONCURRENCY} connections always busy the mean wait is ` +
				`${CONCURRENCY} ÷ req/s (Little's law): ${((CONCURRENCY / t.rps) * 1000).toFixed(0)} ms for the trigger, ` +
				`${((CONCURRENCY / b.rps) * 1000).toFixed(0)} ms for the baseline`,
		);
		for (const target of diagnostics) {
			const f = figures.get(target.name)!;
			console.log(`${target.name} ÷ baseline: ${(f.rps / b.rps).toFixed(2)}`);
		}
		console.log(`load average now: ${loadAverage()}`);
		console.log('');

		checks.check(t.failed === 0, 'every signed callback answered 200');
		checks.check(b.failed === 0, 'every baseline request answered 200');
		const executions = await verifyExecutions(session, trigger, sentToTrigger, checks);
		await forgedCallbacks(session, trigger, key, executions, checks);
		if (REPEATS > 0) await repeatedCallbacks(session, trigger, key, lastBodies, executions);

		if (checks.failures.length > 0) {
			console.log(`CORRECTNESS FAILED: ${checks.failures.join('; ')}`);
			process.exitCode = 1;
		} else {
			console.log('correctness: all checks passed');
		}
	} finally {
		await session.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
