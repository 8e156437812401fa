/**
 * The package in n8n queue mode, once per n8n version: Redis and PostgreSQL installed (apt, when missing) and
 * started by this file, one main process with production webhooks off, two workers, one webhook process,
 * each with its own user folder and its own community-package install, all on loopback, against the VOD
 * + OSS emulator. (a) 300 URLs submitted by 12 webhook-started executions that the queue spreads over
 * both workers; VOD's callbacks answered by the webhook process and run by the workers, one trigger
 * execution per event; (a2) what the trigger's repeat suppression remembers after that burst (n8n saves
 * static data last-write-wins) and that remembered repeats start nothing; (b) a 256 MiB file streamed
 * into VOD storage by a worker, binary data where the version keeps it across processes by default (1.x:
 * a shared filesystem store; 2.x: the database), served back by main from there.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { countRememberedDeliveries } from '../../nodes/AlibabaCloudVod/helpers/callbackDedup';
import { callbackSignature, emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import {
	callbackTriggerWorkflow,
	triggerProductionUrl,
	uploadFromDiskWorkflow,
	urlMigrationWorkflow,
} from './fixtures/workflows';
import { nodeOutput, postToWebhook, type ExecutionRecord } from './lib/client';
import { startMediaServer, writeRandomFile, type MediaServer } from './lib/media-server';
import { e2eVersions, majorOf } from './lib/install';
import { peakRss, resetPeakRss } from './lib/process';
import { startQueueCluster, type QueueCluster } from './lib/queue';
import { report, say, timed } from './lib/timing';

const MiB = 1024 * 1024;
const URL_COUNT = 300;
const BATCHES = 12; // 25 URLs per execution; more executions than one worker's concurrency (5)
/**
 * n8n 2.x keeps binary data in PostgreSQL here (its queue-mode default) and reads a file back as one
 * bytea value, which PostgreSQL sends as hex text: from 256 MiB on that text is longer than a V8 string
 * can be, n8n's database driver throws in its socket handler and the execution never ends (seen with
 * 256 MiB exactly). So 2.x uploads a file below that; 1.x (shared folder) 256 MiB.
 */
function uploadSize(version: string) {
	const mib = process.env.E2E_QUEUE_UPLOAD_MIB ?? (majorOf(version) >= 2 ? 200 : 256);
	return Number(mib) * MiB;
}


/** Which worker (index) logged each execution as started; an id in two logs would be run twice. */
function workerOf(cluster: QueueCluster, ids: string[]) {
	const started = cluster.executionsByWorker();
	return ids.map((id) => started.flatMap((set, index) => (set.has(id) ? [index] : [])));
}

