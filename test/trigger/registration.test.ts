import fc from 'fast-check';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { registeringWorkflowOf } from '../../nodes/AlibabaCloudVod/helpers/callbackUrl';
import { emulatorCredentials } from '../harness';
import { startSourceServer, type SourceServer } from '../harness/sourceServer';
import { startTriggerServer, TRIGGER_NODE_NAME, type TriggerServer } from '../harness/webhook';
import { startEmulator, type Emulator } from '../emulator';
import { callVod, openApiClient } from '../emulator/vod/test-clients';
import { captureN8nLogs } from '../support/logCapture';
import { propertyParams, propertyTimeout } from '../support/property';

/**
 * Callback Registration "Register in VOD on Activation", against the emulator's SetMessageCallback /
 * GetMessageCallback, through n8n-core's real HookContext (test/harness/webhook.ts): what activation and
 * deactivation leave in VOD, and what they leave in the workflow's static data (readable by anyone who can
 * open the workflow, so never a key).
 */

// What the node logs, to check reasons are logged and secrets are not.
const logLines = captureN8nLogs();

const CURRENT_KEY = 'CurrentKey0001';
const OLD_KEY = 'PreviousKey0002';
const FOREIGN_KEY = 'PREVVODKEYSEKRIT42';
const ALL_KEYS = [CURRENT_KEY, OLD_KEY, FOREIGN_KEY];

/** VOD's callback before any workflow registered: another consumer's ("X" in the outside report). */
const ORIGINAL = {
	CallbackType: 'HTTP' as const,
	CallbackURL: 'https://other-consumer.example.com/vod?token=abc',
	EventTypeList: 'FileUploadComplete',
	AuthSwitch: 'on' as const,
	AuthKey: OLD_KEY,
};

