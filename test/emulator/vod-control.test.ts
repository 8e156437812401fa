import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { startEmulator, type Emulator } from './index';
import { callVod, openApiClient, rejection } from './vod/test-clients';

/** The same controls as the in-process API, over HTTP for other processes (a real n8n, the demo). */
describe('VOD emulator control API', () => {
	let emulator: Emulator;
	let source: http.Server;
	let sourceUrl: string;
	const client = () => openApiClient(emulator.vodEndpoint, emulator.accessKey);
	const control = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
		const response = await fetch(`${emulator.controlUrl}/${path}`, {
			method,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, json: (await response.json()) as any };
	};

	beforeAll(async () => {
		emulator = await startEmulator();
		source = http.createServer((_req, res) => res.end('bytes'));
		await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
		sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await emulator.stop();
		source.close();
	});

	it('pauses jobs, finishes them on request, reports state, injects faults and resets', async () => {
		expect((await control('POST', 'jobs', { autoRun: false })).json.jobSettings.autoRun).toBe(false);
		const submitted = await callVod(client(), 'UploadMediaByURL', { UploadURLs: `${sourceUrl}/a.mp4,${sourceUrl}/b.mp3` });
		let state = (await control('GET', 'state')).json;
		expect(state.jobs.map((j: any) => j.status)).toEqual(['PENDING', 'PENDING']);
		expect(state.calls).toEqual({ UploadMediaByURL: 1 });
		const usage = (await control('GET', 'usage')).json;
		expect(usage.calls).toEqual({ UploadMediaByURL: 1 });
		expect(usage.cpuUsage.user + usage.cpuUsage.system).toBeGreaterThan(0);

		const finished = (await control('POST', 'finish-jobs')).json;
		expect(finished.jobs.map((j: any) => [j.jobId, j.status])).toEqual(
			submitted.UploadJobs.map((j: any) => [j.JobId, 'SUCCESS']),
		);
		state = (await control('GET', 'state')).json;
		expect(state.media.map((m: any) => [m.mediaType, m.status, m.size])).toEqual([
			['video', 'Normal', 5],
			['audio', 'Normal', 5],
		]);
		expect(state.objects).toHaveLength(2);

		await control('POST', 'faults', { vod: { error500Rate: 1 } });
		expect((await rejection(callVod(client(), 'GetURLUploadInfos', { JobIds: 'x' }))).code).toBe('InternalError');
		await control('POST', 'message-callback', { CallbackURL: 'http://127.0.0.1:9/cb', quirks: true });
		expect(emulator.state.vod.callbackSettings.quirks).toBe(true);

		expect((await control('POST', 'seed-media', { count: 25, statuses: ['Checking'] })).json.created).toBe(25);
		expect(emulator.state.vod.media.size).toBe(27);

		await control('POST', 'reset');
		state = (await control('GET', 'state')).json;
		expect([state.jobs.length, state.media.length, state.objects.length, state.faults]).toEqual([0, 0, 0, {}]);
		expect(state.messageCallback.CallbackURL).toBe('');
		expect((await control('POST', 'nope')).status).toBe(404);
	});

	it('fails the Nth call of an action: 503 or a dropped connection before acting, or acts and drops the answer (faults.vod.at)', async () => {
		emulator.reset();
		emulator.setJobSettings({ autoRun: false });
		emulator.setFaults({
			vod: {
				at: [
					{ action: 'UploadMediaByURL', call: 1, kind: 'unavailable' },
					{ action: 'UploadMediaByURL', call: 2, kind: 'dropBefore' },
					{ action: 'UploadMediaByURL', call: 3, kind: 'dropAfter' },
				],
			},
		});
		const submit = () => callVod(client(), 'UploadMediaByURL', { UploadURLs: `${sourceUrl}/a.mp4` });
		expect((await rejection(submit())).code).toBe('ServiceUnAvailable'); // VOD's spelling
		expect(emulator.state.vod.jobs.size).toBe(0);
		await rejection(submit());
		expect(emulator.state.vod.jobs.size).toBe(0);
		await rejection(submit());
		expect(emulator.state.vod.jobs.size).toBe(1); // it acted; the answer was lost
		await submit();
		expect(emulator.state.vod.jobs.size).toBe(2);
		emulator.reset();
	});
});
