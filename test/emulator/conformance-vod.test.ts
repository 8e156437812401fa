import RPCClient from '@alicloud/pop-core';
import http from 'node:http';

import { startEmulator, type Emulator } from './index';
import { callVod, isoSeconds, openApiClient, rejection } from './vod/test-clients';

/**
 * The real Alibaba clients are the judges: the emulator must accept what they sign and reject
 * anything tampered with, with the gateway's codes.
 */
describe('VOD emulator signature conformance', () => {
	let emulator: Emulator;
	const stale = () => isoSeconds(Date.now() - 20 * 60 * 1000);
	const tricky = "Tom's (best)! *cut* 测试 a+b=c&d ~x";

	beforeAll(async () => {
		emulator = await startEmulator();
	});
	afterAll(async () => {
		await emulator.stop();
	});

	describe.each([
		['ACS3-HMAC-SHA256 (openapi-client default)', undefined],
		['RPC HMAC-SHA1 (openapi-client v2)', 'v2'],
	])('%s', (_name, signatureAlgorithm) => {
		const client = (over: Record<string, string> = {}) =>
			openApiClient(emulator.vodEndpoint, { ...emulator.accessKey, signatureAlgorithm, ...over });

		it('accepts a signed call, including values with characters querystring leaves raw', async () => {
			const body = await callVod(client(), 'CreateUploadVideo', { FileName: 'a.mp4', Title: tricky });
			expect(body.VideoId).toMatch(/^[0-9a-f]{32}$/);
			expect(emulator.state.vod.media.get(body.VideoId)?.title).toBe(tricky);
		});

		it('accepts parameters sent as a signed form body', async () => {
			const body = await callVod(client(), 'CreateUploadVideo', {}, {}, { FileName: 'f.mp4', Title: tricky });
			expect(emulator.state.vod.media.get(body.VideoId)?.title).toBe(tricky);
		});

		it('rejects a wrong secret with SignatureDoesNotMatch', async () => {
			const error = await rejection(
				callVod(client({ accessKeySecret: 'wrong-secret' }), 'GetURLUploadInfos', { JobIds: 'x' }),
			);
			expect(error.code).toBe('SignatureDoesNotMatch');
			expect(error.data.statusCode).toBe(400);
			expect(error.data.Recommend).toContain('SignatureDoesNotMatch');
		});

		it('rejects an unknown AccessKey with InvalidAccessKeyId.NotFound (404)', async () => {
			const error = await rejection(
				callVod(client({ accessKeyId: 'NOSUCHKEY000' }), 'GetURLUploadInfos', { JobIds: 'x' }),
			);
			expect(error.code).toBe('InvalidAccessKeyId.NotFound');
			expect(error.data.statusCode).toBe(404);
		});

		it('rejects a stale (but correctly signed) timestamp with InvalidTimeStamp.Expired', async () => {
			// The client lets request headers/query override its own date and signs what it sends.
			const forged =
				signatureAlgorithm === 'v2'
					? callVod(client(), 'GetURLUploadInfos', { JobIds: 'x', Timestamp: stale() })
					: callVod(client(), 'GetURLUploadInfos', { JobIds: 'x' }, { 'x-acs-date': stale() });
			const error = await rejection(forged);
			expect(error.code).toBe('InvalidTimeStamp.Expired');
		});

		it('rejects a reused nonce with SignatureNonceUsed', async () => {
			const nonce = `nonce-${signatureAlgorithm ?? 'acs3'}-${Date.now()}`;
			const send = () =>
				signatureAlgorithm === 'v2'
					? callVod(client(), 'GetURLUploadInfos', { JobIds: 'x', SignatureNonce: nonce })
					: callVod(client(), 'GetURLUploadInfos', { JobIds: 'x' }, { 'x-acs-signature-nonce': nonce });
			const first = await send();
			expect(first.NonExists).toEqual(['x']);
			const error = await rejection(send());
			expect(error.code).toBe('SignatureNonceUsed');
		});

		it('answers an unknown action with InvalidAction.NotFound', async () => {
			const error = await rejection(callVod(client(), 'NoSuchAction'));
			expect(error.code).toBe('InvalidAction.NotFound');
		});

		it('lets an STS key issued by CreateUploadVideo call VOD, and refuses it once expired', async () => {
			const created = await callVod(client(), 'CreateUploadVideo', { FileName: 'b.mov', Title: 'sts' });
			const auth = JSON.parse(Buffer.from(created.UploadAuth, 'base64').toString());
			const sts = openApiClient(emulator.vodEndpoint, {
				accessKeyId: auth.AccessKeyId,
				accessKeySecret: auth.AccessKeySecret,
				securityToken: auth.SecurityToken,
				signatureAlgorithm,
			});
			const ok = await callVod(sts, 'GetURLUploadInfos', { JobIds: 'y' });
			expect(ok.NonExists).toEqual(['y']);

			emulator.setFaults({ stsTtlSeconds: -1 });
			const refreshed = await callVod(client(), 'RefreshUploadVideo', { VideoId: created.VideoId });
			emulator.setFaults({});
			const expiredAuth = JSON.parse(Buffer.from(refreshed.UploadAuth, 'base64').toString());
			const expired = openApiClient(emulator.vodEndpoint, {
				accessKeyId: expiredAuth.AccessKeyId,
				accessKeySecret: expiredAuth.AccessKeySecret,
				securityToken: expiredAuth.SecurityToken,
				signatureAlgorithm,
			});
			const error = await rejection(callVod(expired, 'GetURLUploadInfos', { JobIds: 'y' }));
			expect(error.code).toBe('InvalidSecurityToken.Expired');
		});
	});

	describe('@alicloud/pop-core RPCClient (HMAC-SHA1, form body)', () => {
		const client = (secret = emulator.accessKey.accessKeySecret, id = emulator.accessKey.accessKeyId) =>
			new RPCClient({
				accessKeyId: id,
				accessKeySecret: secret,
				endpoint: `http://${emulator.vodEndpoint}`,
				apiVersion: '2017-03-21',
			});
		const request = (c: RPCClient, action: string, params: Record<string, string>) =>
			c.request(action, params, { method: 'POST' }) as Promise<Record<string, any>>;

		it('accepts a signed POST (form body) and a signed GET (query)', async () => {
			const body = await request(client(), 'CreateUploadVideo', { FileName: 'c.mp4', Title: tricky });
			expect(body.VideoId).toMatch(/^[0-9a-f]{32}$/);
			const viaGet = (await client().request('GetVideoInfo', { VideoId: body.VideoId })) as Record<string, any>;
			expect(viaGet.Video.Title).toBe(tricky);
		});

		it('rejects a wrong secret, an unknown key, a stale timestamp and a reused nonce', async () => {
			expect((await rejection(request(client('bad'), 'GetURLUploadInfos', { JobIds: 'x' }))).code).toBe(
				'SignatureDoesNotMatch',
			);
			expect(
				(await rejection(request(client(undefined, 'NOSUCHKEY'), 'GetURLUploadInfos', { JobIds: 'x' }))).code,
			).toBe('InvalidAccessKeyId.NotFound');
			expect(
				(await rejection(request(client(), 'GetURLUploadInfos', { JobIds: 'x', Timestamp: stale() }))).code,
			).toBe('InvalidTimeStamp.Expired');
			const nonce = `pop-${Date.now()}`;
			await request(client(), 'GetURLUploadInfos', { JobIds: 'x', SignatureNonce: nonce });
			expect(
				(await rejection(request(client(), 'GetURLUploadInfos', { JobIds: 'x', SignatureNonce: nonce }))).code,
			).toBe('SignatureNonceUsed');
		});
	});

	describe('hand-made requests', () => {
		const post = (path: string, headers: Record<string, string>, body = '') =>
			new Promise<{ status: number; json: any }>((resolve, reject) => {
				const [host, port] = emulator.vodEndpoint.split(':');
				const req = http.request({ host, port: Number(port), path, method: 'POST', headers }, (res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c) => chunks.push(c));
					res.on('end', () =>
						resolve({ status: res.statusCode!, json: JSON.parse(Buffer.concat(chunks).toString()) }),
					);
				});
				req.on('error', reject);
				req.end(body);
			});

		it('answers an unsigned call with IncompleteSignature in the documented error shape', async () => {
			const { status, json } = await post('/?Action=GetURLUploadInfos&JobIds=x', {});
			expect(status).toBe(400);
			expect(Object.keys(json).sort()).toEqual(['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
			expect(json.Code).toBe('IncompleteSignature');
		});

		it('rejects an ACS3 request whose query was changed after signing', async () => {
			const OpenApiUtil = (await import('@alicloud/openapi-util')).default;
			const headers: Record<string, string> = {
				host: emulator.vodEndpoint,
				'x-acs-action': 'GetURLUploadInfos',
				'x-acs-version': '2017-03-21',
				'x-acs-date': isoSeconds(Date.now()),
				'x-acs-signature-nonce': `hand-${Date.now()}`,
				'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
			};
			const signed = { pathname: '/', method: 'POST', query: { JobIds: 'a' }, headers } as any;
			headers.Authorization = OpenApiUtil.getAuthorization(
				signed,
				'ACS3-HMAC-SHA256',
				headers['x-acs-content-sha256'],
				emulator.accessKey.accessKeyId,
				emulator.accessKey.accessKeySecret,
			);
			const tampered = await post('/?JobIds=b', headers);
			expect(tampered.json.Code).toBe('SignatureDoesNotMatch');
			const genuine = await post('/?JobIds=a', headers);
			expect(genuine.status).toBe(200);
			expect(genuine.json.NonExists).toEqual(['a']);
		});
	});
});
