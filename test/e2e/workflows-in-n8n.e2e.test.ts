/**
 * Whole workflows in a real n8n with the package installed as a community package, against the VOD + OSS
 * emulator on loopback, once per n8n version: (b) a 512 MiB file read from disk by n8n's own Read/Write
 * Files node is streamed into VOD storage by Upload From Binary Data, and the emulator stores exactly
 * those bytes; (d) Upload from URL of files served by a loopback media server, stored byte for byte, a
 * gzip answer despite Accept-Encoding: identity refused (n8n 2.x hands the body over in another shape than
 * 1.x); (e) Upload from URL of sources that go silent after their headers or mid-file (the connection
 * left open): each item ends at a small Request Timeout naming it, the multipart upload aborted and the
 * connection closed, and the file after them is stored; (a) a URL-list migration: 50 URLs submitted by
 * one workflow, VOD's callbacks received by an active Trigger workflow, each answered 200 within VOD's 5 s at the first attempt, Job Status
 * waiting for the end; what n8n reports must be what the emulator did. One n8n start serves both. In
 * n8n 2.x, (b) runs again in a second n8n with binary data in the database (`database` mode), where n8n
 * holds the file in memory itself.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { startSourceServer } from '../harness/sourceServer';
import { randomUUID } from 'node:crypto';

import {
	callbackTriggerWorkflow,
	triggerProductionUrl,
	uploadFromDiskWorkflow,
	uploadFromUrlWorkflow,
	urlMigrationWorkflow,
} from './fixtures/workflows';
import { nodeOutput, postToWebhook, type ExecutionRecord } from './lib/client';
import { e2eVersions, majorOf } from './lib/install';
import { startMediaServer, writeRandomFile } from './lib/media-server';
import { binaryStoreDir, peakRss, resetPeakRss } from './lib/process';
import { startN8nSession, type N8nSession } from './lib/session';
import { report, say, timed } from './lib/timing';

const MiB = 1024 * 1024;
const UPLOAD_SIZE = Number(process.env.E2E_UPLOAD_MIB ?? 512) * MiB;
/** database mode: n8n keeps the whole file in memory and in one row (at most 512 MiB by default) */
const DB_UPLOAD_SIZE = Number(process.env.E2E_DB_UPLOAD_MIB ?? 256) * MiB;
/** (e): the node's smallest Request Timeout, and the time two stalled items and a small file must end in */
const STALL_TIMEOUT_S = 5;
const STALL_BOUND_S = 2 * (STALL_TIMEOUT_S + 2) + 10;


