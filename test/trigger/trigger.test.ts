import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { countRememberedDeliveries } from '../../nodes/AlibabaCloudVod/helpers/callbackDedup';
import { emulatorCredentials } from '../harness';
import { startTriggerServer, TRIGGER_NODE_NAME, type TriggerServer } from '../harness/webhook';
import { callbackSignature, startEmulator, type Emulator } from '../emulator';
import { callVod, openApiClient } from '../emulator/vod/test-clients';
import { captureN8nLogs } from '../support/logCapture';

/**
 * The trigger driven by the emulator's own signed callbacks (real URL-pull jobs) and by hand-made
 * requests, through a server that runs webhook() as n8n does (see test/harness/webhook.ts).
 */

// What the node logs, to check reasons are logged and secrets are not.
const logLines = captureN8nLogs();

const VIDEO = Buffer.alloc(64 * 1024, 3);
const CURRENT_KEY = 'CurrentKey0001';
const OLD_KEY = 'PreviousKey0002';

function listen(server: http.Server) {
	return new Promise<string>((resolve) =>
		server.listen(0, '127.0.0.1', () =>
			resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
		),
	);
}

const nowSeconds = () => String(Math.floor(Date.now() / 1000));

describe('Alibaba Cloud VOD Trigger', () => {
	let emulator: Emulator;
	let source: http.Server;
	let sourceUrl: string;
	let trigger: TriggerServer;
	const credentials: Record<string, IDataObject> = {};
	const client = () => openApiClient(emulator.vodEndpoint, emulator.accessKey);

	/** Submits URL-pull jobs to the emulator and waits until their callbacks were handled. */
	async function pull(urls: string[], userData: IDataObject = { Extend: { batch: 'b1' } }) {
		const submitted = await callVod(client(), 'UploadMediaByURL', {
			UploadURLs: urls.map(encodeURIComponent).join(','),
			UserData: JSON.stringify(userData),
		});
		await emulator.finishJobs();
		await trigger.idle();
		return submitted.UploadJobs as Array<{ JobId: string; SourceURL: string }>;
	}

	async function post(
		body: string | Buffer,
		headers: Record<string, string>,
		url = trigger.productionUrl,
	) {
		const response = await fetch(url, { method: 'POST', headers, body });
		const text = await response.text();
		await trigger.idle();
		return { status: response.status, text };
	}

	function signedHeaders(url = trigger.productionUrl, key = CURRENT_KEY, ts = nowSeconds()) {
		return {
			'content-type': 'application/json',
			'x-vod-timestamp': ts,
			'x-vod-signature': callbackSignature(url, ts, key),
		};
	}

	const sampleEvent = (jobId = 'job-1') =>
		JSON.stringify({
			Status: 'success',
			EventTime: '2024-05-01T10:00:00Z',
			EventType: 'UploadByURLComplete',
			VideoId: 'video-1',
			JobId: jobId,
			'SourceURL ': 'http://example.com/a.mp4',
			Size: '123',
		});

	beforeAll(async () => {
		emulator = await startEmulator();
		source = http.createServer((req, res) => {
			if (req.url?.startsWith('/media/') && req.url.endsWith('.mp4')) {
				res.writeHead(200, { 'content-length': VIDEO.length }).end(VIDEO);
				return;
			}
			res.writeHead(404).end('not found');
		});
		sourceUrl = await listen(source);
		trigger = await startTriggerServer({
			parameters: { events: ['UploadByURLComplete'], status: 'any', options: {} },
			credentials: credentials as never,
			downstream: true,
		});
	});

	afterAll(async () => {
		await trigger?.close();
		await emulator?.stop();
		source?.closeAllConnections();
		source?.close();
	});

	beforeEach(() => {
		emulator.reset();
		emulator.setMessageCallback({
			CallbackURL: trigger.productionUrl,
			EventTypeList: 'ALL',
			AuthSwitch: 'on',
			AuthKey: CURRENT_KEY,
			retryDelayMs: 50,
			quirks: false,
		});
		credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: '' };
		Object.assign(credentials, emulatorCredentials(emulator));
		trigger.parameters = { events: ['UploadByURLComplete'], status: 'any', options: {} };
		trigger.staticData = {};
		trigger.deliveries.length = 0;
		trigger.executions.length = 0;
		logLines.length = 0;
	});

	it('starts exactly one execution with the normalised event for a signed URL-pull callback', async () => {
		emulator.setMessageCallback({ quirks: true }); // VOD's padded keys and numbers as strings
		const url = `${sourceUrl}/media/clip.mp4`;
		const [job] = await pull([url]);
		const infos = await callVod(client(), 'GetURLUploadInfos', { JobIds: job.JobId });
		const mediaId = infos.URLUploadInfoList[0].MediaId as string;

		// The emulator delivered both events on the first attempt, each answered 200.
		const attempts = emulator.state.vod.callbacks;
		expect(attempts.map((a) => [a.eventType, a.attempt, a.statusCode])).toEqual(
			expect.arrayContaining([
				['UploadByURLComplete', 1, 200],
				['FileUploadComplete', 1, 200],
			]),
		);
		expect(attempts).toHaveLength(2);
		expect(attempts.every((a) => a.signature && a.timestamp)).toBe(true);

		// FileUploadComplete is not selected: answered, nothing started.
		expect(trigger.deliveries.map((d) => [d.statusCode, d.started])).toEqual(
			expect.arrayContaining([
				[200, true],
				[200, false],
			]),
		);
		expect(trigger.executions).toHaveLength(1);
		// The trigger answered the started one itself (before n8n saves static data), the other one n8n did.
		const started = trigger.deliveries.find((d) => d.started);
		expect(started?.result?.noWebhookResponse).toBe(true);
		expect(JSON.parse(started?.responseBody ?? '')).toEqual({ received: true, started: true });
		const [execution] = trigger.executions;
		expect(execution.items).toHaveLength(1);
		const item = execution.items[0].json;
		expect(item.event).toEqual({
			Status: 'success',
			EventType: 'UploadByURLComplete',
			EventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/),
			VideoId: mediaId,
			MediaId: mediaId,
			JobId: job.JobId,
			SourceURL: url,
			Size: VIDEO.length,
			Extend: { batch: 'b1' },
		});
		// The raw body is kept as VOD sent it.
		expect(item.raw).toMatchObject({ 'SourceURL ': url, Size: String(VIDEO.length) });
		expect(item.authentication).toBe('currentKey');
		expect(item.deliveryKey).toMatch(/^[A-Za-z0-9_-]{16}$/);
		expect(Date.now() - Date.parse(item.receivedAt as string)).toBeLessThan(60_000);

		// The items flow on through a workflow run by n8n-core's engine.
		expect(execution.run?.status).toBe('success');
		expect(execution.run?.output('Recorder').map((i) => (i.json.event as IDataObject).JobId)).toEqual([
			job.JobId,
		]);
		expect(execution.run?.output(TRIGGER_NODE_NAME)).toHaveLength(1);
	});

	it.each([
		['a forged signature', () => ({ ...signedHeaders(), 'x-vod-signature': randomBytes(16).toString('hex') })],
		['a signature made with the wrong key', () => signedHeaders(undefined, 'WrongKey999')],
		['a signature for another URL', () => signedHeaders(`${trigger.baseUrl}webhook/other/webhook`)],
		['a stale timestamp', () => signedHeaders(undefined, CURRENT_KEY, String(Math.floor(Date.now() / 1000) - 600))],
		['missing headers', () => ({ 'content-type': 'application/json' })],
		['a timestamp but no signature', () => ({ 'content-type': 'application/json', 'x-vod-timestamp': nowSeconds() })],
	])('answers 401 and starts nothing for %s', async (_label, headers) => {
		const { status, text } = await post(sampleEvent(), headers());
		expect(status).toBe(401);
		expect(text).toBe('Unauthorized');
		expect(trigger.executions).toHaveLength(0);
		expect(trigger.deliveries[0]).toMatchObject({ statusCode: 401, started: false });
		// Refused callbacks do not touch the remembered deliveries either.
		expect(trigger.staticData).toEqual({});
		expect(logLines.join('\n')).toMatch(/refused a callback \(401\)/);
		expect(logLines.join('\n')).not.toContain(CURRENT_KEY);
	});

	it('answers 400 and starts nothing for a signed body that is not JSON', async () => {
		const { status, text } = await post('{"EventType": "UploadByURLComplete",', {
			...signedHeaders(),
			'content-type': 'text/plain',
		});
		expect(status).toBe(400);
		expect(text).toMatch(/not valid JSON/);
		expect(trigger.executions).toHaveLength(0);
	});

	it("gets n8n's own 422 for malformed JSON sent as application/json (n8n parses before the node runs)", async () => {
		const { status } = await post('{"EventType": ', signedHeaders());
		expect(status).toBe(422);
		expect(trigger.executions).toHaveLength(0);
	});

	it('answers 400 for a signed JSON body that is not a VOD event', async () => {
		const { status, text } = await post('[1,2,3]', signedHeaders());
		expect(status).toBe(400);
		expect(text).toMatch(/not a JSON object/);
		expect((await post('{"Status":"success"}', signedHeaders())).status).toBe(400);
		expect(trigger.executions).toHaveLength(0);
	});

	it('answers 400 for a signed 2 MB body and 401 for an unsigned one, starting nothing', async () => {
		const big = JSON.stringify({ EventType: 'UploadByURLComplete', Padding: 'x'.repeat(2 * 1024 * 1024) });
		const signed = await post(big, signedHeaders());
		expect(signed.status).toBe(400);
		expect(signed.text).toMatch(/larger than/);
		const unsigned = await post(big, { 'content-type': 'application/json' });
		expect(unsigned.status).toBe(401);
		expect(trigger.executions).toHaveLength(0);
	});

	it('checks the signature before it reads the body', async () => {
		const { status } = await post('not json at all', {
			'content-type': 'text/plain',
			'x-vod-timestamp': nowSeconds(),
			'x-vod-signature': randomBytes(16).toString('hex'),
		});
		expect(status).toBe(401);
	});

	it('accepts callbacks signed with the previous key during a key rotation', async () => {
		emulator.setMessageCallback({ AuthKey: OLD_KEY }); // VOD still signs with the old key
		credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: OLD_KEY };
		await pull([`${sourceUrl}/media/rotating.mp4`]);
		expect(trigger.executions).toHaveLength(1);
		expect(trigger.executions[0].items[0].json.authentication).toBe('previousKey');

		// Once the previous key is cleared, the old key no longer works.
		credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: '' };
		trigger.staticData = {};
		await pull([`${sourceUrl}/media/rotated.mp4`]);
		expect(trigger.executions).toHaveLength(1);
		// Both events of the job, each tried 3 times by VOD and refused every time.
		expect(trigger.deliveries.filter((d) => d.statusCode === 401)).toHaveLength(6);
		expect(emulator.state.vod.callbacks.filter((c) => c.statusCode === 401)).toHaveLength(6);
	});

	it('starts one execution when VOD repeats a delivery whose 200 it missed (new timestamp, same body)', async () => {
		// A proxy in front of n8n forwards the first delivery but loses n8n's answer, as a timeout would.
		let forwarded = 0;
		const proxy = http.createServer(async (req, res) => {
			const chunks: Buffer[] = [];
			for await (const chunk of req) chunks.push(chunk as Buffer);
			const answer = await fetch(trigger.productionUrl, {
				method: 'POST',
				headers: Object.fromEntries(
					Object.entries(req.headers).filter(([name]) => name.startsWith('x-vod') || name === 'content-type'),
				) as Record<string, string>,
				body: Buffer.concat(chunks),
			});
			forwarded++;
			if (forwarded === 1) res.writeHead(502).end('upstream answer lost');
			else res.writeHead(answer.status).end(await answer.text());
		});
		const proxyUrl = `${await listen(proxy)}/vod-hooks`;
		try {
			// VOD calls (and signs) the proxy URL; the node is told so.
			trigger.parameters = {
				events: ['UploadByURLComplete'],
				status: 'any',
				options: { publicCallbackUrl: proxyUrl },
			};
			emulator.setMessageCallback({ CallbackURL: proxyUrl, EventTypeList: 'UploadByURLComplete', retryDelayMs: 1100 });
			await pull([`${sourceUrl}/media/repeated.mp4`]);

			const attempts = emulator.state.vod.callbacks;
			expect(attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
				[1, 502],
				[2, 200],
			]);
			expect(attempts[1].timestamp).not.toBe(attempts[0].timestamp);
			expect(attempts[1].signature).not.toBe(attempts[0].signature);
			expect(attempts[1].payload).toEqual(attempts[0].payload);

			expect(trigger.deliveries.map((d) => [d.statusCode, d.started])).toEqual([
				[200, true],
				[200, false],
			]);
			expect(trigger.deliveries[1].responseBody).toMatch(/repeated delivery/);
			expect(trigger.executions).toHaveLength(1);
		} finally {
			proxy.closeAllConnections();
			proxy.close();
		}
	});

	it('remembers deliveries across requests through the saved static data only, and forgets with the window off', async () => {
		const body = sampleEvent('job-dup');
		expect((await post(body, signedHeaders())).status).toBe(200);
		const stored = trigger.staticData[`node:${TRIGGER_NODE_NAME}`] as IDataObject;
		expect(countRememberedDeliveries(stored.deliveries)).toBe(1);
		// Same body, another timestamp: answered 200, not started.
		const ts = String(Math.floor(Date.now() / 1000) + 2);
		expect((await post(body, signedHeaders(undefined, CURRENT_KEY, ts))).status).toBe(200);
		expect(trigger.executions).toHaveLength(1);
		// A different event is not a repeat.
		await post(sampleEvent('job-other'), signedHeaders());
		expect(trigger.executions).toHaveLength(2);

		// Without the persisted data (another n8n that never saw it) the same body starts again:
		// the memory is in static data, not in the process.
		trigger.staticData = {};
		await post(body, signedHeaders());
		expect(trigger.executions).toHaveLength(3);

		// With the window set to 0 every delivery starts an execution.
		trigger.parameters = { events: ['ALL'], status: 'any', options: { duplicateWindow: 0 } };
		await post(body, signedHeaders());
		await post(body, signedHeaders());
		expect(trigger.executions).toHaveLength(5);
	});

	it('filters by event type and status, answering 200 to what it ignores', async () => {
		const ok = `${sourceUrl}/media/good.mp4`;
		const missing = `${sourceUrl}/missing/gone.mp4`;

		trigger.parameters = { events: ['UploadByURLComplete'], status: 'fail', options: {} };
		await pull([ok, missing]);
		expect(trigger.executions.map((e) => e.items[0].json.event)).toEqual([
			expect.objectContaining({ EventType: 'UploadByURLComplete', Status: 'fail', SourceURL: missing, ErrorCode: 'URLInvalidError' }),
		]);
		// Three callbacks (two UploadByURLComplete, one FileUploadComplete), all answered 200, none retried.
		expect(emulator.state.vod.callbacks.map((c) => c.statusCode)).toEqual([200, 200, 200]);

		emulator.reset();
		emulator.setMessageCallback({ CallbackURL: trigger.productionUrl, AuthKey: CURRENT_KEY, retryDelayMs: 50 });
		trigger.executions.length = 0;
		trigger.parameters = { events: ['ALL'], status: 'success', options: {} };
		await pull([`${sourceUrl}/media/good2.mp4`, `${sourceUrl}/missing/gone2.mp4`]);
		const started = trigger.executions.map((e) => (e.items[0].json.event as IDataObject).EventType).sort();
		expect(started).toEqual(['FileUploadComplete', 'UploadByURLComplete']);
		expect(trigger.executions.every((e) => (e.items[0].json.event as IDataObject).Status === 'success')).toBe(true);
	});

	it('says why an event without a Status is ignored by a status filter (not "status undefined")', async () => {
		const noStatus = JSON.stringify({ EventType: 'FileUploadComplete', VideoId: 'v-1', EventTime: '2024-05-01T10:00:00Z' });
		trigger.parameters = { events: ['ALL'], status: 'success', options: {} };
		const { status, text } = await post(noStatus, signedHeaders());
		expect(status).toBe(200);
		expect(JSON.parse(text).reason).toBe('the event carries no Status, and only successes are selected');
		trigger.parameters = { events: ['ALL'], status: 'fail', options: {} };
		const other = JSON.stringify({ ...JSON.parse(noStatus), Status: 'success' });
		expect(JSON.parse((await post(other, signedHeaders())).text).reason).toBe('status "success" is not selected');
		expect(trigger.executions).toHaveLength(0);
	});

	describe('Max Timestamp Age (outside report, finding 10)', () => {
		const yearAgo = () => String(Math.floor(Date.now() / 1000) - 365 * 86_400);

		it.each([
			['0', 0],
			['-1', -1],
			['NaN from an expression', '={{ "abc" }}'],
			['a day and a second', 86_401],
			['Infinity from an expression', '={{ 1/0 }}'],
		])('refuses %s at activation, naming the option and its range', async (_label, value) => {
			for (const callbackRegistration of ['manual', 'register']) {
				trigger.parameters = { events: ['ALL'], status: 'any', callbackRegistration, options: { maxTimestampAge: value } };
				await expect(trigger.runHook('checkExists')).rejects.toThrow(
					/^Max Timestamp Age .* is not a number of seconds from 30 to 86400$/,
				);
			}
		});

		it.each([
			['30', 30],
			['86,400', 86_400],
			['an expression', '={{ 120 }}'],
		])('accepts %s', async (_label, value) => {
			trigger.parameters = { events: ['ALL'], status: 'any', options: { maxTimestampAge: value } };
			expect(await trigger.runHook('checkExists')).toBe(true);
		});

		it.each([
			['0', 0],
			['-1', -1],
			['NaN', '={{ "abc" }}'],
		])('a value of %s that reaches a callback anyway keeps the default window: signed callbacks start, year-old ones get 401', async (_label, value) => {
			trigger.parameters = { events: ['ALL'], status: 'any', options: { maxTimestampAge: value } };
			expect((await post(sampleEvent('fresh'), signedHeaders())).status).toBe(200);
			expect(trigger.executions).toHaveLength(1);
			expect((await post(sampleEvent('old'), signedHeaders(undefined, CURRENT_KEY, yearAgo()))).status).toBe(401);
			expect(trigger.executions).toHaveLength(1);
			expect(logLines.join('\n')).toMatch(/error: Alibaba Cloud VOD Trigger: Max Timestamp Age .* using the default/);
		});

		it('refuses an unusable Remember Deliveries For the same way, and never turns suppression off for it', async () => {
			trigger.parameters = { events: ['ALL'], status: 'any', options: { duplicateWindow: '={{ "abc" }}' } };
			await expect(trigger.runHook('checkExists')).rejects.toThrow(/^Remember Deliveries For "abc" is not a number of seconds/);
			const body = sampleEvent('dup');
			await post(body, signedHeaders());
			await post(body, signedHeaders());
			expect(trigger.executions).toHaveLength(1);
		});
	});

	it('accepts unsigned callbacks only when told to, and still checks signed ones', async () => {
		const unsigned = { 'content-type': 'application/json' };
		expect((await post(sampleEvent('u1'), unsigned)).status).toBe(401);
		trigger.parameters = { events: ['ALL'], status: 'any', options: { acceptUnsigned: true } };
		expect((await post(sampleEvent('u1'), unsigned)).status).toBe(200);
		expect(trigger.executions).toHaveLength(1);
		expect(trigger.executions[0].items[0].json.authentication).toBe('unsigned');
		const forged = { ...signedHeaders(), 'x-vod-signature': randomBytes(16).toString('hex') };
		expect((await post(sampleEvent('u2'), forged)).status).toBe(401);
		expect(trigger.executions).toHaveLength(1);
	});

	it('verifies against the test URL in manual mode', async () => {
		const { status } = await post(sampleEvent('t1'), signedHeaders(trigger.testUrl), trigger.testUrl);
		expect(status).toBe(200);
		expect(trigger.executions).toHaveLength(1);
		expect(trigger.deliveries[0].mode).toBe('manual');
	});
});
