/**
 * A call's outcome stays unknown once any try may have run: a lost answer followed by tries VOD throttled
 * must not read as "VOD did not run it" (the jobs of that first try may exist). Against the emulator.
 */
import type { Logger } from 'n8n-workflow';

import { startEmulator, type Emulator } from '../emulator';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { VodApiError } from '../../nodes/AlibabaCloudVod/transport/vod/errors';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator();
});
afterAll(async () => {
	await emulator?.stop();
});

it('a lost answer, then throttled until the tries run out: outcomeUnknown, and the first try made the jobs', async () => {
	const url = `http://127.0.0.1:9/files/outcome-${Date.now()}.mp4`;
	emulator.setFaults({
		vod: { dropRate: 1, dropMode: 'afterAction', actions: ['UploadMediaByURL'] },
	});
	// The client logs before each retry: from the second try on, VOD throttles.
	const throttleFromNowOn = () =>
		emulator.setFaults({ vod: { throttleRate: 1, actions: ['UploadMediaByURL'] } });
	const logger = {
		debug: throttleFromNowOn,
		info() {},
		warn() {},
		error() {},
	} as unknown as Logger;
	const error = await callVodApi(
		httpRequest,
		{
			...emulator.accessKey,
			region: 'cn-shanghai',
			endpoint: emulator.vodEndpoint,
			protocol: 'HTTP',
		},
		'UploadMediaByURL',
		{ UploadURLs: encodeURIComponent(url), SessionId: 'outcome-after-throttle' },
		{ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 }, logger },
	).then(
		() => undefined,
		(e: unknown) => e,
	);
	emulator.setFaults({});
	expect(error).toBeInstanceOf(VodApiError);
	expect((error as VodApiError).details).toMatchObject({
		code: 'Throttling.User',
		attempts: 4,
		outcomeUnknown: true,
	});
	expect([...emulator.state.vod.jobs.values()].filter((job) => job.uploadUrl === url)).toHaveLength(
		1,
	);
});

it('a lost answer is transient only where asking again cannot duplicate: a read is, a create without a dedup key is not', async () => {
	const credentials = { ...emulator.accessKey, region: 'cn-shanghai', endpoint: emulator.vodEndpoint, protocol: 'HTTP' as const };
	const lostEveryAnswer = (action: string) => emulator.setFaults({ vod: { dropRate: 1, dropMode: 'afterAction', actions: [action] } });
	const failureOf = async (call: Promise<unknown>) =>
		((await call.then(
			() => undefined,
			(e: unknown) => e,
		)) as VodApiError).details;
	const retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

	lostEveryAnswer('CreateUploadImage');
	const image = await failureOf(callVodApi(httpRequest, credentials, 'CreateUploadImage', { ImageType: 'default', ImageExt: 'png' }, { retry }));
	expect(image).toMatchObject({ attempts: 1, outcomeUnknown: true, transient: false });
	expect(image.hint).toMatch(/Media → Search/);
	expect(image.hint).not.toMatch(/Job Status/);

	lostEveryAnswer('CreateUploadVideo');
	const unkeyed = await failureOf(callVodApi(httpRequest, credentials, 'CreateUploadVideo', { FileName: 'a.mp4', Title: 'a' }, { retry }));
	expect(unkeyed).toMatchObject({ attempts: 1, outcomeUnknown: true, transient: false });

	// the client cannot tell a drop before the action from one after it
	emulator.setFaults({ vod: { dropRate: 1, dropMode: 'beforeAction', actions: ['GetVideoInfo'] } });
	const read = await failureOf(callVodApi(httpRequest, credentials, 'GetVideoInfo', { VideoId: 'x' }, { retry }));
	expect(read).toMatchObject({ attempts: 2, outcomeUnknown: true, transient: true });
	emulator.setFaults({});
});