describe.each(e2eVersions())('workflows in a real n8n %s', (version) => {
	const setup = setUpN8n(version, 'n8n session');

	test(
		'(a) 50 URLs migrated: submitted once each, callbacks received, Job Status reports what VOD did',
		async () => {
			const { session, emulator, vodCredential } = setup;
			const names = Array.from(
				{ length: 50 },
				(_, i) => `clip-${String(i + 1).padStart(3, '0')}.mp4`,
			);
			const media = await startMediaServer(
				names.map((name, i) => ({ name, size: 64 * 1024 + i * 1024 })),
			);
			try {
				const callbackCredential = await session.client.createCredential(
					'VOD callback key',
					'alibabaCloudVodCallbackApi',
					{ authKey: emulator.callbackAuthKey, previousAuthKey: '' },
				);
				const webhookId = randomUUID();
				const trigger = await session.client.createWorkflow(
					callbackTriggerWorkflow({
						webhookId,
						callbackCredential,
						events: ['UploadByURLComplete'],
						name: 'E2E: URL upload callbacks',
					}),
				);
				await session.client.activateWorkflow(trigger.id);
				// the account's HTTP callback (VOD console) points at the trigger's production URL
				emulator.setMessageCallback({
					CallbackURL: triggerProductionUrl(session.n8n.webhookBaseUrl, webhookId),
					AuthSwitch: 'on',
					EventTypeList: 'ALL',
				});
				const migration = await session.client.createWorkflow(
					urlMigrationWorkflow({ path: 'e2e-migrate', vodCredential }),
				);
				await session.client.activateWorkflow(migration.id);

				const urls = names.map((name) => media.urlOf(name));
				const [execution] = await timed('(a) migration workflow', async () => {
					const response = await postToWebhook(session.n8n.webhookBaseUrl, 'e2e-migrate', { urls });
					expect(response.status).toBe(200);
					return await session.client.waitForExecutions(migration.id, 1, 240_000);
				});
				expect(execution.status).toBe('success');
				expect(nodeOutput(execution, 'Job Status', 1)).toEqual([]);
				expect(nodeOutput(execution, 'Job Status', 2)).toEqual([]);
				const succeeded = nodeOutput(execution, 'Job Status', 0);
				expect(succeeded).toHaveLength(50);

				// what n8n reports is what the emulator did: one job per URL, each finished, same media
				const jobs = [...emulator.state.vod.jobs.values()];
				expect(jobs).toHaveLength(50);
				expect(new Set(jobs.map((job) => job.uploadUrl))).toEqual(new Set(urls));
				const reported = new Map(succeeded.map((item) => [item.jobId as string, item]));
				for (const job of jobs) {
					expect(job.status).toBe('SUCCESS');
					expect(reported.get(job.jobId)).toMatchObject({
						jobId: job.jobId,
						status: 'SUCCESS',
						mediaId: job.mediaId,
					});
					// VOD stored the bytes the source served
					const video = emulator.state.vod.media.get(job.mediaId)!;
					const name = decodeURIComponent(job.uploadUrl.split('/').pop()!);
					expect(emulator.state.objects.get(`${video.bucket}/${video.objectKey}`)?.md5).toBe(
						media.md5Of(name),
					);
				}
				for (const name of names) expect(media.hits.get(name)).toBe(1);

				// every job's callback reached the active trigger workflow, once
				await emulator.idle();
				const sent = emulator.state.vod.callbacks.filter(
					(c) => c.eventType === 'UploadByURLComplete',
				);
				say(`(a) callback attempts: ${describeAttempts(sent)}`);
				// each answered 200 within VOD's 5 s the first time: VOD needed no retry
				expect(sent.filter((c) => !c.ok)).toEqual([]);
				expect(sent).toHaveLength(50);
				const triggered = await session.client.waitForExecutions(trigger.id, 50, 60_000);
				expect(triggered.every((e) => e.status === 'success')).toBe(true);
				const calledBack = triggered.map(
					(e) => (nodeOutput(e, 'VOD Trigger')[0].event as Record<string, unknown>).JobId,
				);
				expect(new Set(calledBack)).toEqual(new Set(jobs.map((job) => job.jobId)));
				expect(calledBack).toHaveLength(50);
			} finally {
				await media.stop();
			}
		},
		5 * 60_000,
	);

	test(
		'(c) On Error "Continue (using error output)": invalid rows leave Submit by its error output, the rest finish',
		async () => {
			const { session, emulator, vodCredential } = setup;
			const names = Array.from({ length: 58 }, (_, i) => `row-${String(i + 1).padStart(2, '0')}.mp4`);
			const media = await startMediaServer(names.map((name) => ({ name, size: 32 * 1024 })));
			try {
				emulator.reset();
				const workflow = await session.client.createWorkflow(
					urlMigrationWorkflow({ path: 'e2e-rejected-rows', vodCredential, rejectedRows: true }),
				);
				await session.client.activateWorkflow(workflow.id);
				// 60 rows as a sheet gives them: two cannot be submitted (not a URL; no file extension)
				const urls: unknown[] = names.map((name) => media.urlOf(name));
				urls.splice(20, 0, 'www.example.com/video.mp4');
				urls.splice(45, 0, media.urlOf('download'));
				const response = await postToWebhook(session.n8n.webhookBaseUrl, 'e2e-rejected-rows', { urls });
				expect(response.status).toBe(200);
				const [execution] = await session.client.waitForExecutions(workflow.id, 1, 240_000);
				expect(execution.status).toBe('success');

				const rejected = nodeOutput(execution, 'Rejected Rows');
				expect(rejected.map((row) => row.url)).toEqual([urls[20], urls[45]]);
				const errors = rejected.map((row) => row.error as Record<string, unknown>);
				expect(errors[0].message).toMatch(/^\[item 20\] .*not a valid URL/);
				expect(errors[1].message).toMatch(/^\[item 45\] .*no file extension/);
				for (const error of errors) expect(error.description).toEqual(expect.any(String));

				// the other 58 went on to Job Status and finished
				expect(nodeOutput(execution, 'Job Status', 0)).toHaveLength(58);
				expect(nodeOutput(execution, 'Job Status', 1)).toEqual([]);
				const jobs = [...emulator.state.vod.jobs.values()];
				expect(new Set(jobs.map((job) => job.uploadUrl))).toEqual(
					new Set(names.map((name) => media.urlOf(name))),
				);
			} finally {
				await media.stop();
			}
		},
		5 * 60_000,
	);

	test(
		'(d) Upload from URL streams a served file into VOD byte for byte; identity is not compressed; gzip despite identity is refused',
		async () => {
			const { session, emulator, vodCredential } = setup;
			const files = [
				{ name: 'plain.mp4', size: 3 * MiB + 17 },
				{ name: 'said-identity.mp4', size: 200 * 1024 },
				{ name: 'gzipped.mp4', size: 200 * 1024, encoding: 'gzip' as const },
			];
			const media = await startMediaServer(files);
			try {
				emulator.reset();
				const workflow = await session.client.createWorkflow(
					uploadFromUrlWorkflow({ path: 'e2e-upload-url', vodCredential }),
				);
				await session.client.activateWorkflow(workflow.id);
				const urls = files.map((file) => media.urlOf(file.name));
				const [execution] = await timed('(d) upload-from-URL workflow', async () => {
					const response = await postToWebhook(session.n8n.webhookBaseUrl, 'e2e-upload-url', { urls });
					expect(response.status).toBe(200);
					return await session.client.waitForExecutions(workflow.id, 1, 60_000);
				});
				expect(execution.status).toBe('success');
				const out = nodeOutput(execution, 'Upload from URL');
				expect(out).toHaveLength(3);

				// the two files served as stored are in VOD, the bytes the server holds
				for (const [i, file] of files.slice(0, 2).entries()) {
					expect({ name: file.name, error: out[i].error }).toEqual({ name: file.name, error: undefined });
					const video = emulator.state.vod.media.get(out[i].videoId as string);
					const stored = emulator.state.objects.get(`${video?.bucket}/${video?.objectKey}`);
					expect({ name: file.name, size: stored?.size, md5: stored?.md5 }).toEqual({
						name: file.name,
						size: file.size,
						md5: media.md5Of(file.name),
					});
				}
				// gzip although the node asked for identity: n8n unpacks it; refused before VOD created anything
				expect(out[2].error).toMatch(
					/^\[item 2\] URL .*gzipped\.mp4 .*answered compressed although the node asks for the file as stored.*; nothing was created in VOD/,
				);
				expect(emulator.state.vod.media.size).toBe(2);
				say(`(d) ${files.map((file, i) => `${file.name}: ${out[i].error ? 'refused' : `${out[i].bytes} bytes`}`).join(', ')}`);
			} finally {
				await media.stop();
			}
		},
		3 * 60_000,
	);

	test(
		'(e) Upload from URL: sources silent after their headers or mid-file end their items at Request Timeout; the file after them is stored',
		async () => {
			const { session, emulator, vodCredential } = setup;
			const source = await startSourceServer();
			try {
				emulator.reset();
				const workflow = await session.client.createWorkflow(
					uploadFromUrlWorkflow({
						path: 'e2e-upload-stalls',
						vodCredential,
						transferOptions: { requestTimeout: STALL_TIMEOUT_S, partSizeMiB: 1 },
					}),
				);
				await session.client.activateWorkflow(workflow.id);
				// a signed URL's secret, which no output, error or log may repeat
				const urlSecret = `sig-${randomUUID()}`;
				const good = { path: '/files/after-stalls.mp4', size: 3 * MiB + 5 };
				const urls = [
					source.url(`/stall/after-headers.mp4?size=${4 * MiB}&sent=0&token=${urlSecret}`),
					source.url(`/stall/mid-file.mp4?size=${4 * MiB}&sent=${2.5 * MiB}&token=${urlSecret}`),
					source.url(`${good.path}?size=${good.size}`),
				];
				const [execution] = await timed('(e) stalled-sources workflow', async () => {
					const response = await fetch(`${session.n8n.webhookBaseUrl}webhook/e2e-upload-stalls`, {
						method: 'POST',
						headers: { 'content-type': 'application/json' },
						body: JSON.stringify({ urls }),
						// a stall the node does not end holds the answer for as long as the server keeps quiet
						signal: AbortSignal.timeout(STALL_BOUND_S * 1000),
					});
					expect(response.status).toBe(200);
					return await session.client.waitForExecutions(workflow.id, 1, 30_000);
				});
				expect(execution.status).toBe('success');
				const ranSeconds = (Date.parse(execution.stoppedAt!) - Date.parse(execution.startedAt)) / 1000;
				expect(ranSeconds).toBeLessThan(STALL_BOUND_S);
				const out = nodeOutput(execution, 'Upload from URL');
				expect(out).toHaveLength(3);

				const said = out.map((item) => `${String(item.error)} ${String(item.description ?? '')}`);
				expect(said[0]).toMatch(
					new RegExp(
						`^\\[item 0\\] URL \\S+/stall/after-headers\\.mp4 sent 0 bytes of 4 MiB and then no byte arrived for ${STALL_TIMEOUT_S} s \\(Request Timeout\\); nothing was created in VOD`,
					),
				);
				expect(said[1]).toMatch(
					new RegExp(
						`^\\[item 1\\] .*URL \\S+/stall/mid-file\\.mp4\\) stopped after 2\\.5 MiB of 4 MiB: no byte arrived for ${STALL_TIMEOUT_S} s \\(Request Timeout\\)\\. The server stopped sending the file.*raise Request Timeout[^.]*\\. The multipart upload \\S+ was aborted`,
					),
				);
				for (const text of said.slice(0, 2)) expect(text).toMatch(/raise Request Timeout/);

				// the item after them went on: stored whole, through one multipart upload
				expect(out[2].error).toBeUndefined();
				const video = emulator.state.vod.media.get(out[2].videoId as string);
				const stored = emulator.state.objects.get(`${video?.bucket}/${video?.objectKey}`);
				expect({ size: stored?.size, md5: stored?.md5 }).toEqual({
					size: good.size,
					md5: source.md5Of(good.path, good.size),
				});
				// no multipart upload left open in the bucket: the mid-file one aborted, the good one completed
				expect([...emulator.ossUploads.values()].map((upload) => upload.status).sort()).toEqual([
					'aborted',
					'completed',
				]);
				// n8n closed both stalled connections (the servers never do)
				expect(source.openStalls()).toBe(0);

				const secrets = [
					urlSecret,
					emulator.accessKey.accessKeySecret,
					...[...emulator.state.sts.values()].flatMap((sts) => [sts.accessKeySecret, sts.securityToken]),
				];
				const uploadRun = JSON.stringify(execution.data?.resultData.runData['Upload from URL']);
				const log = session.n8n.logText();
				for (const secret of secrets) {
					expect(uploadRun).not.toContain(secret);
					expect(log).not.toContain(secret);
				}
				say(`(e) execution ${ranSeconds} s; ${said.slice(0, 2).map((text) => text.slice(0, 90)).join(' | ')}`);
			} finally {
				await source.stop();
			}
		},
		3 * 60_000,
	);

	test(
		`(b) a ${UPLOAD_SIZE / MiB} MiB file read from disk is streamed into VOD storage byte for byte (default binary mode)`,
		async () => {
			await uploadFromDisk({ ...setup, size: UPLOAD_SIZE });
		},
		5 * 60_000,
	);
});

