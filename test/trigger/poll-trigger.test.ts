/**
 * The poll trigger through n8n-core's real PollContext (test/harness/poll.ts), against the emulator's real
 * SearchMedia: activation, polls, restarts and backlogs as n8n 1.x runs them, static data saved only when
 * a poll emits (and at activation).
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { emulatorCredentials } from '../harness';
import { createPollTrigger, type PollTrigger } from '../harness/poll';
import { startEmulator, type Emulator } from '../emulator';
import { changeMediaStatus } from '../emulator/vod/media';
import { MAX_SEEN } from '../../nodes/AlibabaCloudVod/pollTrigger/cursor';

const REPORTED = ['Normal', 'UploadFail', 'Uploading'];

type Event = { MediaId: string; Status: string; PreviousStatus?: string } & IDataObject;

function events(items: INodeExecutionData[] | null | undefined): Event[] {
	return (items ?? []).map((item) => item.json.event as Event);
}

function allEvents(trigger: PollTrigger): Event[] {
	return trigger.emissions.flatMap((items) => events(items));
}

/** media ID → every status emitted for it, in order */
function emittedStatuses(trigger: PollTrigger): Map<string, string[]> {
	const byId = new Map<string, string[]>();
	for (const event of allEvents(trigger)) {
		byId.set(event.MediaId, [...(byId.get(event.MediaId) ?? []), event.Status]);
	}
	return byId;
}

