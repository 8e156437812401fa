import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { callbackSignature, startEmulator, type Emulator } from './index';
import { callVod, openApiClient, rejection } from './vod/test-clients';

interface Received {
	path: string;
	headers: http.IncomingHttpHeaders;
	body: Record<string, any>;
}

function listen(server: http.Server) {
	return new Promise<string>((resolve) =>
		server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
	);
}

const VIDEO = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
VIDEO.write('not really a video, but bytes to compare');

describe('VOD URL-pull jobs', () => {
	let emulator: Emulator;
	let source: http.Server;
	let sourceUrl: string;
	let receiver: http.Server;
	let receiverUrl: string;
	const received: Received[] = [];
	let failNextCallbacks = 0;
	let activeDownloads = 0;
	let maxActiveDownloads = 0;
	const client = () => openApiClient(emulator.vodEndpoint, emulator.accessKey);

	beforeAll(async () => {
		emulator = await startEmulator();
		source = http.createServer((req, res) => {
			if (req.url?.startsWith('/slow/')) {
				activeDownloads++;
				maxActiveDownloads = Math.max(maxActiveDownloads, activeDownloads);
				setTimeout(() => {
					activeDownloads--;
					res.end('slow bytes');
				}, 150);
				return;
			}
			if (req.url === '/media/video.mp4' || req.url === '/media/noext' || req.url === '/media/My%20Clip.mp4') {
				res.writeHead(200, { 'content-length': VIDEO.length });
				// Written in pieces so the emulator has to stream it.
				let offset = 0;
				const pump = () => {
					while (offset < VIDEO.length) {
						const piece = VIDEO.subarray(offset, offset + 256 * 1024);
						offset += piece.length;
						if (!res.write(piece)) {
							res.once('drain', pump);
							return;
						}
					}
					res.end();
				};
				pump();
				return;
			}
			res.writeHead(404).end('not found');
		});
		sourceUrl = await listen(source);
		receiver = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				if (failNextCallbacks > 0) {
					failNextCallbacks--;
					res.writeHead(500).end();
					return;
				}
				received.push({ path: req.url!, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
				res.writeHead(200).end('ok');
			});
		});
		receiverUrl = await listen(receiver);
	});

	afterAll(async () => {
		await emulator.stop();
		source.close();
		receiver.close();
	});

	beforeEach(() => {
		emulator.reset();
		received.length = 0;
		emulator.setMessageCallback({ CallbackURL: `${receiverUrl}/vod-events`, retryDelayMs: 20 });
	});

	it('downloads the source, stores it, reports SUCCESS / failure and sends signed callbacks', async () => {
		const ok = `${sourceUrl}/media/video.mp4`;
		const missing = `${sourceUrl}/media/missing.mp4`;
		const noExt = `${sourceUrl}/media/noext`;
		const submitted = await callVod(client(), 'UploadMediaByURL', {
			UploadURLs: [ok, missing, noExt].map(encodeURIComponent).join(','),
			// raw (Node sample) and encoded (Python sample) SourceURL forms, both key spellings
			UploadMetadatas: JSON.stringify([
				{ SourceURL: ok, Title: 'First clip' },
				{ SourceUrl: encodeURIComponent(noExt), Title: 'No extension', FileExtension: 'mp4' },
			]),
			UserData: JSON.stringify({ Extend: { batch: 'b1' } }),
		});
		expect(submitted.UploadJobs.map((j: any) => j.SourceURL)).toEqual([ok, missing, noExt]);
		const jobIds: string[] = submitted.UploadJobs.map((j: any) => j.JobId);

		await emulator.finishJobs();
		const infos = await callVod(client(), 'GetURLUploadInfos', { JobIds: [...jobIds, 'unknownjob'].join(',') });
		expect(infos.NonExists).toEqual(['unknownjob']);
		const byUrl = Object.fromEntries(infos.URLUploadInfoList.map((i: any) => [i.UploadURL, i]));
		expect(byUrl[ok]).toMatchObject({ Status: 'SUCCESS', FileSize: String(VIDEO.length), ErrorCode: '' });
		expect(byUrl[noExt]).toMatchObject({ Status: 'SUCCESS', FileSize: String(VIDEO.length) });
		expect(byUrl[missing]).toMatchObject({ Status: 'DOWNLOAD_FAIL', ErrorCode: 'URLInvalidError' });

		const media = emulator.state.vod.media.get(byUrl[ok].MediaId)!;
		expect(media).toMatchObject({ status: 'Normal', size: VIDEO.length, title: 'First clip' });
		expect(emulator.state.vod.media.get(byUrl[noExt].MediaId)?.title).toBe('No extension');
		const stored = emulator.state.objects.get(`${media.bucket}/${media.objectKey}`)!;
		expect(stored.md5).toBe(createHash('md5').update(VIDEO).digest('hex'));
		expect(readFileSync(stored.path).equals(VIDEO)).toBe(true);

		const events = received.map((r) => `${r.body.EventType}:${r.body.Status}:${r.body.SourceURL ?? r.body.VideoId}`);
		expect(events.sort()).toEqual(
			[
				`FileUploadComplete:success:${byUrl[ok].MediaId}`,
				`FileUploadComplete:success:${byUrl[noExt].MediaId}`,
				`UploadByURLComplete:fail:${missing}`,
				`UploadByURLComplete:success:${noExt}`,
				`UploadByURLComplete:success:${ok}`,
			].sort(),
		);
		const success = received.find((r) => r.body.EventType === 'UploadByURLComplete' && r.body.SourceURL === ok)!;
		expect(success.body).toMatchObject({ VideoId: byUrl[ok].MediaId, JobId: byUrl[ok].JobId, Size: String(VIDEO.length), Extend: '{"batch":"b1"}' });
		const failure = received.find((r) => r.body.Status === 'fail')!;
		expect(failure.body).toMatchObject({ ErrorCode: 'URLInvalidError', JobId: byUrl[missing].JobId });
		for (const r of received) {
			const ts = r.headers['x-vod-timestamp'] as string;
			expect(ts).toMatch(/^\d{10}$/);
			expect(r.headers['x-vod-signature']).toBe(
				callbackSignature(`${receiverUrl}/vod-events`, ts, emulator.callbackAuthKey),
			);
		}
	});

	it('fails a job whose URL has no extension and no FileExtension', async () => {
		await callVod(client(), 'UploadMediaByURL', { UploadURLs: `${sourceUrl}/media/noext` });
		await emulator.finishJobs();
		const [job] = emulator.state.vod.jobs.values();
		expect(job).toMatchObject({ status: 'DOWNLOAD_FAIL', errorCode: 'InvalidFileName.Extension' });
	});

	it('retries a callback up to 3 times and records each attempt', async () => {
		failNextCallbacks = 2;
		emulator.setMessageCallback({ EventTypeList: 'UploadByURLComplete' });
		await callVod(client(), 'UploadMediaByURL', { UploadURLs: `${sourceUrl}/media/missing.mp4` });
		await emulator.finishJobs();
		const attempts = emulator.state.vod.callbacks.map((c) => [c.attempt, c.statusCode, c.ok]);
		expect(attempts).toEqual([
			[1, 500, false],
			[2, 500, false],
			[3, 200, true],
		]);
		expect(received).toHaveLength(1);
	});

	it('honours the per-request callback URL and the quirks flag', async () => {
		emulator.setMessageCallback({ quirks: true });
		await callVod(client(), 'UploadMediaByURL', {
			UploadURLs: `${sourceUrl}/media/video.mp4`,
			UserData: JSON.stringify({ MessageCallback: { CallbackURL: `${receiverUrl}/override` } }),
		});
		await emulator.finishJobs();
		expect(received.map((r) => r.path)).toEqual(['/override', '/override']);
		const urlEvent = received.find((r) => r.body.EventType === 'UploadByURLComplete')!;
		expect(Object.keys(urlEvent.body)).toContain('SourceURL ');
		const fileEvent = received.find((r) => r.body.EventType === 'FileUploadComplete')!;
		expect(fileEvent.body.Size).toBe(String(VIDEO.length));
		expect(urlEvent.headers['x-vod-signature']).toBe(
			callbackSignature(`${receiverUrl}/override`, urlEvent.headers['x-vod-timestamp'] as string, emulator.callbackAuthKey),
		);
	});

	it('keeps jobs PENDING when paused, cancels only PENDING ones, and bounds concurrency', async () => {
		emulator.setJobSettings({ autoRun: false, concurrency: 2 });
		const urls = Array.from({ length: 6 }, (_, i) => `${sourceUrl}/slow/${i}.mp4`);
		const submitted = await callVod(client(), 'UploadMediaByURL', { UploadURLs: urls.join(',') });
		const ids: string[] = submitted.UploadJobs.map((j: any) => j.JobId);
		const pending = await callVod(client(), 'GetURLUploadInfos', { UploadURLs: urls.slice(0, 2).join(',') });
		expect(pending.URLUploadInfoList.map((i: any) => i.Status)).toEqual(['PENDING', 'PENDING']);
		const canceled = await callVod(client(), 'CancelUrlUploadJobs', { JobIds: `${ids[0]},nope` });
		expect(canceled).toMatchObject({ CanceledJobs: [ids[0]], NonExists: ['nope'] });
		maxActiveDownloads = 0;
		await emulator.finishJobs();
		expect(maxActiveDownloads).toBe(2);
		const statuses = ids.map((id) => emulator.state.vod.jobs.get(id)!.status);
		expect(statuses).toEqual(['CANCELED', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
		const again = await callVod(client(), 'CancelUrlUploadJobs', { JobIds: ids[1] });
		expect(again.CanceledJobs).toEqual([]);
	});

	it('validates UploadURLs and metadata limits', async () => {
		const many = Array.from({ length: 21 }, (_, i) => `${sourceUrl}/v${i}.mp4`).join(',');
		expect((await rejection(callVod(client(), 'UploadMediaByURL', { UploadURLs: many }))).code).toBe(
			'InvalidParameter.UploadURLs',
		);
		const longTitle = JSON.stringify([{ SourceURL: `${sourceUrl}/a.mp4`, Title: 'é'.repeat(65) }]);
		expect(
			(await rejection(callVod(client(), 'UploadMediaByURL', { UploadURLs: `${sourceUrl}/a.mp4`, UploadMetadatas: longTitle }))).code,
		).toBe('LengthExceededMax');
		expect((await rejection(callVod(client(), 'UploadMediaByURL', {}))).code).toBe('MissingParameter');
		expect(emulator.state.vod.jobs.size).toBe(0);
	});

	it('answers a lookup by URL with every job of each URL asked, in order, of the caller only', async () => {
		emulator.setJobSettings({ autoRun: false });
		const other = { accessKeyId: 'EMULATOROTHERAKID002', accessKeySecret: 'another-test-secret' };
		emulator.state.addAccount(other);
		const [a, b, unknown] = ['a', 'b', 'unknown'].map((name) => `${sourceUrl}/lookup/${name}.mp4`);
		const submit = async (owner: ReturnType<typeof client>, urls: string[]) =>
			(await callVod(owner, 'UploadMediaByURL', { UploadURLs: urls.map((url) => encodeURIComponent(url)).join(',') }))
				.UploadJobs.map((job: any) => job.JobId as string);
		const [first] = await submit(client(), [a]);
		await submit(openApiClient(emulator.vodEndpoint, other), [a, b]); // another account's jobs stay hidden
		const [second, ofB] = await submit(client(), [a, b]);
		const found = await callVod(client(), 'GetURLUploadInfos', {
			UploadURLs: [a, unknown, b, a].map((url) => encodeURIComponent(url)).join(','),
		});
		expect(found.URLUploadInfoList.map((info: any) => info.JobId)).toEqual([first, second, ofB, first, second]);
		expect(found.NonExists).toEqual([unknown]);
	});

	it('models UploadURLs as VOD documents it: each URL encoded, then joined with commas, decoded once', async () => {
		emulator.setJobSettings({ autoRun: false });
		const comma = `${sourceUrl}/media/x,y.mp4`;
		const encodedComma = `${sourceUrl}/media/x%2Cy.mp4`;
		const sent = [comma, encodedComma].map((url) => encodeURIComponent(url)).join(',');
		const submitted = await callVod(client(), 'UploadMediaByURL', { UploadURLs: sent });
		expect(submitted.UploadJobs.map((job: any) => job.SourceURL)).toEqual([comma, encodedComma]);
		for (const [i, url] of [comma, encodedComma].entries()) {
			const found = await callVod(client(), 'GetURLUploadInfos', { UploadURLs: encodeURIComponent(url) });
			expect(found.URLUploadInfoList.map((info: any) => info.JobId)).toEqual([submitted.UploadJobs[i].JobId]);
		}
		// Not encoded, the comma inside a URL splits it: the docs' reason to encode.
		const raw = await rejection(callVod(client(), 'UploadMediaByURL', { UploadURLs: comma }));
		expect(raw.code).toBe('InvalidParameter.UploadURLs');
	});

	it('a call it refuses creates no job for any of its URLs (malformed %-escape next to a good URL)', async () => {
		emulator.setJobSettings({ autoRun: false });
		const urls = [`${sourceUrl}/media/video.mp4`, `${sourceUrl}/media/a%zzb.mp4`];
		const params = { UploadURLs: urls.map((url) => encodeURIComponent(url)).join(','), SessionId: 'bad-escape-1' };
		for (let attempt = 0; attempt < 3; attempt++) {
			const refused = await rejection(callVod(client(), 'UploadMediaByURL', params));
			expect(refused.code).toBe('InvalidParameter.UploadURLs');
			expect(refused.data.statusCode).toBe(400);
		}
		expect(emulator.state.vod.jobs.size).toBe(0);
		expect(emulator.state.vod.media.size).toBe(0);
		// nothing was recorded under the SessionId either: the good URL alone goes through once
		const alone = await callVod(client(), 'UploadMediaByURL', {
			UploadURLs: encodeURIComponent(urls[0]),
			SessionId: 'bad-escape-1',
		});
		expect(alone.UploadJobs).toHaveLength(1);
		expect(emulator.state.vod.jobs.size).toBe(1);
	});

	it('never creates a second set of jobs for a reused SessionId, even after a dropped answer', async () => {
		emulator.setJobSettings({ autoRun: false });
		emulator.setFaults({ vod: { dropRate: 1, dropMode: 'afterAction', actions: ['UploadMediaByURL'] } });
		const params = { UploadURLs: `${sourceUrl}/media/video.mp4`, SessionId: 'batch-0001' };
		const dropped = await rejection(callVod(client(), 'UploadMediaByURL', params));
		expect(String(dropped.message)).toMatch(/socket hang up|ECONNRESET/);
		expect(emulator.state.vod.jobs.size).toBe(1);
		emulator.setFaults({});
		const retry = await rejection(callVod(client(), 'UploadMediaByURL', params));
		expect(retry.code).toBe('InvalidParameter.SessionId');
		expect(retry.data.statusCode).toBe(400);
		expect(emulator.state.vod.jobs.size).toBe(1);
		expect(emulator.state.vodCalls.UploadMediaByURL).toBe(2);
	});

	it('injects throttling, 5xx and per-action qps faults', async () => {
		emulator.setFaults({ vod: { throttleRate: 1 } });
		const throttled = await rejection(callVod(client(), 'GetURLUploadInfos', { JobIds: 'a' }));
		expect(throttled.code).toBe('Throttling.User');
		expect(throttled.data.Message).toBe('Request was denied due to user flow control.');
		emulator.setFaults({ vod: { error503Rate: 1 } });
		expect((await rejection(callVod(client(), 'GetURLUploadInfos', { JobIds: 'a' }))).data.statusCode).toBe(503);
		emulator.setFaults({ vod: { error500Rate: 1, actions: ['CreateUploadVideo'] } });
		await callVod(client(), 'GetURLUploadInfos', { JobIds: 'a' });
		emulator.setFaults({ vod: { qps: { GetURLUploadInfos: 2 } } });
		const results = await Promise.allSettled(
			Array.from({ length: 4 }, () => callVod(client(), 'GetURLUploadInfos', { JobIds: 'a' })),
		);
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
		expect(emulator.state.vodCalls.GetURLUploadInfos).toBe(7);
	});
});
