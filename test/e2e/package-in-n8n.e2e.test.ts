/**
 * The built package in a real n8n (installed the way n8n installs a community package), against the
 * VOD emulator on loopback: it loads cleanly, n8n's own credential test reaches VOD and reports bad keys,
 * and the trigger's production webhook refuses forged callbacks and starts one execution per real one.
 * Once per n8n version (lib/install.ts e2eVersions); one n8n start serves each (≈40 s on 2 cores).
 */
import { randomUUID } from 'node:crypto';

import { callbackSignature, emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { callbackTriggerWorkflow, triggerProductionUrl } from './fixtures/workflows';
import { e2eVersions } from './lib/install';
import { startN8nSession, NODE_TYPES, type N8nSession } from './lib/session';
import { report, timed } from './lib/timing';
import { CALLBACK_CREDENTIAL_TYPE } from '../../nodes/AlibabaCloudVod/trigger/receiveCallback';
import { VOD_CREDENTIAL_TYPE } from '../../nodes/AlibabaCloudVod/transport/vod/request';

const ALL_OUR_TYPES = [NODE_TYPES.action, NODE_TYPES.jobStatus, NODE_TYPES.trigger, NODE_TYPES.pollTrigger];

describe.each(e2eVersions())('the package in a real n8n %s', (version) => {
	let emulator: Emulator;
	let session: N8nSession;

	beforeAll(async () => {
		emulator = await startEmulator();
		session = await timed('n8n session', async () => await startN8nSession({ version }));
	}, 30 * 60_000);

	afterAll(async () => {
		await session?.close();
		await emulator?.stop();
		report(session?.timings);
	}, 60_000);

	test('(e) loads with no warnings about its nodes; nodes.json lists all three with icons that answer SVG', async () => {
		expect(session.startupLog).toMatch(/n8n ready on 127\.0\.0\.1/);
		expect(session.packageLogProblems()).toEqual([]);

		const response = await session.client.authedGet('/types/nodes.json');
		expect(response.status).toBe(200);
		const types = (await response.json()) as Array<{
			name: string;
			iconUrl?: string | { light: string; dark: string };
		}>;
		const listed = types.filter((type) => type.name.startsWith('n8n-nodes-alibaba-vod.'));
		const ours = listed.filter((type) => ALL_OUR_TYPES.includes(type.name as never));
		expect(ours.map((type) => type.name).sort()).toEqual([...ALL_OUR_TYPES].sort());
		// the rest can only be the AI-tool variants n8n derives from nodes marked usableAsTool
		const others = listed.filter((type) => !ours.includes(type)).map((type) => type.name);
		for (const name of others) {
			expect([`${NODE_TYPES.action}Tool`, `${NODE_TYPES.jobStatus}Tool`]).toContain(name);
		}

		// n8n keeps one credential type per name: a name n8n or another package already uses would replace
		// theirs (n8n 2.x's Qwen Cloud credential is `alibabaCloudApi`, this package's first name)
		const credentialTypes = (await (await session.client.authedGet('/types/credentials.json')).json()) as Array<{
			name: string;
			displayName: string;
		}>;
		for (const name of [VOD_CREDENTIAL_TYPE, CALLBACK_CREDENTIAL_TYPE]) {
			expect({ name, listed: credentialTypes.filter((type) => type.name === name).length }).toEqual({ name, listed: 1 });
		}
		expect(credentialTypes.find((type) => type.name === 'alibabaCloudApi')?.displayName).not.toBe('Alibaba Cloud API');

		for (const type of ours) {
			const urls =
				typeof type.iconUrl === 'string'
					? [type.iconUrl]
					: [type.iconUrl?.light, type.iconUrl?.dark].filter((url): url is string => !!url);
			expect(urls.length).toBeGreaterThan(0);
			for (const url of urls) {
				const icon = await session.client.authedGet(`/${url.replace(/^\//, '')}`);
				expect({ url, status: icon.status }).toEqual({ url, status: 200 });
				expect(icon.headers.get('content-type')).toMatch(/svg/);
				expect(await icon.text()).toMatch(/<svg[\s>]/);
			}
		}
	});

	test("(d) n8n's credential test: the emulator's keys pass, a wrong secret names SignatureDoesNotMatch", async () => {
		const data = emulatorApiCredential(emulator);
		const credential = await session.client.createCredential(
			'VOD emulator',
			'alibabaCloudVodApi',
			data,
		);
		const before = emulator.state.vodCalls.SearchMedia ?? 0;

		const good = await session.client.testCredential(credential, data);
		expect(good).toEqual({ status: 'OK', message: expect.any(String) });
		// the test really went to VOD (the emulator), signed
		expect(emulator.state.vodCalls.SearchMedia ?? 0).toBeGreaterThan(before);

		const wrongSecret = 'wrong-secret-e2e-0123456789';
		const bad = await session.client.testCredential(credential, {
			...data,
			accessKeySecret: wrongSecret,
		});
		expect(bad.status).toBe('Error');
		expect(bad.message).toContain('SignatureDoesNotMatch');
		expect(bad.message).not.toContain(wrongSecret);
	});

	test('(c) trigger: forged callbacks get 401 and start nothing; a signed one starts exactly one execution', async () => {
		const authKey = emulator.callbackAuthKey;
		const credential = await session.client.createCredential(
			'VOD callback key',
			'alibabaCloudVodCallbackApi',
			{ authKey, previousAuthKey: '' },
		);
		const webhookId = randomUUID();
		// version 1: what workflows made before 1.1 have (the rest of the suites use 1.1)
		const workflow = await session.client.createWorkflow(
			callbackTriggerWorkflow({ webhookId, callbackCredential: credential, typeVersion: 1 }),
		);
		expect((await session.client.activateWorkflow(workflow.id)).active).toBe(true);

		const url = triggerProductionUrl(session.n8n.webhookBaseUrl, webhookId);
		const event = {
			EventTime: new Date().toISOString(),
			EventType: 'FileUploadComplete',
			VideoId: 'e2e0000000000000000000000000001',
			Status: 'success',
			Size: 1024,
			FileUrl: 'http://127.0.0.1/outin-e2e/sv/e2e/video.mp4',
		};
		const post = async (headers: Record<string, string>, body: unknown = event) =>
			await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...headers },
				body: JSON.stringify(body),
			});
		const now = () => String(Math.floor(Date.now() / 1000));

		// forged: no signature, a signature made with another key, a valid signature for another URL,
		// a valid signature with a stale timestamp
		const ts = now();
		const forged: Array<Record<string, string>> = [
			{},
			{
				'X-VOD-TIMESTAMP': ts,
				'X-VOD-SIGNATURE': callbackSignature(url, ts, 'NotTheKey0123456789'),
			},
			{
				'X-VOD-TIMESTAMP': ts,
				'X-VOD-SIGNATURE': callbackSignature(`${url}-elsewhere`, ts, authKey),
			},
			{
				'X-VOD-TIMESTAMP': String(Number(ts) - 3600),
				'X-VOD-SIGNATURE': callbackSignature(url, String(Number(ts) - 3600), authKey),
			},
		];
		for (const headers of forged) {
			const response = await post(headers);
			expect({ headers, status: response.status }).toEqual({ headers, status: 401 });
		}
		// n8n records executions and writes its log asynchronously: give both time to show up
		await new Promise((resolve) => setTimeout(resolve, 1500));
		// the refusals came from the node's own check (it logs each one, without the reason's details)
		const refusals = session.n8n
			.logText()
			.split('\n')
			.filter((line) => line.includes('Alibaba Cloud VOD Trigger refused a callback (401)'));
		expect(refusals).toHaveLength(forged.length);
		expect(await session.client.executions(workflow.id)).toEqual([]);

		const signedAt = now();
		const signed = {
			'X-VOD-TIMESTAMP': signedAt,
			'X-VOD-SIGNATURE': callbackSignature(url, signedAt, authKey),
		};
		const accepted = await post(signed);
		expect(accepted.status).toBe(200);
		const [execution] = await session.client.waitForExecutions(workflow.id, 1, 30_000);
		expect(execution.status).toBe('success');
		expect(execution.mode).toBe('webhook');
		const emitted = execution.data!.resultData.runData['VOD Trigger'][0].data!.main[0]!;
		expect(emitted).toHaveLength(1);
		expect(emitted[0].json).toMatchObject({
			event: { EventType: 'FileUploadComplete', MediaId: event.VideoId, Status: 'success' },
			authentication: 'currentKey',
		});

		// VOD repeats a callback it did not see answered: the repeat is answered 200 and starts nothing
		const repeat = await post(signed);
		expect(repeat.status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(await session.client.executions(workflow.id)).toHaveLength(1);

		// no secret in n8n's log
		expect(session.n8n.logText()).not.toContain(authKey);
	});

	test('(c2) trigger 1.1: a signed callback whose Content-Type n8n does not parse is read by the node and starts one execution', async () => {
		const authKey = emulator.callbackAuthKey;
		const credential = await session.client.createCredential(
			'VOD callback key (1.1)',
			'alibabaCloudVodCallbackApi',
			{ authKey, previousAuthKey: '' },
		);
		const webhookId = randomUUID();
		const workflow = await session.client.createWorkflow(
			callbackTriggerWorkflow({ webhookId, callbackCredential: credential, typeVersion: 1.1 }),
		);
		await session.client.activateWorkflow(workflow.id);
		const url = triggerProductionUrl(session.n8n.webhookBaseUrl, webhookId);
		const event = {
			EventTime: new Date().toISOString(),
			EventType: 'FileUploadComplete',
			VideoId: 'e2e0000000000000000000000000011',
			Status: 'success',
			Size: 2048,
		};
		const timestamp = String(Math.floor(Date.now() / 1000));
		// n8n parses JSON, text, form and XML bodies itself; for a 1.1 node it leaves any other to the node
		const response = await fetch(url, {
			method: 'POST',
			headers: {
				'content-type': 'application/octet-stream',
				'X-VOD-TIMESTAMP': timestamp,
				'X-VOD-SIGNATURE': callbackSignature(url, timestamp, authKey),
			},
			body: JSON.stringify(event),
		});
		expect(response.status).toBe(200);
		const [execution] = await session.client.waitForExecutions(workflow.id, 1, 30_000);
		expect(execution.status).toBe('success');
		const emitted = execution.data!.resultData.runData['VOD Trigger'][0].data!.main[0]!;
		expect(emitted.map((item) => item.json.event)).toEqual([
			expect.objectContaining({ EventType: 'FileUploadComplete', MediaId: event.VideoId }),
		]);
	});
});