describe.each(e2eVersions())('the package in n8n %s queue mode (main + 2 workers + webhook process, Redis, PostgreSQL)', (version) => {
	let emulator: Emulator;
	let cluster: QueueCluster;
	let media: MediaServer;
	let filesDir: string;
	let vodCredential: { id: string; name: string; type: string };
	let triggerWorkflowId: string | undefined;
	const names = Array.from(
		{ length: URL_COUNT },
		(_, i) => `queue-clip-${String(i + 1).padStart(3, '0')}.mp4`,
	);
	const started = Date.now();
	const UPLOAD_SIZE = uploadSize(version);

	beforeAll(async () => {
		filesDir = mkdtempSync(join(tmpdir(), 'vod-e2e-queue-files-'));
		emulator = await startEmulator();
		media = await startMediaServer(names.map((name, i) => ({ name, size: 16 * 1024 + i * 97 })));
		cluster = await timed(
			'queue cluster (services + 4 n8n processes)',
			async () =>
				await startQueueCluster({
					version,
					workers: 2,
					concurrency: 5,
					env: {
						N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
						// E2E_QUEUE_DEBUG=1: n8n's debug log, as JSON lines with each message's metadata
						...(process.env.E2E_QUEUE_DEBUG
							? { N8N_LOG_LEVEL: 'debug', N8N_LOG_FORMAT: 'json' }
							: {}),
					},
				}),
		);
		vodCredential = await cluster.client.createCredential('VOD emulator', 'alibabaCloudVodApi', emulatorApiCredential(emulator));
	}, 30 * 60_000);

	afterAll(async () => {
		await cluster?.close();
		await media?.stop();
		await emulator?.stop();
		if (filesDir) rmSync(filesDir, { recursive: true, force: true });
		report({
			...cluster?.timings,
			'whole file (wall clock)': Math.round((Date.now() - started) / 100) / 10,
		});
	}, 120_000);

	test('every process loaded the package cleanly; main answers no production webhooks', async () => {
		expect(cluster.packageLogProblems()).toEqual({
			main: [],
			webhook: [],
			'worker-1': [],
			'worker-2': [],
		});
		for (const n8n of [cluster.main, cluster.webhook, ...cluster.workers]) {
			expect(n8n.logText()).not.toMatch(/Unrecognized node type|missing packages/i);
		}
		// N8N_DISABLE_PRODUCTION_MAIN_PROCESS: /webhook/* is the webhook process's alone
		const onMain = await fetch(`${cluster.main.baseUrl}/webhook/anything`, { method: 'POST' });
		expect(onMain.status).toBe(404);
		expect(await onMain.text()).toMatch(/Cannot POST/);
	});

	test(
		`(a) ${URL_COUNT} URLs over ${BATCHES} executions on both workers; callbacks via the webhook process, one trigger execution each`,
		async () => {
			const callbackCredential = await cluster.client.createCredential(
				'VOD callback key',
				'alibabaCloudVodCallbackApi',
				{ authKey: emulator.callbackAuthKey, previousAuthKey: '' },
			);
			const webhookId = randomUUID();
			const trigger = await cluster.client.createWorkflow(
				callbackTriggerWorkflow({
					webhookId,
					callbackCredential,
					events: ['UploadByURLComplete'],
					name: 'Queue E2E: URL upload callbacks',
				}),
			);
			await cluster.client.activateWorkflow(trigger.id);
			triggerWorkflowId = trigger.id;
			const callbackUrl = triggerProductionUrl(cluster.webhookBaseUrl, webhookId);
			emulator.setMessageCallback({
				CallbackURL: callbackUrl,
				AuthSwitch: 'on',
				EventTypeList: 'ALL',
			});
			// VOD finishes a real migration's jobs over minutes; the emulator's tiny files would finish all 300
			// within seconds and turn the callbacks into one burst. ~150 ms per step (3 steps, 4 jobs at
			// once) gives a brisk ~9 callbacks a second.
			emulator.setJobSettings({ stepDelayMs: 150 });
			const migration = await cluster.client.createWorkflow(
				urlMigrationWorkflow({ path: 'queue-migrate', vodCredential }),
			);
			await cluster.client.activateWorkflow(migration.id);

			const urls = names.map((name) => media.urlOf(name));
			const perBatch = Math.ceil(URL_COUNT / BATCHES);
			const batches = Array.from({ length: BATCHES }, (_, b) =>
				urls.slice(b * perBatch, (b + 1) * perBatch),
			);
			const executions = await timed(`(a) ${BATCHES} migration executions`, async () => {
				const answers = await Promise.all(
					batches.map(
						async (batch) =>
							await postToWebhook(cluster.webhookBaseUrl, 'queue-migrate', { urls: batch }),
					),
				);
				expect(answers.map((answer) => answer.status)).toEqual(batches.map(() => 200));
				return await cluster.client.waitForExecutions(migration.id, BATCHES, 300_000);
			});
			expect(executions).toHaveLength(BATCHES);
			expect(executions.map((e) => e.status)).toEqual(executions.map(() => 'success'));

			// every source accounted for exactly once: in n8n's outputs...
			const submitted = executions.flatMap((e) => nodeOutput(e, 'Submit URLs'));
			expect(submitted).toHaveLength(URL_COUNT);
			expect(submitted.filter((item) => item.error || item.skipped)).toEqual([]);
			expect(new Set(submitted.map((item) => item.sourceUrl))).toEqual(new Set(urls));
			const succeeded = executions.flatMap((e) => nodeOutput(e, 'Job Status', 0));
			expect(executions.flatMap((e) => nodeOutput(e, 'Job Status', 1))).toEqual([]);
			expect(executions.flatMap((e) => nodeOutput(e, 'Job Status', 2))).toEqual([]);
			expect(succeeded).toHaveLength(URL_COUNT);

			// ...and in what VOD did: one job per URL, each finished, with the bytes the source served
			const jobs = [...emulator.state.vod.jobs.values()];
			expect(jobs).toHaveLength(URL_COUNT);
			expect(new Set(jobs.map((job) => job.uploadUrl))).toEqual(new Set(urls));
			expect(new Set(submitted.map((item) => item.jobId))).toEqual(
				new Set(jobs.map((job) => job.jobId)),
			);
			const reported = new Map(succeeded.map((item) => [item.jobId as string, item]));
			expect(reported.size).toBe(URL_COUNT);
			for (const job of jobs) {
				expect(job.status).toBe('SUCCESS');
				expect(reported.get(job.jobId)).toMatchObject({ status: 'SUCCESS', mediaId: job.mediaId });
				const video = emulator.state.vod.media.get(job.mediaId)!;
				const name = decodeURIComponent(job.uploadUrl.split('/').pop()!);
				expect(emulator.state.objects.get(`${video.bucket}/${video.objectKey}`)?.md5).toBe(
					media.md5Of(name),
				);
			}
			for (const name of names) expect(media.hits.get(name)).toBe(1);

			// the executions ran on the workers, each on exactly one, and on both workers
			const migrationWorkers = workerOf(
				cluster,
				executions.map((e) => e.id),
			);
			expect(migrationWorkers.filter((owners) => owners.length !== 1)).toEqual([]);
			const perWorker = [0, 1].map((w) => migrationWorkers.filter(([owner]) => owner === w).length);
			say(`(a) migration executions per worker: ${perWorker.join(' + ')}`);
			expect(perWorker.every((count) => count > 0)).toBe(true);

			// callbacks: every job's event went to the webhook process and started one trigger execution
			await emulator.idle();
			const attempts = emulator.state.vod.callbacks.filter(
				(c) => c.eventType === 'UploadByURLComplete',
			);
			expect(new Set(attempts.map((c) => c.url))).toEqual(new Set([callbackUrl]));
			const delivered = attempts.filter((c) => c.ok);
			const answers = new Map<string, number>();
			for (const c of attempts) {
				const key = c.ok ? '200' : String(c.statusCode ?? c.error);
				answers.set(key, (answers.get(key) ?? 0) + 1);
			}
			say(
				`(a) ${attempts.length} callback attempts for ${URL_COUNT} events, answered ${JSON.stringify(Object.fromEntries(answers))}`,
			);
			if (delivered.length !== URL_COUNT) {
				const failed = attempts.find((c) => !c.ok);
				const executions = await cluster.client.executions(trigger.id, true);
				const statuses = new Map<string, number>();
				for (const e of executions) statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1);
				const errored = executions.find((e) => e.status !== 'success');
				say(
					`(a) first failed attempt: ${JSON.stringify(failed)}; trigger executions ${JSON.stringify(Object.fromEntries(statuses))}; first not successful: ${JSON.stringify(errored?.data?.resultData.error ?? errored?.data?.resultData ?? errored)?.slice(0, 3000)}`,
				);
			}
			expect(delivered).toHaveLength(URL_COUNT);
			const triggered = await timed(
				'(a) trigger executions',
				async () => await cluster.client.waitForExecutions(trigger.id, URL_COUNT, 180_000),
			);
			// a moment longer: a late duplicate would show up as a 301st execution
			await new Promise((resolve) => setTimeout(resolve, 3000));
			expect(await cluster.client.executions(trigger.id)).toHaveLength(URL_COUNT);
			expect(triggered.filter((e) => e.status !== 'success')).toEqual([]);
			const calledBack = triggered.map(
				(e) => (nodeOutput(e, 'VOD Trigger')[0].event as Record<string, unknown>).JobId as string,
			);
			expect(calledBack).toHaveLength(URL_COUNT);
			expect(new Set(calledBack)).toEqual(new Set(jobs.map((job) => job.jobId)));

			const triggerWorkers = workerOf(
				cluster,
				triggered.map((e) => e.id),
			);
			expect(triggerWorkers.filter((owners) => owners.length !== 1)).toEqual([]);
			const triggerPerWorker = [0, 1].map(
				(w) => triggerWorkers.filter(([owner]) => owner === w).length,
			);
			say(`(a) trigger executions per worker: ${triggerPerWorker.join(' + ')}`);
			expect(triggerPerWorker.every((count) => count > 0)).toBe(true);
		},
		10 * 60_000,
	);

	/**
	 * VOD repeats a callback it did not see answered with 200 in 5 s. The trigger remembers each delivery in
	 * its node static data, which n8n loads for each production webhook request and saves whole once the
	 * node has answered: requests handled at the same time overwrite each other's additions (last write
	 * wins), so after a burst some deliveries are forgotten and a repeat of one of them starts again. This
	 * measures how many were forgotten and checks the rest: a repeat of a remembered delivery starts
	 * nothing, a repeat of a forgotten one starts exactly one execution, and once repeats arrive one at a
	 * time nothing is forgotten.
	 */
	/** time given n8n to save the static data after the trigger has answered */
	const SAVE_GRACE_MS = 100;

	test(
		'(a2) repeated deliveries: remembered ones start nothing; what concurrent requests forget',
		async () => {
			expect(triggerWorkflowId).toBeDefined();
			const id = triggerWorkflowId!;
			const count = async () => (await cluster.client.executions(id)).length;
			const settle = async (expected: number) => {
				const deadline = Date.now() + 30_000;
				let seen = await count();
				while (seen < expected && Date.now() < deadline) {
					await new Promise((resolve) => setTimeout(resolve, 500));
					seen = await count();
				}
				await new Promise((resolve) => setTimeout(resolve, 2000));
				return await count();
			};
			expect(await count()).toBe(URL_COUNT);
			const remembered = await rememberedDeliveries(cluster, id);
			say(
				`(a2) static data remembers ${remembered} of ${URL_COUNT} deliveries after the burst (${URL_COUNT - remembered} lost to concurrent saves)`,
			);
			expect(remembered).toBeGreaterThan(0);
			expect(remembered).toBeLessThanOrEqual(URL_COUNT);

			const delivered = emulator.state.vod.callbacks.filter(
				(c) => c.eventType === 'UploadByURLComplete' && c.ok,
			);
			expect(delivered).toHaveLength(URL_COUNT);
			const repeatAll = async () => {
				for (const original of delivered) {
					const timestamp = String(Math.floor(Date.now() / 1000));
					const response = await fetch(original.url, {
						method: 'POST',
						headers: {
							'content-type': 'application/json',
							'X-VOD-TIMESTAMP': timestamp,
							'X-VOD-SIGNATURE': callbackSignature(
								original.url,
								timestamp,
								emulator.callbackAuthKey,
							),
						},
						body: JSON.stringify(original.payload),
					});
					expect(response.status).toBe(200);
					// The trigger answers before n8n saves its static data; VOD's own retries come seconds
					// after the delivery they repeat. A sender that fires the next request the moment the
					// answer arrives can load the memory before that save lands (2 of 300 lost once).
					await new Promise((resolve) => setTimeout(resolve, SAVE_GRACE_MS));
				}
			};
			// every event repeated once, one request at a time (same body, new timestamp and signature)
			await timed('(a2) 300 repeats, one at a time', repeatAll);
			const afterFirst = await settle(URL_COUNT + (URL_COUNT - remembered));
			say(`(a2) the repeats started ${afterFirst - URL_COUNT} executions`);
			expect(afterFirst - URL_COUNT).toBe(URL_COUNT - remembered);
			expect(await rememberedDeliveries(cluster, id)).toBe(URL_COUNT);
			// a second round: everything is remembered now
			await repeatAll();
			expect(await settle(afterFirst)).toBe(afterFirst);
		},
		5 * 60_000,
	);

	test(
		`(b) a ${UPLOAD_SIZE / MiB} MiB file streamed into VOD storage by a worker; binary data in the store all processes share`,
		async () => {
			const file = join(filesDir, 'queue-keynote.mp4');
			const md5 = await timed(
				'(b) write the test file',
				async () => await writeRandomFile(file, UPLOAD_SIZE),
			);
			const workflow = await cluster.client.createWorkflow(
				uploadFromDiskWorkflow({ path: 'queue-upload', vodCredential }),
			);
			await cluster.client.activateWorkflow(workflow.id);
			for (const worker of cluster.workers) resetPeakRss(worker.child.pid!);
			if (cluster.binaryDataMode === 'database') {
				// n8n holds the file whole in memory to store it in the database and to read it back: its
				// own share is measured first, on every worker, by a workflow that stores the file and
				// writes a copy with n8n's own node
				await timed('(b) store-and-copy runs on both workers', async () => {
					await readOnEveryWorker(cluster, file, vodCredential);
				});
			}
			const rssBefore = cluster.workers.map((worker) => peakRss(worker.child.pid!));

			const answer = await timed('(b) upload workflow', async () => {
				const response = await postToWebhook(cluster.webhookBaseUrl, 'queue-upload', { file, title: 'Queue E2E keynote' });
				expect(response.status).toBe(200);
				return (await response.json()) as Array<Record<string, unknown>>;
			});
			const [execution] = await cluster.client.waitForExecutions(workflow.id, 1, 60_000);
			expect(execution.status).toBe('success');
			const uploaded = nodeOutput(execution, 'Upload to VOD');
			expect(uploaded).toHaveLength(1);
			expect(answer).toEqual(uploaded);

			const videoId = (uploaded[0].videoId ?? uploaded[0].VideoId) as string;
			const video = emulator.state.vod.media.get(videoId);
			expect(video).toBeDefined();
			const stored = emulator.state.objects.get(`${video!.bucket}/${video!.objectKey}`);
			expect({ size: stored?.size, md5: stored?.md5 }).toEqual({ size: UPLOAD_SIZE, md5 });
			const uploads = [...emulator.ossUploads.values()].filter((u) => u.key === video!.objectKey);
			expect(uploads.map((u) => u.status)).toEqual(['completed']);
			expect(uploads[0].completedParts!.length).toBeGreaterThan(1);

			// a worker ran it, and its memory did not grow by the file
			const [owners] = workerOf(cluster, [execution.id]);
			expect(owners).toHaveLength(1);
			const worker = owners[0];
			const rssAfter = peakRss(cluster.workers[worker].child.pid!);
			if (rssBefore[worker] !== undefined && rssAfter !== undefined) {
				say(
					`(b) worker-${worker + 1} peak RSS ${Math.round(rssBefore[worker]! / MiB)} MiB before, ${Math.round(rssAfter / MiB)} MiB after (file ${UPLOAD_SIZE / MiB} MiB)`,
				);
				expect(rssAfter - rssBefore[worker]!).toBeLessThan(UPLOAD_SIZE * 0.5);
			}

			// the worker wrote the file into the store every process shares (1.x: a filesystem folder; 2.x: the
			// database), and main (another process, another user folder) serves it from there, as the editor
			// would show it
			const binaryId = readBinaryId(execution, 'Read File');
			expect(binaryId?.split(':')[0]).toMatch(
				cluster.binaryDataMode === 'database' ? /^database$/ : /^filesystem/,
			);
			if (cluster.binaryDataMode === 'filesystem') {
				const inStore = readdirSync(cluster.binaryDataDir, { recursive: true, withFileTypes: true })
					.filter((entry) => entry.isFile())
					.map((entry) => statSync(join(entry.parentPath ?? entry.path, entry.name)).size);
				expect(inStore).toContain(UPLOAD_SIZE);
			}
			const served = await timed('(b) main serves the binary from the shared store', async () => {
				const response = await cluster.client.authedGet(
					`/rest/binary-data?id=${encodeURIComponent(binaryId!)}&action=download`,
				);
				expect(response.status).toBe(200);
				const hash = createHash('md5');
				let size = 0;
				for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
					hash.update(chunk);
					size += chunk.length;
				}
				return { size, md5: hash.digest('hex') };
			});
			expect(served).toEqual({ size: UPLOAD_SIZE, md5 });
		},
		10 * 60_000,
	);
});

