/**
 * The poll trigger in a real n8n, once per version (the built package installed as a user installs it) against the
 * VOD emulator: the workflow is active and n8n itself runs the polls, saves the cursor, and records one
 * execution per poll that found changes. In n8n 1.x polls come every 5 s: a custom Poll Times cron with a
 * seconds field ("0,5,…,55 * * * * *") — 1.x refuses only a `*` in the seconds field ("at least a
 * minute"), and the `cron` package n8n uses runs six-field expressions. n8n 2.x refuses any interval
 * under a minute (`isSubMinuteCron`): there polls come every minute and the backlog is smaller, so that
 * it still takes several polls. n8n is stopped and started again on the same user
 * folder (database) halfway, with media created and changed while it is down.
 */
import type { INode } from 'n8n-workflow';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { changeMediaStatus } from '../emulator/vod/media';
import type { ExecutionRecord } from './lib/client';
import { e2eVersions, majorOf, readPackageJson } from './lib/install';
import { startN8n, type N8nProcess } from './lib/process';
import { PACKAGE_NAME, startN8nSession, type N8nSession } from './lib/session';
import { report, say, timed } from './lib/timing';

const POLL_TRIGGER_TYPE = `${PACKAGE_NAME}.alibabaCloudVodPollTrigger`;
const TRIGGER_NAME = 'VOD Poll Trigger';
const EVERY_5_SECONDS = '0,5,10,15,20,25,30,35,40,45,50,55 * * * * *';
const EVERY_MINUTE = '0 * * * * *';

/** The shortest poll interval each version accepts, and a backlog that takes several polls at it. */
function pollPlan(version: string) {
	return majorOf(version) >= 2
		? { cron: EVERY_MINUTE, intervalMs: 60_000, backlog: 250 }
		: { cron: EVERY_5_SECONDS, intervalMs: 5_000, backlog: 400 };
}
const MAX_ITEMS_PER_POLL = 100;

type Event = { MediaId: string; Status: string; PreviousStatus?: string };

function pollWorkflow(credential: { id: string; name: string }, cron: string) {
	const nodes: INode[] = [
		{
			id: '00000000-0000-4000-8000-00000000a001',
			name: TRIGGER_NAME,
			type: POLL_TRIGGER_TYPE,
			typeVersion: 1,
			position: [0, 300],
			parameters: {
				pollTimes: { item: [{ mode: 'custom', cronExpression: cron }] },
				mediaType: 'video',
				statuses: ['Normal', 'UploadFail', 'Uploading'],
				options: { maxItemsPerPoll: MAX_ITEMS_PER_POLL },
			},
			credentials: { alibabaCloudVodApi: credential },
		},
		{
			id: '00000000-0000-4000-8000-00000000a002',
			name: 'Received',
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [240, 300],
			parameters: {},
		},
	];
	return {
		name: 'E2E: VOD poll trigger',
		nodes,
		connections: { [TRIGGER_NAME]: { main: [[{ node: 'Received', type: 'main' as const, index: 0 }]] } },
	};
}

function eventsOf(execution: ExecutionRecord): Event[] {
	const run = execution.data?.resultData.runData[TRIGGER_NAME]?.[0];
	return (run?.data?.main[0] ?? []).map((item) => item.json.event as Event);
}

