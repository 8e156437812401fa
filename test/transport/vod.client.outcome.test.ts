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
