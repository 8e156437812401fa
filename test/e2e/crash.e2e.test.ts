/**
 * Crash in a real n8n: n8n is killed (SIGKILL, no chance to clean up) in the middle of a Submit of 2,000 URLs
 * and in the middle of a 1 GiB upload, restarted on the same user folder and database, and the same workflow
 * is run again, as a user would. Afterwards each URL has exactly one job, and the file exactly one video
 * (found again by its Reference ID) holding the file's bytes.
 *
 * The moment of the kill is chosen by watching the emulator's call counts; the emulator adds latency to the
 * Submit run so that the kill lands while calls are still going out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { ossRegistryOf } from '../emulator/oss';
import { submitUrlsWorkflow, uploadFromDiskWorkflow } from './fixtures/workflows';
import { nodeOutput, postToWebhook, type ExecutionRecord } from './lib/client';
import { e2eVersions } from './lib/install';
import { startMediaServer, writeRandomFile, type MediaServer } from './lib/media-server';
import { startN8n } from './lib/process';
import { startN8nSession, type N8nSession } from './lib/session';
import { report, say, timed } from './lib/timing';

const MiB = 1024 * 1024;
const URL_COUNT = 2000;
const UPLOAD_SIZE = Number(process.env.E2E_CRASH_UPLOAD_MIB ?? 1024) * MiB;

async function until(what: string, condition: () => boolean, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** The newest finished execution of a workflow, once there are `count`. */
async function latestExecution(session: N8nSession, workflowId: string, count: number, timeoutMs: number) {
	const done = await session.client.waitForExecutions(workflowId, count, timeoutMs);
	return done.sort((a, b) => Number(b.id) - Number(a.id))[0] as ExecutionRecord;
}