describe.each(e2eVersions())('the poll trigger in a real n8n %s', (version) => {
	let emulator: Emulator;
	let session: N8nSession;
	let restarted: N8nProcess | undefined;

	beforeAll(async () => {
		const packageDir = process.env.N8N_E2E_PACKAGE_DIR;
		const listed = readPackageJson(packageDir).n8n?.nodes ?? [];
		if (!listed.some((file) => file.endsWith('AlibabaCloudVodPollTrigger.node.js'))) {
			throw new Error(
				'package.json `n8n.nodes` does not list dist/nodes/AlibabaCloudVod/AlibabaCloudVodPollTrigger.node.js: n8n would not load the poll trigger',
			);
		}
		emulator = await startEmulator();
		session = await timed('n8n session', async () => await startN8nSession({ version }));
	}, 30 * 60_000);

	afterAll(async () => {
		await restarted?.stop();
		await session?.close();
		await emulator?.stop();
		report(session?.timings);
	}, 60_000);

	const plan = pollPlan(version);
	/** time for the changes seeded now to show up: the next poll, plus one more, plus a margin */
	const polls = (count: number) => count * plan.intervalMs + 25_000;

	test(`30 media over three polls, a status change, a restart with changes while down, a ${plan.backlog}-media backlog: each change reaches the workflow once`, async () => {
		const client = session.client;
		const credential = await client.createCredential('VOD emulator', 'alibabaCloudVodApi', emulatorApiCredential(emulator));
		emulator.seedMedia({ count: 5, statuses: ['Normal'] }); // there before activation: not reported
		const workflow = await client.createWorkflow(pollWorkflow(credential, plan.cron));
		expect((await client.activateWorkflow(workflow.id)).active).toBe(true);

		const expected = new Map<string, string[]>();
		const seed = (count: number, statuses: string[], label: string) => {
			const ids = emulator.seedMedia({
				count,
				statuses,
				startTime: new Date().toISOString(),
				intervalMs: 3,
				titlePrefix: label,
			});
			ids.forEach((id, i) => expected.set(id, [...(expected.get(id) ?? []), statuses[i % statuses.length]]));
			return ids;
		};

		/** In the order n8n started them (the API lists newest first). */
		const finishedExecutions = async () =>
			(await client.executions(workflow.id, true))
				.filter((e) => !['new', 'running', 'waiting'].includes(e.status))
				.sort((a, b) => Number(a.id) - Number(b.id));

		/** Waits until the workflow's executions carry every expected change; returns them all. */
		const waitForEvents = async (label: string, timeoutMs: number) =>
			await timed(label, async () => {
				const want = [...expected.values()].reduce((n, s) => n + s.length, 0);
				const deadline = Date.now() + timeoutMs;
				for (;;) {
					const executions = await finishedExecutions();
					const events = executions.flatMap(eventsOf);
					if (events.length >= want) return { executions, events };
					if (Date.now() > deadline) {
						throw new Error(`${label}: ${events.length}/${want} changes after ${timeoutMs} ms`);
					}
					await new Promise((resolve) => setTimeout(resolve, 1000));
				}
			});

		// three poll intervals, ten media each, a third of them failed uploads
		const [uploading] = seed(1, ['Uploading'], 'still uploading');
		for (let round = 1; round <= 3; round++) {
			seed(10, ['Normal', 'Normal', 'UploadFail'], `round ${round}`);
			await waitForEvents(`round ${round}`, polls(2));
		}
		// Uploading → Normal: reported when it happens
		changeMediaStatus(emulator.state, uploading, 'Normal');
		expected.set(uploading, ['Uploading', 'Normal']);
		await waitForEvents('status change', polls(2));

		// n8n stops; meanwhile media are created and changed; n8n starts again on the same database
		await timed('n8n stop', async () => await session.n8n.stop());
		const [failing] = seed(1, ['Uploading'], 'fails while n8n is down');
		changeMediaStatus(emulator.state, failing, 'UploadFail', Date.now() + 1000);
		expected.set(failing, ['UploadFail']); // n8n never saw it Uploading
		seed(plan.backlog, ['Normal', 'UploadFail'], 'backlog');
		restarted = await timed(
			'n8n restart',
			async () =>
				await startN8n(session.installation, {
					userFolder: session.userFolder,
					port: session.n8n.port,
				}),
		);
		const { executions, events } = await waitForEvents(
			'backlog after restart',
			Math.max(90_000, polls(Math.ceil((plan.backlog + 1) / MAX_ITEMS_PER_POLL) + 2)),
		);

		// a few more polls: nothing further is emitted
		await new Promise((resolve) => setTimeout(resolve, Math.max(12_000, plan.intervalMs + 5_000)));
		const final = (await finishedExecutions()).flatMap(eventsOf);
		expect(final).toHaveLength(events.length);

		const emitted = new Map<string, string[]>();
		for (const event of events) {
			emitted.set(event.MediaId, [...(emitted.get(event.MediaId) ?? []), event.Status]);
		}
		expect(emitted.size).toBe(expected.size);
		expect(expected.size).toBe(1 + 30 + 1 + plan.backlog);
		for (const [id, statuses] of expected) {
			expect({ id, statuses: emitted.get(id) }).toEqual({ id, statuses });
		}
		expect(events.find((e) => e.MediaId === uploading && e.Status === 'Normal')?.PreviousStatus).toBe('Uploading');

		// the backlog came in several executions of at most Max Items Per Poll each, all successful
		const sizes = executions.map((e) => eventsOf(e).length);
		say(`executions: ${executions.length}, items per execution: ${sizes.join(', ')}`);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_ITEMS_PER_POLL);
		expect(executions.length).toBeGreaterThanOrEqual(
			Math.ceil((plan.backlog + 32) / MAX_ITEMS_PER_POLL) + 3,
		);
		expect(executions.every((e) => e.status === 'success' && e.mode === 'trigger')).toBe(true);

		// n8n's log names no poll error
		const log = restarted.logText();
		expect(log).not.toMatch(/polling interval is too short|Alibaba Cloud VOD Poll Trigger: a search failed/);
	}, 6 * 60_000 + 20 * plan.intervalMs);
});
