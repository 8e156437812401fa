/**
 * Whole workflows in a real n8n with the package installed as a community package, against the VOD + OSS
 * emulator on loopback: (b) a 512 MiB file read from disk by n8n's own Read/Write Files node is streamed
 * into VOD storage by Upload From Binary Data, and the emulator stores exactly those bytes; (a) a URL-list
 * migration: 50 URLs submitted by one workflow, VOD's callbacks received by an active Trigger workflow,
 * Job Status waiting for the end; what n8n reports must be what the emulator did. One n8n start serves
 * the file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { randomUUID } from 'node:crypto';

import {
	callbackTriggerWorkflow,
	triggerProductionUrl,
	uploadFromDiskWorkflow,
	urlMigrationWorkflow,
} from './fixtures/workflows';
import { nodeOutput } from './lib/client';
import { startMediaServer, writeRandomFile } from './lib/media-server';
import { startN8nSession, type N8nSession } from './lib/session';
import { report, say, timed } from './lib/timing';

const MiB = 1024 * 1024;
const UPLOAD_SIZE = Number(process.env.E2E_UPLOAD_MIB ?? 512) * MiB;

/** Peak resident memory (VmHWM) of a process, in bytes; Linux only. */
function peakRss(pid: number): number | undefined {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

describe('workflows in a real n8n', () => {
	let emulator: Emulator;
	let session: N8nSession;
	let filesDir: string;
	let vodCredential: { id: string; name: string; type: string };

	beforeAll(async () => {
		filesDir = mkdtempSync(join(tmpdir(), 'vod-e2e-files-'));
		emulator = await startEmulator();
		session = await timed(
			'n8n session',
			async () => await startN8nSession({ env: { N8N_RESTRICT_FILE_ACCESS_TO: filesDir } }),
		);
		vodCredential = await session.client.createCredential('VOD emulator', 'alibabaCloudApi', emulatorApiCredential(emulator));
	}, 20 * 60_000);

	afterAll(async () => {
		await session?.close();
		await emulator?.stop();
		if (filesDir) rmSync(filesDir, { recursive: true, force: true });
		report(session?.timings);
	}, 60_000);

	test(
		'(a) 50 URLs migrated: submitted once each, callbacks received, Job Status reports what VOD did',
		async () => {
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
					const response = await fetch(`${session.n8n.webhookBaseUrl}webhook/e2e-migrate`, {
						method: 'POST',
						headers: { 'content-type': 'application/json' },
						body: JSON.stringify({ urls }),
					});
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
				expect(sent.filter((c) => c.ok)).toHaveLength(50);
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
				const response = await fetch(`${session.n8n.webhookBaseUrl}webhook/e2e-rejected-rows`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ urls }),
				});
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
		`(b) a ${UPLOAD_SIZE / MiB} MiB file read from disk is streamed into VOD storage byte for byte`,
		async () => {
			const file = join(filesDir, 'keynote.mp4');
			const md5 = await timed(
				'(b) write the test file',
				async () => await writeRandomFile(file, UPLOAD_SIZE),
			);

			const workflow = await session.client.createWorkflow(
				uploadFromDiskWorkflow({ path: 'e2e-upload', vodCredential }),
			);
			await session.client.activateWorkflow(workflow.id);
			const rssBefore = peakRss(session.n8n.child.pid!);

			const answer = await timed('(b) upload workflow', async () => {
				const response = await fetch(`${session.n8n.webhookBaseUrl}webhook/e2e-upload`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ file, title: 'E2E keynote' }),
				});
				expect(response.status).toBe(200);
				return (await response.json()) as Array<Record<string, unknown>>;
			});
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
			expect({ size: stored!.size, md5: stored!.md5 }).toEqual({ size: UPLOAD_SIZE, md5 });
			// it went up in parts, through one multipart upload
			const uploads = [...emulator.ossUploads.values()].filter(
				(upload) => upload.key === media!.objectKey,
			);
			expect(uploads.map((upload) => upload.status)).toEqual(['completed']);
			expect(uploads[0].completedParts!.length).toBeGreaterThan(1);

			// n8n kept the file in its filesystem binary store (N8N_DEFAULT_BINARY_DATA_MODE=filesystem), which
			// the Read node streamed into and the VOD node streamed out of
			const binaryStore = join(session.userFolder, '.n8n', 'binaryData');
			const inN8nStore = readdirSync(binaryStore, { recursive: true, withFileTypes: true })
				.filter((entry) => entry.isFile())
				.map((entry) => statSync(join(entry.parentPath ?? entry.path, entry.name)).size);
			expect(inN8nStore).toContain(UPLOAD_SIZE);

			if (rssBefore !== undefined && rssAfter !== undefined) {
				say(
					`(b) n8n peak RSS ${Math.round(rssBefore / MiB)} MiB before the upload, ${Math.round(rssAfter / MiB)} MiB after (file ${UPLOAD_SIZE / MiB} MiB)`,
				);
				// a file held whole in memory would add at least its own size
				expect(rssAfter - rssBefore).toBeLessThan(UPLOAD_SIZE * 0.5);
			}
		},
		5 * 60_000,
	);
});