// n8n 2.x: database mode is a choice users make (and queue mode's default)
const databaseModeVersions = e2eVersions().filter((version) => majorOf(version) >= 2);
if (databaseModeVersions.length > 0) describe.each(databaseModeVersions)(
	'binary data in the database, n8n %s',
	(version) => {
		const setup = setUpN8n(version, 'n8n session (database binary mode)', {
			N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		});

		test(
			`(b) a ${DB_UPLOAD_SIZE / MiB} MiB file kept by n8n in its database is streamed into VOD storage byte for byte`,
			async () => {
				await uploadFromDisk({ ...setup, size: DB_UPLOAD_SIZE, mode: 'database' });
			},
			5 * 60_000,
		);
	},
);

interface Setup {
	emulator: Emulator;
	session: N8nSession;
	/** the folder n8n may read files from (N8N_RESTRICT_FILE_ACCESS_TO) */
	filesDir: string;
	vodCredential: { id: string; name: string; type: string };
}

/**
 * For the describe block it is called in: the emulator and an n8n of `version` with the package and a
 * VOD credential, made before its tests and removed after them. The fields are set in beforeAll.
 */
function setUpN8n(version: string, label: string, env: Record<string, string> = {}): Setup {
	const setup = {} as Setup;
	beforeAll(async () => {
		setup.filesDir = mkdtempSync(join(tmpdir(), 'vod-e2e-files-'));
		setup.emulator = await startEmulator();
		setup.session = await timed(
			label,
			async () =>
				await startN8nSession({
					version,
					env: { N8N_RESTRICT_FILE_ACCESS_TO: setup.filesDir, ...env },
				}),
		);
		setup.vodCredential = await setup.session.client.createCredential(
			'VOD emulator',
			'alibabaCloudVodApi',
			emulatorApiCredential(setup.emulator),
		);
	}, 30 * 60_000);

	afterAll(async () => {
		await setup.session?.close();
		await setup.emulator?.stop();
		if (setup.filesDir) rmSync(setup.filesDir, { recursive: true, force: true });
		report(setup.session?.timings);
	}, 60_000);
	return setup;
}