/**
 * Runs Webhook → Read File → Write Copy (no upload) until each worker has run it at least once, two requests at a
 * time (the queue gives a job to whichever worker is free).
 */
async function readOnEveryWorker(
	cluster: QueueCluster,
	file: string,
	vodCredential: { id: string; name: string; type: string },
) {
	const workflow = await cluster.client.createWorkflow(
		uploadFromDiskWorkflow({ path: 'queue-read', vodCredential, upload: false }),
	);
	await cluster.client.activateWorkflow(workflow.id);
	let runs = 0;
	for (let attempt = 0; attempt < 5; attempt++) {
		const answers = await Promise.all(
			[0, 1].map(
				async () =>
					await postToWebhook(cluster.webhookBaseUrl, 'queue-read', { file }),
			),
		);
		expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
		runs += 2;
		const executions = await cluster.client.waitForExecutions(workflow.id, runs, 60_000);
		const owners = new Set(workerOf(cluster, executions.map((e) => e.id)).flat());
		if (owners.size === cluster.workers.length) return;
	}
	throw new Error('the store-and-copy workflow did not run on every worker in 10 runs');
}

/** How many deliveries the VOD Trigger's node static data remembers (read from n8n's database). */
async function rememberedDeliveries(cluster: QueueCluster, workflowId: string) {
	const rows = await cluster.postgres.query(
		`SELECT "staticData" FROM workflow_entity WHERE id = '${workflowId.replace(/'/g, "''")}'`,
	);
	const staticData = JSON.parse(rows[0]?.[0] || '{}') as Record<string, { deliveries?: unknown }>;
	return Object.values(staticData).reduce(
		(sum, node) => sum + countRememberedDeliveries(node?.deliveries),
		0,
	);
}

function readBinaryId(execution: ExecutionRecord, nodeName: string): string | undefined {
	const item = execution.data?.resultData.runData[nodeName]?.[0]?.data?.main[0]?.[0] as
		{ binary?: Record<string, { id?: string }> } | undefined;
	return item?.binary?.data?.id;
}