describe('Alibaba Cloud VOD Poll Trigger (PollContext, emulator)', () => {
	let emulator: Emulator;

	beforeAll(async () => {
		emulator = await startEmulator();
	});

	afterAll(async () => {
		await emulator?.stop();
	});

	beforeEach(() => emulator.reset());

	const seed = (count: number, statuses: string[], extra: IDataObject = {}) =>
		emulator.seedMedia({
			count,
			statuses,
			startTime: new Date().toISOString(),
			intervalMs: 5,
			...extra,
		});

	async function trigger(parameters: IDataObject, options: { budgetMs?: number } = {}) {
		return await createPollTrigger({
			parameters: { statuses: REPORTED, ...parameters },
			credentials: emulatorCredentials(emulator),
			...options,
		});
	}

	test('activation starts from now: media that exist already are not reported', async () => {
		seed(5, ['Normal', 'UploadFail']);
		const poll = await trigger({});
		expect((await poll.activate()).items).toBeNull();
		expect(await poll.tick()).toEqual({ items: null });
		expect(poll.emissions).toEqual([]);
		// activation saved where it starts (n8n saves static data after activating)
		expect(poll.nodeStaticData?.cursor).toMatchObject({ v: 1, floor: expect.any(Number) });
	});

	test('30 media over three poll intervals, some failing: each reaches the workflow once, with its status', async () => {
		seed(3, ['Normal']); // there before activation
		const poll = await trigger({});
		await poll.activate();
		const created: Array<[string, string]> = [];
		for (let round = 0; round < 3; round++) {
			const statuses = ['Normal', 'Normal', 'UploadFail'];
			const ids = seed(10, statuses, { titlePrefix: `round ${round}` });
			ids.forEach((id, i) => created.push([id, statuses[i % 3]]));
			const outcome = await poll.tick();
			// one execution per poll that found something, with exactly this round's media
			expect(events(outcome.items).map((e) => e.MediaId).sort()).toEqual([...ids].sort());
		}
		expect(await poll.tick()).toEqual({ items: null });

		const byId = emittedStatuses(poll);
		expect(byId.size).toBe(30);
		for (const [id, status] of created) expect({ id, statuses: byId.get(id) }).toEqual({ id, statuses: [status] });
		expect(created.filter(([, s]) => s === 'UploadFail')).toHaveLength(9);
		expect(poll.errors).toEqual([]);
	});

	test('a status change (Uploading → Normal) is reported once, when it happens; a metadata edit is not', async () => {
		const poll = await trigger({});
		await poll.activate();
		const [id] = seed(1, ['Uploading']);
		expect(events((await poll.tick()).items)).toMatchObject([{ MediaId: id, Status: 'Uploading' }]);
		expect((await poll.tick()).items).toBeNull();

		changeMediaStatus(emulator.state, id, 'Normal', Date.now() + 1000);
		const [normal] = events((await poll.tick()).items);
		expect(normal).toMatchObject({ MediaId: id, Status: 'Normal', PreviousStatus: 'Uploading' });
		expect((await poll.tick()).items).toBeNull();

		// VOD moves ModificationTime on any edit: same status, nothing to report
		emulator.state.vod.media.get(id)!.modificationTime = Date.now() + 2000;
		expect((await poll.tick()).items).toBeNull();
		expect(emittedStatuses(poll).get(id)).toEqual(['Uploading', 'Normal']);
	});

	test('statuses not chosen are not reported: Uploading → Normal with only Normal/UploadFail chosen', async () => {
		const poll = await trigger({ statuses: ['Normal', 'UploadFail'] });
		await poll.activate();
		const [id] = seed(1, ['Uploading']);
		expect((await poll.tick()).items).toBeNull();
		changeMediaStatus(emulator.state, id, 'Normal', Date.now() + 1000);
		expect(events((await poll.tick()).items)).toMatchObject([{ MediaId: id, Status: 'Normal' }]);
		expect((await poll.tick()).items).toBeNull();
	});

	test('a change VOD lists late (inside the re-check window) is still found, and only once', async () => {
		const poll = await trigger({});
		await poll.activate();
		const [first] = seed(1, ['Normal'], { startTime: new Date(Date.now() + 5000).toISOString() });
		expect(events((await poll.tick()).items).map((e) => e.MediaId)).toEqual([first]);
		// indexed only now, stamped 60 s before the newest change the trigger has seen
		const [late] = seed(1, ['UploadFail'], { startTime: new Date(Date.now() - 55_000).toISOString() });
		expect(events((await poll.tick()).items)).toMatchObject([{ MediaId: late, Status: 'UploadFail' }]);
		expect((await poll.tick()).items).toBeNull();
	});

	test('n8n restarted between polls: nothing re-emitted, nothing lost', async () => {
		const poll = await trigger({});
		await poll.activate();
		const before = seed(4, ['Normal', 'UploadFail']);
		await poll.tick();
		// a poll that finds nothing: n8n 1.x does not save its cursor
		expect((await poll.tick()).items).toBeNull();

		poll.restart(); // process stopped
		const [uploading] = seed(1, ['Uploading']);
		changeMediaStatus(emulator.state, before[0], 'UploadFail', Date.now() + 1000);
		const during = seed(3, ['Normal']);
		// n8n starts again and re-activates the workflow: its activation poll reports what happened meanwhile
		const reactivated = await poll.activate('init');
		expect(events(reactivated.items).map((e) => [e.MediaId, e.Status]).sort()).toEqual(
			[[before[0], 'UploadFail'], [uploading, 'Uploading'], ...during.map((id) => [id, 'Normal'])].sort(),
		);
		expect((await poll.tick()).items).toBeNull();

		// restart again right after an emitting poll: what was emitted was saved with it
		changeMediaStatus(emulator.state, uploading, 'Normal', Date.now() + 2000);
		expect(events((await poll.tick()).items)).toMatchObject([{ MediaId: uploading, Status: 'Normal' }]);
		poll.restart();
		expect((await poll.activate('init')).items).toBeNull();

		const byId = emittedStatuses(poll);
		expect(byId.get(before[0])).toEqual(['Normal', 'UploadFail']);
		expect(byId.get(uploading)).toEqual(['Uploading', 'Normal']);
		for (const id of [...before.slice(1), ...during]) expect(byId.get(id)).toHaveLength(1);
	});

	test('a backlog of 6,000 media (Include Existing) drains over polls, each once, oldest first, across a restart', async () => {
		// 6,000 changes 10 ms apart (far more than the cursor remembers inside one re-check window),
		// and 250 in one and the same second (a page walk through ties)
		const spread = emulator.seedMedia({
			count: 6000,
			statuses: ['Normal', 'Normal', 'UploadFail'],
			startTime: new Date(Date.now() - 70_000).toISOString(),
			intervalMs: 10,
		});
		const tied = emulator.seedMedia({
			count: 250,
			statuses: ['Normal'],
			startTime: new Date(Date.now() - 90_000).toISOString(),
			intervalMs: 0,
		});
		const poll = await trigger({ includeExisting: true, options: { maxItemsPerPoll: 1000 } });
		const callsBefore = emulator.state.vodCalls.SearchMedia ?? 0;

		const sizes: number[] = [];
		sizes.push((await poll.activate()).items?.length ?? 0);
		for (let i = 0; i < 3; i++) sizes.push((await poll.tick()).items?.length ?? 0);
		poll.restart(); // mid-drain: the resume point was saved with the last emission
		sizes.push((await poll.activate('init')).items?.length ?? 0);
		for (let i = 0; i < 5 && sizes.at(-1) !== 0; i++) sizes.push((await poll.tick()).items?.length ?? 0);

		expect(sizes).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 250, 0]);
		expect((await poll.tick()).items).toBeNull();
		const all = allEvents(poll);
		expect(all).toHaveLength(6250);
		expect(new Set(all.map((e) => e.MediaId)).size).toBe(6250);
		expect(new Set(all.map((e) => e.MediaId))).toEqual(new Set([...spread, ...tied]));
		const times = all.map((e) => Date.parse(e.ModificationTime as string));
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(all.filter((e) => e.Status === 'UploadFail')).toHaveLength(2000);

		// bounded cursor: at most MAX_SEEN pairs, a few tens of KB
		const cursor = poll.nodeStaticData?.cursor as { seen: object };
		expect(Object.keys(cursor.seen).length).toBeLessThanOrEqual(MAX_SEEN);
		expect(JSON.stringify(poll.staticData).length).toBeLessThan(80_000);
		const calls = (emulator.state.vodCalls.SearchMedia ?? 0) - callsBefore;
		process.stderr.write(`[poll] 6,250-media backlog: polls ${sizes.length}, SearchMedia calls ${calls}\n`);
		// 100 changes in every second here: each second is read on a tie page and read again as the start
		// of the next keyset page, so about twice the minimum of 63 pages
		expect(calls).toBeLessThan(3 * Math.ceil(6250 / 100));
	}, 120_000);

	test('a poll stops when getPollBudgetMs() runs out (n8n 2.x) and the next one continues there', async () => {
		const ids = emulator.seedMedia({ count: 450, statuses: ['Normal'] });
		emulator.setFaults({ vod: { latencyMs: 60 } });
		// budget 200 ms → pages are fetched for 160 ms: about three of 100 at 60 ms each
		const poll = await trigger({ includeExisting: true }, { budgetMs: 200 });
		const sizes = [(await poll.activate()).items?.length ?? 0];
		while (sizes.length < 20 && sizes.at(-1) !== 0) sizes.push((await poll.tick()).items?.length ?? 0);
		emulator.setFaults({});
		expect(sizes.length).toBeGreaterThan(2);
		expect(Math.max(...sizes)).toBeLessThan(450);
		const all = allEvents(poll).map((e) => e.MediaId);
		expect(all).toHaveLength(450);
		expect(new Set(all)).toEqual(new Set(ids));
	});

	test('two polls at once (a seconds cron, a slow VOD): the later one skips its turn, nothing is emitted twice', async () => {
		const poll = await trigger({});
		await poll.activate();
		const ids = seed(20, ['Normal']);
		emulator.setFaults({ vod: { latencyMs: 100 } });
		const [a, b] = await Promise.all([poll.tick(), poll.tick()]);
		emulator.setFaults({});
		expect([a.items?.length ?? 0, b.items?.length ?? 0].sort()).toEqual([0, 20]);
		expect((await poll.tick()).items).toBeNull();
		expect(allEvents(poll).map((e) => e.MediaId).sort()).toEqual([...ids].sort());
	});

	test('a failing search surfaces as a NodeApiError (n8n shows it) and loses nothing', async () => {
		const credentials = emulatorCredentials(emulator);
		const poll = await createPollTrigger({
			parameters: { statuses: REPORTED },
			credentials,
		});
		await poll.activate();
		const ids = seed(5, ['Normal']);
		const saved = JSON.stringify(poll.staticData);
		const secret = credentials.alibabaCloudVodApi.accessKeySecret as string;
		credentials.alibabaCloudVodApi.accessKeySecret = 'wrong-secret-for-this-test';
		const failed = await poll.tick();
		expect(failed.error).toBeInstanceOf(NodeApiError);
		expect(failed.error!.message).toMatch(/SignatureDoesNotMatch|signature/i);
		expect(JSON.stringify(failed.error)).not.toContain('wrong-secret-for-this-test');
		expect(JSON.stringify(poll.staticData)).toBe(saved);

		credentials.alibabaCloudVodApi.accessKeySecret = secret;
		expect(events((await poll.tick()).items).map((e) => e.MediaId).sort()).toEqual([...ids].sort());
	});

	test('the emitted item: the webhook trigger event shape plus the raw SearchMedia entry', async () => {
		const poll = await trigger({});
		await poll.activate();
		const [id] = emulator.seedMedia({
			count: 1,
			statuses: ['UploadFail'],
			startTime: new Date().toISOString(),
			titlePrefix: 'Launch film',
			appId: 'app-2000000',
			cateId: 42,
		});
		const [item] = (await poll.tick()).items!;
		const media = emulator.state.vod.media.get(id)!;
		expect(item.json).toEqual({
			event: {
				EventType: 'MediaStatusChanged',
				EventTime: new Date(Math.floor(media.modificationTime / 1000) * 1000).toISOString(),
				MediaId: id,
				VideoId: id,
				MediaType: 'video',
				Status: 'UploadFail',
				Title: 'Launch film 1',
				Size: 1024,
				Duration: 10,
				CreationTime: new Date(Math.floor(media.creationTime / 1000) * 1000).toISOString(),
				ModificationTime: new Date(Math.floor(media.modificationTime / 1000) * 1000).toISOString(),
				CateId: 42,
				AppId: 'app-2000000',
				StorageLocation: media.storageLocation,
				MediaSource: 'general',
			},
			raw: expect.objectContaining({ MediaId: id, MediaType: 'video', Video: expect.objectContaining({ Status: 'UploadFail' }) }),
			receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			authentication: 'polled',
			deliveryKey: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
		});
	});

	test('deliveryKey (outside report, finding 13): one key per status change of a media, whoever reads it and whenever', async () => {
		const first = await trigger({});
		await first.activate();
		const [id] = seed(1, ['Uploading']);
		const [uploading] = (await first.tick()).items!;
		changeMediaStatus(emulator.state, id, 'Normal', Date.now() + 1000);
		const [normal] = (await first.tick()).items!;
		expect(normal.json.event).toMatchObject({ Status: 'Normal', PreviousStatus: 'Uploading' });
		// two changes of one media: two keys, so Remove Duplicates on deliveryKey keeps both
		expect(normal.json.deliveryKey).not.toBe(uploading.json.deliveryKey);

		// Another poller (a restarted cursor, a second workflow) reads the same change without its history:
		// another PreviousStatus and receivedAt, the same key, so Remove Duplicates drops it.
		const second = await trigger({ includeExisting: true });
		const reread = (await second.activate()).items!.find((item) => (item.json.event as Event).MediaId === id)!;
		expect((reread.json.event as Event).PreviousStatus).toBeUndefined();
		expect(reread.json.deliveryKey).toBe(normal.json.deliveryKey);

		// and a title edit (ModificationTime moves, status does not) is no new change: nothing emitted
		emulator.state.vod.media.get(id)!.modificationTime = Date.now() + 2000;
		expect((await first.tick()).items).toBeNull();
	});

	test('the item has the webhook trigger item\'s fields (outside report, finding 13)', async () => {
		const poll = await trigger({});
		await poll.activate();
		seed(1, ['Normal']);
		const [item] = (await poll.tick()).items!;
		// receiveCallback's CallbackItem: event, raw, receivedAt, authentication, deliveryKey
		expect(Object.keys(item.json).sort()).toEqual(['authentication', 'deliveryKey', 'event', 'raw', 'receivedAt']);
	});

	test('filters: app ID, title, and a Match statement with "or" still bounded by the time window', async () => {
		seed(2, ['Normal'], { titlePrefix: 'alpha' }); // before activation: never reported
		const poll = await trigger({
			filters: { appId: 'app-7', match: "Title = 'alpha' or Title = 'beta'" },
		});
		await poll.activate();
		const [alpha] = seed(1, ['Normal'], { titlePrefix: 'alpha', appId: 'app-7' });
		seed(1, ['Normal'], { titlePrefix: 'alpha', appId: 'app-other' });
		const [beta] = seed(1, ['Normal'], { titlePrefix: 'beta', appId: 'app-7' });
		seed(1, ['Normal'], { titlePrefix: 'gamma', appId: 'app-7' });
		expect(events((await poll.tick()).items).map((e) => e.MediaId).sort()).toEqual([alpha, beta].sort());
	});

	test('image media: ImageId and FileURL, like the ImageUploadComplete callback', async () => {
		const poll = await trigger({ mediaType: 'image' });
		await poll.activate();
		const [id] = seed(1, ['Normal'], { mediaType: 'image' });
		seed(1, ['Normal']); // a video: not this trigger's type
		const [event] = events((await poll.tick()).items);
		expect(event).toMatchObject({ MediaId: id, ImageId: id, MediaType: 'image', Status: 'Normal' });
		expect(event.FileURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
		expect(event.VideoId).toBeUndefined();
	});

	test('Fetch Test Event returns the most recently changed matching media and leaves the cursor alone', async () => {
		const poll = await trigger({});
		await poll.activate();
		const saved = JSON.stringify(poll.staticData);
		const ids = seed(3, ['Normal', 'UploadFail', 'Normal']);
		const result = await poll.fetchTestEvent();
		expect(result).toHaveLength(1);
		expect(events(result![0])).toMatchObject([{ MediaId: ids[2], Status: 'Normal' }]);
		expect(JSON.stringify(poll.staticData)).toBe(saved);
		// the changes are still reported by the next real poll
		expect(events((await poll.tick()).items).map((e) => e.MediaId).sort()).toEqual([...ids].sort());

		poll.parameters = { statuses: REPORTED, filters: { title: 'no such title' } };
		const error = await poll.fetchTestEvent().catch((e: Error) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe('No media matches the current filters');
	});

	test('bad options are refused with a message that says what to fix', async () => {
		const poll = await trigger({ options: { maxItemsPerPoll: 0 } });
		const error = await poll.activate().catch((e: Error) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toContain('Max Items Per Poll');
		const bad = await trigger({ filters: { categoryId: 'music' } });
		const categoryError = await bad.activate().catch((e: Error) => e);
		expect((categoryError as Error).message).toContain('Category ID must be a whole number');
	});
});