describe('VOD Trigger: Register in VOD on Activation', () => {
	let emulator: Emulator;
	let source: SourceServer;
	let a: TriggerServer;
	let b: TriggerServer;
	const credentials: Record<string, IDataObject> = {};
	const client = () => openApiClient(emulator.vodEndpoint, emulator.accessKey);
	const settings = () => {
		const { CallbackType, CallbackURL, EventTypeList, AuthSwitch, AuthKey } = emulator.state.vod.messageCallback;
		return { CallbackType, CallbackURL, EventTypeList, AuthSwitch, AuthKey };
	};
	const calls = (action: string) => emulator.state.vod.callCounts.get(action) ?? 0;
	const registerParameters = (options: INodeParameters = {}): INodeParameters => ({
		events: ['UploadByURLComplete', 'FileUploadComplete'],
		status: 'any',
		callbackRegistration: 'register',
		options,
	});

	/** What n8n does on activation: checkExists, then create when it answers false. */
	async function activate(trigger: TriggerServer) {
		if (!(await trigger.runHook('checkExists'))) await trigger.runHook('create');
	}

	function expectNoKeyIn(trigger: TriggerServer) {
		const stored = JSON.stringify(trigger.staticData);
		for (const key of ALL_KEYS) expect(stored).not.toContain(key);
	}

	beforeAll(async () => {
		emulator = await startEmulator();
		source = await startSourceServer();
		const common = { parameters: registerParameters(), credentials: credentials as never };
		a = await startTriggerServer({ ...common, workflowId: 'wfAAAA', webhookId: 'a0000000-0000-4000-8000-00000000000a' });
		b = await startTriggerServer({ ...common, workflowId: 'wfBBBB', webhookId: 'b0000000-0000-4000-8000-00000000000b' });
	});

	afterAll(async () => {
		await a?.close();
		await b?.close();
		await emulator?.stop();
		await source?.stop();
	});

	beforeEach(() => {
		emulator.reset();
		emulator.setMessageCallback({ ...ORIGINAL, retryDelayMs: 20, quirks: false });
		credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: OLD_KEY };
		Object.assign(credentials, emulatorCredentials(emulator));
		for (const trigger of [a, b]) {
			trigger.parameters = registerParameters();
			trigger.staticData = {};
			trigger.deliveries.length = 0;
			trigger.executions.length = 0;
		}
		logLines.length = 0;
	});

	it('points VOD at the webhook on activation, delivers signed callbacks there, and restores the previous settings on deactivation', async () => {
		expect(await a.runHook('checkExists')).toBe(false);
		expect(await a.runHook('create')).toBe(true);
		// The registered URL is the webhook's, marked with the workflow that registered it.
		expect(settings()).toEqual({
			CallbackType: 'HTTP',
			CallbackURL: `${a.productionUrl}?n8nVodTrigger=wfAAAA`,
			EventTypeList: 'UploadByURLComplete,FileUploadComplete',
			AuthSwitch: 'on',
			AuthKey: CURRENT_KEY,
		});
		expect(await a.runHook('checkExists')).toBe(true);

		// VOD signs the marked URL; the trigger verifies it and starts the workflow.
		await callVod(client(), 'UploadMediaByURL', { UploadURLs: encodeURIComponent(source.url('/files/r.mp4')) });
		await emulator.finishJobs();
		await a.idle();
		expect(a.deliveries.map((d) => d.statusCode)).toEqual([200, 200]);
		expect(a.executions).toHaveLength(2);

		expect(await a.runHook('delete')).toBe(true);
		expect(settings()).toEqual(ORIGINAL);
		expect((a.staticData[`node:${TRIGGER_NODE_NAME}`] as IDataObject).registration).toBeUndefined();
	});

	it('verifies the registered URL when a Public Callback URL is set', async () => {
		a.parameters = registerParameters({ publicCallbackUrl: a.productionUrl });
		await activate(a);
		expect(settings().CallbackURL).toBe(`${a.productionUrl}?n8nVodTrigger=wfAAAA`);
		await callVod(client(), 'UploadMediaByURL', { UploadURLs: encodeURIComponent(source.url('/files/p.mp4')) });
		await emulator.finishJobs();
		await a.idle();
		expect(a.deliveries.map((d) => d.statusCode)).toEqual([200, 200]);
	});

	it('keeps the original settings when it registers again over its own registration', async () => {
		await activate(a);
		a.parameters = { ...a.parameters, events: ['ALL'] };
		expect(await a.runHook('checkExists')).toBe(false); // events changed
		await a.runHook('create');
		expect(settings().EventTypeList).toBe('ALL');
		await a.runHook('delete');
		expect(settings()).toEqual(ORIGINAL);
	});

	it('leaves settings someone else changed since alone', async () => {
		await activate(a);
		const newer = { ...ORIGINAL, CallbackURL: 'https://newer.example.com/vod' };
		emulator.setMessageCallback(newer);
		const sets = calls('SetMessageCallback');
		expect(await a.runHook('delete')).toBe(true);
		expect(calls('SetMessageCallback')).toBe(sets);
		expect(settings()).toEqual(newer);
		expect(logLines.join('\n')).toMatch(/changed since this workflow registered/);
	});

	it('makes no VOD call when registration is off', async () => {
		a.parameters = { ...a.parameters, callbackRegistration: 'manual' };
		const before = [calls('GetMessageCallback'), calls('SetMessageCallback')];
		expect(await a.runHook('checkExists')).toBe(true);
		expect(await a.runHook('create')).toBe(true);
		expect(await a.runHook('delete')).toBe(true);
		expect([calls('GetMessageCallback'), calls('SetMessageCallback')]).toEqual(before);
		expect(settings()).toEqual(ORIGINAL);
	});

	it('surfaces a VOD failure on activation instead of swallowing it', async () => {
		credentials.alibabaCloudVodApi = { ...credentials.alibabaCloudVodApi, accessKeySecret: 'wrong-secret' };
		await expect(a.runHook('create')).rejects.toThrow();
		expect(settings()).toEqual(ORIGINAL);
		expect(JSON.stringify(logLines)).not.toContain('wrong-secret');
	});

	describe('no key in static data (outside report, finding 3)', () => {
		it.each([
			['the credential’s current key', CURRENT_KEY, 'authKey'],
			['the credential’s previous key', OLD_KEY, 'previousAuthKey'],
		])('VOD signed with %s: only which one is saved, and the key is restored', async (_label, key, field) => {
			emulator.setMessageCallback({ AuthKey: key });
			await activate(a);
			expectNoKeyIn(a);
			const saved = (a.staticData[`node:${TRIGGER_NODE_NAME}`] as IDataObject).registration as IDataObject;
			expect(saved.previous).toMatchObject({ authKeyFrom: field, CallbackURL: ORIGINAL.CallbackURL });
			await a.runHook('delete');
			expect(settings()).toEqual({ ...ORIGINAL, AuthKey: key });
			expectNoKeyIn(a);
		});

		it('VOD signed with a key the credential does not hold: activation is refused, nothing changes, the key appears nowhere', async () => {
			emulator.setMessageCallback({ AuthKey: FOREIGN_KEY });
			const sets = calls('SetMessageCallback');
			const error = await a.runHook('create').then(
				() => undefined,
				(caught: Error & { description?: string }) => caught,
			);
			expect(error?.message).toMatch(/auth key that this workflow's callback credential does not hold/);
			expect(error?.message).toContain('https://other-consumer.example.com');
			expect(error?.message).not.toContain('token=abc'); // the URL's path and query may hold tokens
			expect(error?.description).toMatch(/Previous Auth Key/);
			expect(calls('SetMessageCallback')).toBe(sets);
			expect(settings()).toEqual({ ...ORIGINAL, AuthKey: FOREIGN_KEY });
			expectNoKeyIn(a);
			expect(`${error?.message} ${error?.description} ${logLines.join('\n')}`).not.toContain(FOREIGN_KEY);

			// The fix the error names: the key in Previous Auth Key. Then it activates and restores it.
			credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: FOREIGN_KEY };
			await activate(a);
			expectNoKeyIn(a);
			await a.runHook('delete');
			expect(settings()).toEqual({ ...ORIGINAL, AuthKey: FOREIGN_KEY });
		});

		it('a key VOD does not use (authentication off) is not kept: URL, events and the switch come back', async () => {
			emulator.setMessageCallback({ AuthKey: FOREIGN_KEY, AuthSwitch: 'off' });
			await activate(a);
			expectNoKeyIn(a);
			expect(logLines.join('\n')).toMatch(/authentication was off/);
			await a.runHook('delete');
			expect(settings()).toEqual({ ...ORIGINAL, AuthSwitch: 'off', AuthKey: CURRENT_KEY });
		});

		it('a saved previous key whose credential field was emptied since: the URL still comes back, the log says why the key did not', async () => {
			await activate(a); // VOD signed with OLD_KEY, the credential's previous key
			credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: '' };
			await a.runHook('delete');
			expect(settings()).toEqual({ ...ORIGINAL, AuthKey: CURRENT_KEY });
			expect(logLines.join('\n')).toMatch(/Previous Auth Key, which is empty now/);
		});

		it('settings an earlier version saved with the key itself: still restored, and the key dropped once the credential holds it', async () => {
			emulator.setMessageCallback({ CallbackURL: a.productionUrl, EventTypeList: 'ALL', AuthKey: CURRENT_KEY });
			a.staticData = {
				[`node:${TRIGGER_NODE_NAME}`]: {
					registration: {
						callbackUrl: a.productionUrl,
						eventTypeList: 'ALL',
						registeredAt: '2026-01-01T00:00:00.000Z',
						previous: { ...ORIGINAL, authKeyFrom: 'saved', AuthKey: OLD_KEY },
					},
				},
			};
			await activate(a); // n8n restarted after the upgrade: registers the marked URL over its own
			expect(settings().CallbackURL).toBe(`${a.productionUrl}?n8nVodTrigger=wfAAAA`);
			expectNoKeyIn(a);
			await a.runHook('delete');
			expect(settings()).toEqual(ORIGINAL);
		});

		it('searched: whatever VOD held before, activation either registers with no key in static data or refuses and changes nothing; deactivation restores what it can', async () => {
			const keyArb = fc.constantFrom('', CURRENT_KEY, OLD_KEY, FOREIGN_KEY);
			await fc.assert(
				fc.asyncProperty(
					keyArb,
					fc.constantFrom<'on' | 'off'>('on', 'off'),
					fc.constantFrom('', OLD_KEY),
					async (vodKey, authSwitch, previousKeyInCredential) => {
						emulator.reset();
						emulator.setMessageCallback({ ...ORIGINAL, AuthKey: vodKey, AuthSwitch: authSwitch });
						credentials.alibabaCloudVodCallbackApi = { authKey: CURRENT_KEY, previousAuthKey: previousKeyInCredential };
						a.staticData = {};
						const before = settings();
						const held = vodKey === '' || vodKey === CURRENT_KEY || vodKey === previousKeyInCredential;
						const refused = await activate(a).then(
							() => false,
							() => true,
						);
						expectNoKeyIn(a);
						expect(refused).toBe(!held && authSwitch === 'on');
						if (refused) {
							expect(settings()).toEqual(before);
							return;
						}
						expect(settings().CallbackURL?.startsWith(a.productionUrl)).toBe(true);
						await a.runHook('delete');
						expectNoKeyIn(a);
						// the key comes back when it was one the credential holds; an unused one stays ours
						expect(settings()).toEqual({ ...before, AuthKey: held && vodKey !== '' ? vodKey : CURRENT_KEY });
					},
				),
				propertyParams(24),
			);
		}, propertyTimeout(24, 30_000));
	});

	describe('activation errors a user can act on (second pass N9, N10)', () => {
		const failure = async (trigger: TriggerServer) =>
			await activate(trigger).then(
				() => undefined,
				(caught: Error & { description?: string }) => caught,
			);

		it("a key VOD refuses: the error carries VOD's own message, not only the generic hint", async () => {
			credentials.alibabaCloudVodCallbackApi = { authKey: 'key-with-dash', previousAuthKey: OLD_KEY };
			const error = await failure(a);
			// n8n shows a failed activation by its description: VOD's words have to be in it
			expect(error?.description).toMatch(
				/^VOD rejected a parameter of the request: The specified parameter AuthKey is not valid\. Up to 32 letters and digits\./,
			);
			expect(error?.message).toMatch(/InvalidParameter\.AuthKey/);
		});

		it('VOD signs an empty callback URL with a key the credential does not hold: the error says the URL is empty', async () => {
			emulator.setMessageCallback({ CallbackURL: '', AuthKey: FOREIGN_KEY });
			const error = await failure(a);
			expect(error?.message).toMatch(/VOD signs its current HTTP callback \(no URL: it is empty\)/);
			expect(error?.message).not.toMatch(/unreadable/);
		});

		it.each([
			['a workflow that may be gone', 'wfGONE', /workflow wfGONE/, /If workflow wfGONE is active, deactivate it/],
			['an empty marker', '', /a workflow it does not name/, /If a workflow with a registering VOD Trigger is active/],
		])('a callback left by %s: the refusal says what to do', async (_name, marker, whose, first) => {
			emulator.setMessageCallback({ CallbackURL: `https://n8n.example.com/webhook/x/webhook?n8nVodTrigger=${marker}` });
			const error = await failure(a);
			expect(error?.message).toMatch(whose);
			expect(error?.description).toMatch(first);
			expect(error?.description).toMatch(/no longer exists or is inactive.*VOD console \(Configuration Management → Callback\).*clear it, then activate this workflow again/);
		});
	});

	describe('two workflows registering in one region (outside report, finding 4)', () => {
		it('B refuses to take over A’s registration, naming A; deactivating A restores the original', async () => {
			await activate(a);
			const error = await activate(b).then(
				() => undefined,
				(caught: Error & { description?: string }) => caught,
			);
			expect(error?.message).toMatch(/registered by the VOD Trigger of workflow wfAAAA/);
			expect(error?.description).toMatch(/If workflow wfAAAA is active, deactivate it/);
			expect(registeringWorkflowOf(settings().CallbackURL)).toBe('wfAAAA');
			expect((b.staticData[`node:${TRIGGER_NODE_NAME}`] as IDataObject | undefined)?.registration).toBeUndefined();

			await a.runHook('delete');
			expect(settings()).toEqual(ORIGINAL);
			// now B may register, and restores the original too
			await activate(b);
			expect(registeringWorkflowOf(settings().CallbackURL)).toBe('wfBBBB');
			await b.runHook('delete');
			expect(settings()).toEqual(ORIGINAL);
		});

		it('fresh account (no callback URL): a deactivated workflow leaves its URL unmarked, so the next one may register (second pass N3)', async () => {
			const FRESH = { CallbackType: 'HTTP' as const, CallbackURL: '', EventTypeList: 'ALL', AuthSwitch: 'off' as const };
			emulator.setMessageCallback(FRESH);
			await activate(a);
			await a.runHook('delete');
			// the API cannot clear the URL: it stays, unmarked, with the previous switch and events
			expect(settings()).toMatchObject({ CallbackURL: a.productionUrl, AuthSwitch: 'off', EventTypeList: 'ALL' });
			expect(registeringWorkflowOf(settings().CallbackURL)).toBeUndefined();

			await activate(b);
			expect(registeringWorkflowOf(settings().CallbackURL)).toBe('wfBBBB');
			await b.runHook('delete');
			expect(settings()).toMatchObject({ CallbackURL: a.productionUrl, AuthSwitch: 'off', EventTypeList: 'ALL' });
		});

		it("a callback marked by this workflow itself (an earlier webhook URL, saved settings lost) is taken over, not refused (second pass N3)", async () => {
			emulator.setMessageCallback({ CallbackURL: 'https://old-host.example.com/webhook/a/webhook?n8nVodTrigger=wfAAAA' });
			await activate(a);
			expect(settings().CallbackURL).toBe(`${a.productionUrl}?n8nVodTrigger=wfAAAA`);
			expect(logLines.join('\n')).toMatch(/registered by this workflow earlier; registering over it/);
			// another workflow still may not take over an active one's callback
			await expect(activate(b)).rejects.toThrow(/registered by the VOD Trigger of workflow wfAAAA/);
		});

		it('searched: any order of activations and deactivations never leaves VOD calling an inactive workflow, and ends on the original', async () => {
			const step = fc.record({ who: fc.constantFrom('a', 'b'), on: fc.boolean() });
			await fc.assert(
				fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
					emulator.reset();
					emulator.setMessageCallback(ORIGINAL);
					const triggers = { a, b };
					const active = new Set<'a' | 'b'>();
					for (const trigger of [a, b]) trigger.staticData = {};
					// an active workflow's webhook, whatever query VOD calls it with
					const live = (url: string | undefined) =>
						url === ORIGINAL.CallbackURL || [...active].some((who) => url?.split('?')[0] === triggers[who].productionUrl);

					for (const { who, on } of [...steps, { who: 'a' as const, on: false }, { who: 'b' as const, on: false }]) {
						if (on && !active.has(who)) {
							// a refused activation leaves the workflow inactive, as n8n does
							if (await activate(triggers[who]).then(() => true, () => false)) active.add(who);
						} else if (!on && active.has(who)) {
							await triggers[who].runHook('delete');
							active.delete(who);
						}
						expect({ steps, url: settings().CallbackURL, live: live(settings().CallbackURL) }).toMatchObject({ live: true });
					}
					expect(settings()).toEqual(ORIGINAL);
				}),
				propertyParams(40),
			);
		}, propertyTimeout(40, 30_000));
	});
});