/** "50 × 200" or "48 × 200, 2 × timeout": how VOD's callback attempts were answered. */
function describeAttempts(attempts: Array<{ ok: boolean; statusCode?: number; error?: string }>) {
	const counts = new Map<string, number>();
	for (const attempt of attempts) {
		const key = attempt.ok ? '200' : String(attempt.statusCode ?? attempt.error);
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return [...counts].map(([answer, count]) => `${count} × ${answer}`).join(', ');
}

function binaryIdOf(execution: ExecutionRecord, nodeName: string): string | undefined {
	const item = execution.data?.resultData.runData[nodeName]?.[0]?.data?.main[0]?.[0] as
		| { binary?: Record<string, { id?: string }> }
		| undefined;
	return item?.binary?.data?.id;
}

/**
 * (b) Webhook → Read/Write Files from Disk → Upload From Binary Data, with a file of `size` random bytes:
 * the emulator must store exactly those bytes, through one multipart upload; n8n must have kept the file
 * where its binary mode says (its filesystem store, or its database); the upload must read it the way
 * that mode allows (n8n's file directly, or n8n's binary stream), which the node logs; and n8n's peak
 * memory must not grow by a large part of the file.
 *
 * In database mode n8n itself holds the whole file in memory (it reads it into one Buffer to store the
 * row, and again to stream it back), so the node's share is measured against a run of a workflow
 * that stores the file and writes a copy with n8n's own node, first: the peak is not reset between the two.
 */
async function uploadFromDisk(options: {
	session: N8nSession;
	emulator: Emulator;
	vodCredential: { id: string; name: string; type: string };
	filesDir: string;
	size: number;
	mode?: 'filesystem' | 'database';
}) {
	const { session, emulator, vodCredential, filesDir, size } = options;
	const mode = options.mode ?? 'filesystem';
	const label = `(b, ${mode})`;
	const file = join(filesDir, `keynote-${mode}.mp4`);
	const md5 = await timed(`${label} write the test file`, async () => await writeRandomFile(file, size));

	const post = async (path: string) => {
		const response = await postToWebhook(session.n8n.webhookBaseUrl, path, { file, title: 'E2E keynote' });
		expect(response.status).toBe(200);
		return (await response.json()) as Array<Record<string, unknown>>;
	};

	// from here on: the peak of n8n's start and of earlier tests does not hide this one's
	resetPeakRss(session.n8n.child.pid!);
	if (mode === 'database') {
		// n8n's own share first: the file stored and read back by n8n's own node, no upload
		const readOnly = await session.client.createWorkflow(
			uploadFromDiskWorkflow({ path: `e2e-read-${mode}`, vodCredential, upload: false }),
		);
		await session.client.activateWorkflow(readOnly.id);
		await timed(`${label} store-and-copy workflow`, async () => await post(`e2e-read-${mode}`));
		await session.client.waitForExecutions(readOnly.id, 1, 60_000);
	}
	const workflow = await session.client.createWorkflow(
		uploadFromDiskWorkflow({ path: `e2e-upload-${mode}`, vodCredential }),
	);
	await session.client.activateWorkflow(workflow.id);
	const rssBefore = peakRss(session.n8n.child.pid!);

	const answer = await timed(`${label} upload workflow`, async () => await post(`e2e-upload-${mode}`));
	const rssAfter = peakRss(session.n8n.child.pid!);

	const [execution] = await session.client.waitForExecutions(workflow.id, 1, 60_000);
	expect(execution.status).toBe('success');
	const uploaded = nodeOutput(execution, 'Upload to VOD');
	expect(uploaded).toHaveLength(1);
	expect(answer).toEqual(uploaded);
	const videoId = (uploaded[0].videoId ?? uploaded[0].VideoId) as string;
	expect(videoId).toEqual(expect.any(String));

	const media = emulator.state.vod.media.get(videoId);
	expect(media).toBeDefined();
	const stored = emulator.state.objects.get(`${media!.bucket}/${media!.objectKey}`);
	expect(stored).toBeDefined();
	expect({ size: stored!.size, md5: stored!.md5 }).toEqual({ size, md5 });
	// it went up in parts, through one multipart upload
	const uploads = [...emulator.ossUploads.values()].filter(
		(upload) => upload.key === media!.objectKey,
	);
	expect(uploads.map((upload) => upload.status)).toEqual(['completed']);
	expect(uploads[0].completedParts!.length).toBeGreaterThan(1);

	// n8n kept the file where its binary mode says, and the node read it the way that mode allows
	const binaryId = binaryIdOf(execution, 'Read File');
	expect(binaryId?.split(':')[0]).toMatch(mode === 'database' ? /^database$/ : /^filesystem/);
	if (mode === 'filesystem') {
		const binaryStore = binaryStoreDir(session.installation, session.userFolder);
		const inN8nStore = readdirSync(binaryStore, { recursive: true, withFileTypes: true })
			.filter((entry) => entry.isFile())
			.map((entry) => statSync(join(entry.parentPath ?? entry.path, entry.name)).size);
		expect(inN8nStore).toContain(size);
	}
	const readVia = session.n8n
		.logText()
		.split('\n')
		.filter((line) => line.includes(`to VOD video ${videoId}`) && line.includes('Uploading'));
	// one n8n binary stream in every mode (no file access at run time: n8n's scanner)
	expect(readVia).toEqual([expect.stringContaining("streamed from n8n's binary data")]);

	if (rssBefore !== undefined && rssAfter !== undefined) {
		say(
			`${label} n8n peak RSS ${Math.round(rssBefore / MiB)} MiB before the upload, ${Math.round(rssAfter / MiB)} MiB after (file ${size / MiB} MiB)`,
		);
		// a file held whole in memory by the node would add at least its own size
		expect(rssAfter - rssBefore).toBeLessThan(size * 0.5);
	}
}
