import OSS from 'ali-oss';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { startEmulator, type Emulator } from './index';
import { callVod, isoSeconds, openApiClient, rejection } from './vod/test-clients';

function decode(base64: string) {
	return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
}

function ossFor(address: any, auth?: any, main?: { accessKeyId: string; accessKeySecret: string }) {
	return new OSS({
		accessKeyId: auth?.AccessKeyId ?? main!.accessKeyId,
		accessKeySecret: auth?.AccessKeySecret ?? main!.accessKeySecret,
		stsToken: auth?.SecurityToken,
		endpoint: address.Endpoint,
		bucket: address.Bucket,
		region: 'oss-cn-shanghai',
	});
}

async function download(url: string) {
	const response = await fetch(url);
	return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('VOD media operations', () => {
	let emulator: Emulator;
	let receiver: http.Server;
	let receiverUrl: string;
	const events: any[] = [];
	const client = () => openApiClient(emulator.vodEndpoint, emulator.accessKey);
	const other = { accessKeyId: 'OTHERACCOUNT0002', accessKeySecret: 'other-test-secret' };

	beforeAll(async () => {
		// ali-oss warns about STS keys without refreshSTSToken; the refresh path is H6's to test.
		jest.spyOn(console, 'warn').mockImplementation(() => undefined);
		emulator = await startEmulator({
			accessKeys: [{ accessKeyId: 'MEDIATESTAK0001', accessKeySecret: 'media-test-secret' }, other],
		});
		receiver = http.createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				events.push(JSON.parse(Buffer.concat(chunks).toString()));
				res.end();
			});
		});
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
		receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
	});
	afterAll(async () => {
		await emulator.stop();
		receiver.close();
	});
	beforeEach(() => {
		emulator.reset();
		events.length = 0;
	});

	it('uploads through OSS with the UploadAuth STS key, then reports the media everywhere', async () => {
		expect(emulator.ossAvailable).toBe(true);
		await callVod(client(), 'SetMessageCallback', { CallbackURL: receiverUrl, AuthSwitch: 'off' });
		expect((await callVod(client(), 'GetMessageCallback')).MessageCallback).toMatchObject({
			CallbackURL: receiverUrl,
			AuthSwitch: 'off',
			CallbackType: 'HTTP',
		});
		const created = await callVod(client(), 'CreateUploadVideo', {
			FileName: 'holiday.mp4',
			Title: 'Holiday',
			ReferenceId: 'ref-holiday-1',
			UserData: JSON.stringify({ Extend: '{"k":"v"}' }),
		});
		const address = decode(created.UploadAddress);
		const auth = decode(created.UploadAuth);
		expect(address).toMatchObject({ Endpoint: emulator.ossEndpoint, Bucket: expect.stringMatching(/^outin-[0-9a-f]{32}$/) });
		expect(address.FileName).toMatch(/^sv\/[0-9a-f-]+\/[0-9a-f-]+\.mp4$/);
		expect(auth).toMatchObject({ AccessKeyId: expect.stringMatching(/^STS\./), Expiration: '3000', Region: 'cn-shanghai' });
		expect(Date.parse(auth.ExpireUTCTime) - Date.now()).toBeGreaterThan(2990 * 1000);

		const bytes = Buffer.alloc(256 * 1024, 3);
		await ossFor(address, auth).put(address.FileName, bytes);
		await emulator.idle();

		const info = await callVod(client(), 'GetVideoInfo', { ReferenceId: 'ref-holiday-1' });
		expect(info.Video).toMatchObject({ VideoId: created.VideoId, Status: 'Normal', Size: bytes.length, Title: 'Holiday' });
		expect(info.Video.Snapshots).toEqual({ Snapshot: [] });
		expect(events).toEqual([
			expect.objectContaining({ EventType: 'FileUploadComplete', VideoId: created.VideoId, Size: bytes.length, Extend: '{"k":"v"}' }),
		]);

		const mezzanine = (await callVod(client(), 'GetMezzanineInfo', { VideoId: created.VideoId, AuthTimeout: '600' })).Mezzanine;
		expect(mezzanine).toMatchObject({ Status: 'Normal', Size: bytes.length, FileName: 'holiday.mp4' });
		const fetched = await download(mezzanine.FileURL);
		expect(fetched.status).toBe(200);
		expect(createHash('md5').update(fetched.bytes).digest('hex')).toBe(createHash('md5').update(bytes).digest('hex'));

		const play = await callVod(client(), 'GetPlayInfo', { VideoId: created.VideoId });
		expect(play.PlayInfoList.PlayInfo).toHaveLength(1);
		expect((await download(play.PlayInfoList.PlayInfo[0].PlayURL)).bytes.length).toBe(bytes.length);

		const refreshed = await callVod(client(), 'RefreshUploadVideo', { VideoId: created.VideoId });
		expect(decode(refreshed.UploadAddress)).toEqual(address);
		expect(decode(refreshed.UploadAuth).AccessKeyId).not.toBe(auth.AccessKeyId);

		const duplicate = await rejection(
			callVod(client(), 'CreateUploadVideo', { FileName: 'x.mp4', Title: 'x', ReferenceId: 'ref-holiday-1' }),
		);
		expect(duplicate.code).toBe('InvalidParameter.ReferenceId');
	});

	it('rejects bad uploads and unknown videos with the documented codes', async () => {
		expect((await rejection(callVod(client(), 'CreateUploadVideo', { FileName: 'a.txt', Title: 't' }))).code).toBe(
			'InvalidFileName.Extension',
		);
		expect((await rejection(callVod(client(), 'CreateUploadVideo', { FileName: 'a.mp4' }))).code).toBe('MissingParameter');
		const tags = Array.from({ length: 17 }, (_, i) => `t${i}`).join(',');
		expect((await rejection(callVod(client(), 'CreateUploadVideo', { FileName: 'a.mp4', Title: 't', Tags: tags }))).code).toBe(
			'TagsExceededMax',
		);
		const missing = await rejection(callVod(client(), 'GetVideoInfo', { VideoId: 'f'.repeat(32) }));
		expect([missing.code, missing.data.statusCode]).toEqual(['InvalidVideo.NotFound', 404]);
		const pending = await callVod(client(), 'CreateUploadVideo', { FileName: 'a.mp4', Title: 't' });
		expect((await rejection(callVod(client(), 'GetPlayInfo', { VideoId: pending.VideoId }))).code).toBe(
			'InvalidVideo.NoneStream',
		);
	});

	it('creates image and attached-media uploads that complete through OSS', async () => {
		await callVod(client(), 'SetMessageCallback', { CallbackURL: receiverUrl });
		const image = await callVod(client(), 'CreateUploadImage', { ImageType: 'cover', ImageExt: 'jpg' });
		const address = decode(image.UploadAddress);
		expect(address.FileName).toMatch(/^image\/cover\/[0-9A-F]{32}\.jpg$/);
		await ossFor(address, decode(image.UploadAuth)).put(address.FileName, Buffer.from('jpeg bytes'));
		const attached = await callVod(client(), 'CreateUploadAttachedMedia', { BusinessType: 'subtitle', MediaExt: 'vtt' });
		const attachedAddress = decode(attached.UploadAddress);
		await ossFor(attachedAddress, decode(attached.UploadAuth)).put(attachedAddress.FileName, Buffer.from('WEBVTT'));
		await emulator.idle();
		expect(events.map((e) => [e.EventType, e.ImageId ?? e.MediaId, e.Size]).sort()).toEqual(
			[
				['AttachedMediaUploadComplete', attached.MediaId, 6],
				['ImageUploadComplete', image.ImageId, 10],
			].sort(),
		);
		expect((await rejection(callVod(client(), 'CreateUploadAttachedMedia', { BusinessType: 'subtitle', MediaExt: 'mp4' }))).code).toBe(
			'InvalidParameter.MediaExt',
		);
	});

	it('registers OSS objects once and deletes videos', async () => {
		const bucket = emulator.state.vod.bucket;
		const key = 'migrated/old-library/clip.mp4';
		await ossFor({ Endpoint: emulator.ossEndpoint, Bucket: bucket }, undefined, emulator.accessKey).put(key, Buffer.from('clip'));
		const fileUrl = `https://${bucket}.oss-cn-shanghai.aliyuncs.com/${key}`;
		const missingUrl = `https://${bucket}.oss-cn-shanghai.aliyuncs.com/missing.mp4`;
		const first = await callVod(client(), 'RegisterMedia', {
			RegisterMetadatas: JSON.stringify([{ FileURL: fileUrl, Title: 'Clip' }, { FileURL: missingUrl, Title: 'Gone' }]),
		});
		expect(first.FailedFileURLs).toEqual([missingUrl]);
		expect(first.RegisteredMediaList).toEqual([{ FileURL: fileUrl, MediaId: expect.stringMatching(/^[0-9a-f]{32}$/), NewRegister: true }]);
		const again = await callVod(client(), 'RegisterMedia', { RegisterMetadatas: JSON.stringify([{ FileURL: fileUrl, Title: 'Clip' }]) });
		expect(again.RegisteredMediaList[0]).toMatchObject({ MediaId: first.RegisteredMediaList[0].MediaId, NewRegister: false });
		const eleven = JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ FileURL: `${fileUrl}${i}`, Title: 't' })));
		expect((await rejection(callVod(client(), 'RegisterMedia', { RegisterMetadatas: eleven }))).code).toBe(
			'InvalidParameter.RegisterMetadatas',
		);

		const mediaId = first.RegisteredMediaList[0].MediaId;
		const othersVideo = await callVod(openApiClient(emulator.vodEndpoint, other), 'CreateUploadVideo', { FileName: 'o.mp4', Title: 'o' });
		const deleted = await callVod(client(), 'DeleteVideo', { VideoIds: [mediaId, 'nope', othersVideo.VideoId].join(',') });
		expect(deleted).toMatchObject({ NonExistVideoIds: ['nope'], ForbiddenVideoIds: [othersVideo.VideoId] });
		expect(emulator.state.vod.media.has(mediaId)).toBe(false);
		const tooMany = Array.from({ length: 21 }, (_, i) => `id${i}`).join(',');
		expect((await rejection(callVod(client(), 'DeleteVideo', { VideoIds: tooMany }))).code).toBe('InvalidParameter.VideoIds');
	});

	describe('SearchMedia over 6,000 media', () => {
		const start = Date.parse('2024-01-01T00:00:00Z');
		beforeEach(() => {
			emulator.seedMedia({
				count: 6000,
				statuses: ['Normal', 'Normal', 'Checking', 'UploadFail'],
				startTime: isoSeconds(start),
				intervalMs: 60_000,
			});
			emulator.seedMedia({ count: 3, titlePrefix: "Don't stop", startTime: '2023-06-01T00:00:00Z', statuses: ['Blocked'] });
		});

		it('filters by status, time range and fuzzy title, and sorts', async () => {
			const normal = await callVod(client(), 'SearchMedia', { Match: "Status in ('Normal','Checking')", PageSize: '5' });
			expect(normal.Total).toBe(4500);
			expect(normal.MediaList).toHaveLength(5);
			const times = normal.MediaList.map((m: any) => Date.parse(m.CreationTime));
			expect([...times].sort((a, b) => b - a)).toEqual(times);

			const hour = await callVod(client(), 'SearchMedia', {
				Match: `CreationTime = ('${isoSeconds(start)}','${isoSeconds(start + 60 * 60_000)}') and Status = 'Normal'`,
				SortBy: 'CreationTime:Asc',
				PageSize: '100',
			});
			// minutes 1..59 exclusive of both ends, statuses Normal at i % 4 in {0, 1}
			expect(hour.Total).toBe(Array.from({ length: 59 }, (_, i) => i + 1).filter((i) => i % 4 < 2).length);
			expect(Date.parse(hour.MediaList[0].CreationTime)).toBe(start + 60_000);

			const closed = await callVod(client(), 'SearchMedia', { Match: `CreationTime = ['${isoSeconds(start)}',]` });
			expect(closed.Total).toBe(6000);
			const quote = await callVod(client(), 'SearchMedia', { Match: "Title = 'don\\'t' and Status in ('Blocked')" });
			expect(quote.Total).toBe(3);
			expect((await rejection(callVod(client(), 'SearchMedia', { Match: "Nope = 'x'" }))).code).toBe('InvalidParameter.Match');
		});

		it('caps PageNo paging at 5,000 and walks everything with ScrollToken', async () => {
			const beyond = await rejection(callVod(client(), 'SearchMedia', { PageNo: '51', PageSize: '100' }));
			expect(beyond.code).toBe('InvalidParameter.PageNo');
			expect((await rejection(callVod(client(), 'SearchMedia', { PageSize: '101' }))).code).toBe('InvalidParameter.PageSize');

			const seen = new Set<string>();
			let token: string | undefined;
			let total = 0;
			for (let page = 1; page <= 70; page++) {
				const query: Record<string, string> = { PageNo: String(page), PageSize: '100', SortBy: 'CreationTime:Asc' };
				if (token) query.ScrollToken = token;
				const body = await callVod(client(), 'SearchMedia', query);
				total = body.Total;
				for (const m of body.MediaList) seen.add(m.MediaId);
				token = body.ScrollToken;
				if (body.MediaList.length < 100) break;
			}
			expect(total).toBe(6003);
			expect(seen.size).toBe(6003);
			expect(emulator.state.vodCalls.SearchMedia).toBe(2 + 61);
		});
	});
});