describe.each(e2eVersions())('n8n %s killed mid-run, restarted, the same workflow run again', (version) => {
	let emulator: Emulator;
	let session: N8nSession;
	let media: MediaServer;
	let filesDir: string;
	let vodCredential: { id: string; name: string; type: string };
	let restarts = 0;

	beforeAll(async () => {
		filesDir = mkdtempSync(join(tmpdir(), 'vod-e2e-crash-'));
		emulator = await startEmulator();
		media = await startMediaServer(
			Array.from({ length: URL_COUNT }, (_, i) => ({ name: `clip-${i}.mp4`, size: 1024 })),
		);
		session = await timed(
			'n8n session',
			async () => await startN8nSession({ env: n8nEnv(), version }),
		);
		vodCredential = await session.client.createCredential(
			'VOD emulator',
			'alibabaCloudVodApi',
			emulatorApiCredential(emulator),
		);
	}, 20 * 60_000);

	afterAll(async () => {
		if (restarts) await session?.n8n.stop(); // the session stops the process it started
		await session?.close();
		await media?.stop();
		await emulator?.stop();
		if (filesDir) rmSync(filesDir, { recursive: true, force: true });
		report(session?.timings);
	}, 120_000);

	/** n8n 2.x allows the Read/Write Files node only its own folder unless told otherwise, on every start */
	const n8nEnv = () => ({ N8N_RESTRICT_FILE_ACCESS_TO: filesDir });

	/** SIGKILL to n8n's process group, then n8n again on the same user folder, database, port and env. */
	async function killAndRestart() {
		const pid = session.n8n.child.pid!;
		process.kill(-pid, 'SIGKILL');
		await session.n8n.stop(); // waits for the exit and closes the log
		restarts++;
		session.n8n = await startN8n(session.installation, {
			userFolder: session.userFolder,
			port: session.n8n.port,
			env: n8nEnv(),
			logName: `n8n-restart-${restarts}.log`,
			log: say,
		});
		await session.client.login();
	}

	/**
	 * With Skip Already Submitted the re-run looks every URL up first; without it, the re-run's calls carry
	 * the same SessionIds as the killed run's (VOD's 10-minute window), and a refused one is looked up.
	 */
	test.each([true, false])(
		`Submit of ${URL_COUNT} URLs (Skip Already Submitted: %s): killed mid-run; the re-run leaves exactly one job per URL`,
		async (skipAlreadySubmitted) => {
			emulator.reset();
			emulator.setJobSettings({ autoRun: false });
			const path = `e2e-crash-submit-${skipAlreadySubmitted ? 'skip' : 'plain'}`;
			const workflow = await session.client.createWorkflow(
				submitUrlsWorkflow({ path, vodCredential, skipAlreadySubmitted }),
			);
			await session.client.activateWorkflow(workflow.id);
			const urls = Array.from({ length: URL_COUNT }, (_, i) => media.urlOf(`clip-${i}.mp4`));
			const post = async () => {
				const response = await postToWebhook(session.n8n.webhookBaseUrl, path, { urls });
				expect(response.status).toBe(200);
			};
			const submitCalls = () => emulator.state.vod.callCounts.get('UploadMediaByURL') ?? 0;

			// every call waits 100 ms: the 100 submit calls (4 at a time) take a few seconds
			emulator.setFaults({ vod: { latencyMs: 100 } });
			await post();
			await until('a third of the submit calls', () => submitCalls() >= 35, 120_000);
			const jobsAtKill = emulator.state.vod.jobs.size;
			await timed('kill and restart n8n (submit)', killAndRestart);
			say(`killed after ${submitCalls()} UploadMediaByURL calls, ${jobsAtKill} jobs`);
			expect(jobsAtKill).toBeGreaterThan(0);
			expect(jobsAtKill).toBeLessThan(URL_COUNT);
			emulator.setFaults({});

			const started = Date.now();
			await post();
			const rerun = await latestExecution(session, workflow.id, 2, 180_000);
			say(`re-run of ${URL_COUNT} URLs: ${rerun.status} in ${Math.round((Date.now() - started) / 1000)} s`);
			expect(rerun.status).toBe('success');

			const jobsByUrl = new Map<string, string[]>();
			for (const job of emulator.state.vod.jobs.values()) {
				jobsByUrl.set(job.uploadUrl, [...(jobsByUrl.get(job.uploadUrl) ?? []), job.jobId]);
			}
			const notOne = urls.filter((url) => jobsByUrl.get(url)?.length !== 1);
			expect(notOne.map((url) => `${url}: ${jobsByUrl.get(url)?.length ?? 0} jobs`)).toEqual([]);
			const out = nodeOutput(rerun, 'Submit URLs');
			expect(out).toHaveLength(URL_COUNT);
			out.forEach((item, i) => expect(item.jobId).toBe(jobsByUrl.get(urls[i])?.[0]));
			const found = out.filter((item) => item.skipped === true || item.recovered === true).length;
			say(`re-run: ${found} found (submitted before the kill), ${URL_COUNT - found} submitted`);
			expect(found).toBeGreaterThanOrEqual(jobsAtKill);
		},
		10 * 60_000,
	);

	test(
		`Upload of ${UPLOAD_SIZE / MiB} MiB from a file: killed mid-upload; the re-run ends with one video holding the file's bytes`,
		async () => {
			emulator.reset();
			const file = join(filesDir, 'keynote.mp4');
			const md5 = await timed('write the test file', async () => await writeRandomFile(file, UPLOAD_SIZE));
			const workflow = await session.client.createWorkflow(
				uploadFromDiskWorkflow({ path: 'e2e-crash-upload', vodCredential }),
			);
			await session.client.activateWorkflow(workflow.id);
			const post = async () =>
				await postToWebhook(session.n8n.webhookBaseUrl, 'e2e-crash-upload', { file, title: 'E2E crash keynote' });
			const partCalls = () => ossRegistryOf(emulator.state)?.callCounts.get('UploadPart') ?? 0;
			const parts = UPLOAD_SIZE / (8 * MiB);

			const first = post().catch((error: unknown) => error); // its answer never comes: n8n dies
			await until('a third of the parts', () => partCalls() >= parts / 3, 180_000);
			await timed('kill and restart n8n (upload)', killAndRestart);
			await first;
			const videos = () => [...emulator.state.vod.media.values()];
			say(`killed after ${partCalls()} of ${parts} UploadPart calls; video ${videos()[0]?.mediaId} is ${videos()[0]?.status}`);
			expect(videos()).toHaveLength(1);
			expect(videos()[0].status).toBe('Uploading');

			const started = Date.now();
			const response = await post();
			expect(response.status).toBe(200);
			const rerun = await latestExecution(session, workflow.id, 2, 300_000);
			say(`re-run upload: ${rerun.status} in ${Math.round((Date.now() - started) / 1000)} s`);
			expect(rerun.status).toBe('success');
			const [item] = nodeOutput(rerun, 'Upload to VOD');

			expect(videos()).toHaveLength(1);
			const video = videos()[0];
			expect(item).toMatchObject({ videoId: video.mediaId, resumed: true });
			expect(video.status).toBe('Normal');
			const stored = emulator.state.objects.get(`${video.bucket}/${video.objectKey}`);
			expect({ size: stored?.size, md5: stored?.md5 }).toEqual({ size: UPLOAD_SIZE, md5 });
			const uploads = [...emulator.ossUploads.values()].filter((upload) => upload.key === video.objectKey);
			say(`multipart uploads of the object: ${uploads.map((upload) => upload.status).join(', ')}`);
			rmSync(file, { force: true });
		},
		15 * 60_000,
	);
});
