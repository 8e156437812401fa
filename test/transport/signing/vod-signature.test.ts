/**
 * The package's VOD signer (ACS3-HMAC-SHA256 on node:crypto) against its oracles:
 * - `@alicloud/openapi-client` 0.4.15, called exactly as today's transport calls it, for every VOD
 *   action the nodes use, with an AccessKey and with an STS token: the request it really sends (to a
 *   loopback recorder) and the package's request for the same action, parameters, time and nonce
 *   carry the same Authorization, signed headers and decoded query — also once both are sent;
 * - a property over generated parameters (Unicode, reserved characters, empty and long values);
 * - Alibaba's documented V3 example;
 * - the emulator, which verifies the package's requests sent through n8n's request helper and
 *   rejects tampered ones.
 */
import OpenApiUtil from '@alicloud/openapi-util';
import fc from 'fast-check';

import {
	acs3Authorization,
	acs3CanonicalRequest,
	buildVodRequest,
	EMPTY_PAYLOAD_SHA256,
	sha256Hex,
	type AcsCredentials,
} from '../../../nodes/AlibabaCloudVod/transport/vod/signature';
import type { VodAction, VodOperations } from '../../../nodes/AlibabaCloudVod/transport/vod/types';
import { startEmulator, type Emulator } from '../../emulator';
import { callVod, openApiClient } from '../../emulator/vod/test-clients';
import { propertyParams } from '../../support/property';
import {
	parseTarget,
	sendWithN8n,
	sortedPairs,
	startRecorder,
	type RecordedRequest,
	type Recorder,
} from './recorder';

const VERSION = '2017-03-21';
const AK: AcsCredentials = { accessKeyId: 'LTAI5tExampleAccessKey', accessKeySecret: 'ExampleSecret/with+chars=' };
const STS: AcsCredentials = {
	accessKeyId: 'STS.NUexampleStsAccessKey',
	accessKeySecret: 'StsSecret0123456789abcdefghij',
	securityToken: 'CAIS+example/token==',
};

/** One realistic request per action the nodes send; the type makes a new action fail the build here. */
const EXAMPLES: { [A in VodAction]: VodOperations[A][0] } = {
	UploadMediaByURL: {
		UploadURLs: [
			'https://media.example.com/a b/clip (1).mp4?sig=x&y=1',
			'https://例子.example/视频.mov',
		]
			.map((url) => encodeURIComponent(url))
			.join(','),
		UploadMetadatas: JSON.stringify([{ SourceURL: 'https://media.example.com/a b/clip (1).mp4', Title: "It's *new* & 新" }]),
		UserData: JSON.stringify({ MessageCallback: { CallbackURL: 'https://n8n.example.com/webhook/x?a=1&b=2' } }),
		StorageLocation: 'outin-0123456789abcdef.oss-cn-shanghai.aliyuncs.com',
		SessionId: 'exec-42_batch-7',
	},
	GetURLUploadInfos: { JobIds: 'a1b2c3,d4e5f6', UploadURLs: encodeURIComponent('https://x.example/v.mp4') },
	CancelUrlUploadJobs: { JobIds: 'a1b2c3' },
	CreateUploadVideo: {
		FileName: 'movie (final)!.mp4',
		Title: 'Ünïcödé ~ title * with (parens)',
		FileSize: 50 * 1024 ** 3,
		Description: 'line one\nline two',
		CateId: 1000,
		Tags: 'tag one,标签',
		ReferenceId: 'ref-0001',
	},
	RefreshUploadVideo: { VideoId: '93ab850b4f6f44eab54b6e91d24d81d4' },
	CreateUploadImage: { ImageType: 'cover', ImageExt: 'png', Title: 'cover & poster', OriginalFileName: 'a+b.png' },
	CreateUploadAttachedMedia: { BusinessType: 'watermark', MediaExt: 'gif', Title: 'logo', FileSize: '1024' },
	GetVideoInfo: { VideoId: '93ab850b4f6f44eab54b6e91d24d81d4' },
	GetMezzanineInfo: { VideoId: '93ab850b4f6f44eab54b6e91d24d81d4', AuthTimeout: 3600, OutputType: 'cdn' },
	GetPlayInfo: {
		VideoId: '93ab850b4f6f44eab54b6e91d24d81d4',
		Formats: 'mp4,m3u8',
		Definition: 'FD,LD',
		ResultType: 'Multiple',
		AuthTimeout: 1800,
	},
	SearchMedia: {
		SearchType: 'video',
		Match: "Title = 'a b' and CreationTime = ('2026-01-01T00:00:00Z',) and Status in ('Normal','Uploading')",
		Fields: 'Title,CoverURL,Duration',
		SortBy: 'CreationTime:Desc',
		PageNo: 1,
		PageSize: 100,
	},
	RegisterMedia: {
		RegisterMetadatas: JSON.stringify([{ FileURL: 'https://b.oss-cn-shanghai.aliyuncs.com/in/v 1.mp4', Title: 't' }]),
	},
	DeleteVideo: { VideoIds: 'a,b,c' },
	SetMessageCallback: {
		CallbackType: 'HTTP',
		CallbackURL: 'https://n8n.example.com/webhook/abc/vod?x=1&y=%20',
		EventTypeList: 'FileUploadComplete,StreamTranscodeComplete',
		AuthSwitch: 'on',
		AuthKey: 'callback-key-123',
	},
	GetMessageCallback: {},
};

/** What today's transport (transport/vod/client.ts) hands the SDK: unset and empty values left out. */
function sdkQuery(params: object): Record<string, string> {
	return OpenApiUtil.query(
		Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')),
	);
}

let recorder: Recorder;

beforeAll(async () => {
	recorder = await startRecorder(() => ({
		headers: { 'content-type': 'application/json' },
		body: '{"RequestId":"00000000-0000-0000-0000-000000000000"}',
	}));
});

afterAll(async () => {
	await recorder.stop();
});

/** Sends one call through the official client and returns the request it sent. */
async function sentBySdk(
	action: string,
	query: Record<string, string>,
	credentials: AcsCredentials,
): Promise<RecordedRequest> {
	await callVod(openApiClient(recorder.host, credentials), action, query);
	return recorder.take();
}

function signedHeaderNames(authorization: string) {
	return /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(';') ?? [];
}

/** The package's request for an action at a plain-HTTP host. */
function packageRequest(
	host: string,
	action: string,
	params: object,
	credentials: AcsCredentials,
	at: { date: Date; nonce: string },
) {
	return buildVodRequest({ action, version: VERSION, params: params as Record<string, string>, host, protocol: 'HTTP', credentials, ...at });
}

/** The package's request for what the SDK sent, at the SDK's time and nonce. */
function packageRequestFor(sdk: RecordedRequest, action: string, params: object, credentials: AcsCredentials) {
	return packageRequest(recorder.host, action, params, credentials, {
		date: new Date(sdk.headers['x-acs-date']),
		nonce: sdk.headers['x-acs-signature-nonce'],
	});
}

function expectSameSignedRequest(ours: RecordedRequest, sdk: RecordedRequest) {
	expect(ours.method).toBe(sdk.method);
	expect(ours.pathname).toBe(sdk.pathname);
	expect(sortedPairs(ours.query)).toEqual(sortedPairs(sdk.query));
	expect(ours.body.length).toBe(0);
	expect(ours.headers.authorization).toBe(sdk.headers.authorization);
	for (const name of signedHeaderNames(sdk.headers.authorization)) {
		expect([name, ours.headers[name]]).toEqual([name, sdk.headers[name]]);
	}
}

describe.each([
	['an AccessKey', AK],
	['an STS token', STS],
])('with %s, every VOD action', (_, credentials) => {
	test.each(Object.keys(EXAMPLES) as VodAction[])('%s is signed as openapi-client signs it', async (action) => {
		const params = EXAMPLES[action];
		const sdk = await sentBySdk(action, sdkQuery(params), credentials);
		if (credentials.securityToken) {
			expect(sdk.headers['x-acs-security-token']).toBe(credentials.securityToken);
			expect(signedHeaderNames(sdk.headers.authorization)).toContain('x-acs-security-token');
		}

		const ours = packageRequestFor(sdk, action, params, credentials);
		expect(ours.headers.Authorization).toBe(sdk.headers.authorization);
		expectSameSignedRequest(
			{ method: ours.method, ...parseTarget(ours.url.slice(recorder.origin.length)), headers: lowercase(ours.headers), body: Buffer.alloc(0), url: ours.url },
			sdk,
		);

		// and what reaches the server through n8n's request helper is still that request
		await sendWithN8n(ours);
		expectSameSignedRequest(recorder.take(), sdk);
	});
});

function lowercase(headers: Record<string, string>) {
	return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

describe('property: any parameters', () => {
	const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._~-]{0,24}$/);
	const reserved = fc
		.array(fc.constantFrom(...'!\'()*&=+%/?#[]@$,;: ~"<>{}|\\^`'.split('')), { maxLength: 20 })
		.map((chars) => chars.join(''));
	const value = fc.oneof(
		fc.string({ unit: 'grapheme', maxLength: 40 }),
		fc.string({ unit: 'binary', maxLength: 40 }),
		reserved,
		fc.constant(''),
		fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 2000 }),
	);
	const token = fc.stringMatching(/^[A-Za-z0-9+/=]{1,200}$/);

	test('the signature equals openapi-client’s for the request it sends, at its time and nonce', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.dictionary(name, value, { maxKeys: 8 }),
				fc.option(token, { nil: undefined }),
				async (params, securityToken) => {
					const credentials = { ...STS, securityToken };
					// the SDK is given every value, empty ones included: the signer must agree on all of them
					const sdk = await sentBySdk('SearchMedia', params, credentials);
					const authorization = acs3Authorization(
						{
							method: sdk.method,
							pathname: sdk.pathname,
							query: Object.fromEntries(sdk.query),
							headers: sdk.headers,
							payloadSha256: EMPTY_PAYLOAD_SHA256,
						},
						credentials,
					);
					expect(authorization).toBe(sdk.headers.authorization);

					// the builder leaves empty values out, as today's transport does before the SDK
					const filtered = await sentBySdk('SearchMedia', sdkQuery(params), credentials);
					const ours = packageRequestFor(filtered, 'SearchMedia', params, credentials);
					expect(ours.headers.Authorization).toBe(filtered.headers.authorization);
				},
			),
			propertyParams(60),
		);
	});
});

test("Alibaba's documented V3 example reproduces", () => {
	// Alibaba Cloud SDK docs, "Request syntax and signature method V3" (V3版本请求体&签名机制),
	// https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature
	// — section "Signature method": RunInstances on ecs.cn-shanghai, x-acs-date 2023-10-26T10:22:32Z,
	// nonce 3156853299f313e23d1673dc12e1703d, secret YourAccessKeySecret; it publishes the hashed
	// canonical request and the final signature checked below.
	const request = {
		method: 'POST',
		pathname: '/',
		query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
		headers: {
			host: 'ecs.cn-shanghai.aliyuncs.com',
			'x-acs-action': 'RunInstances',
			'x-acs-version': '2014-05-26',
			'x-acs-date': '2023-10-26T10:22:32Z',
			'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
			'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
		},
		payloadSha256: EMPTY_PAYLOAD_SHA256,
	};
	expect(acs3CanonicalRequest(request)).toBe(
		[
			'POST',
			'/',
			'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
			'host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n' +
				`x-acs-content-sha256:${EMPTY_PAYLOAD_SHA256}\nx-acs-date:2023-10-26T10:22:32Z\n` +
				'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n',
			'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
			EMPTY_PAYLOAD_SHA256,
		].join('\n'),
	);
	expect(sha256Hex(acs3CanonicalRequest(request))).toBe(
		'7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
	);
	expect(acs3Authorization(request, { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' })).toBe(
		'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,' +
			'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,' +
			'Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
	);
});

describe('the emulator, over real HTTP through n8n’s request helper', () => {
	let emulator: Emulator;

	beforeAll(async () => {
		emulator = await startEmulator();
	});

	afterAll(async () => {
		await emulator?.stop();
	});

	let nonce = 0;
	function request(action: VodAction, params: object, credentials: AcsCredentials) {
		nonce++;
		return packageRequest(emulator.vodEndpoint, action, params, credentials, {
			date: new Date(),
			nonce: `${process.pid}-${Date.now()}-${nonce}`,
		});
	}

	async function send(signed: ReturnType<typeof request>) {
		const response = await sendWithN8n(signed);
		return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
	}

	test('accepts the package’s requests with an AccessKey and with an STS token', async () => {
		const created = await send(request('CreateUploadVideo', EXAMPLES.CreateUploadVideo, emulator.accessKey));
		expect(created.status).toBe(200);
		expect(created.body.VideoId).toEqual(expect.any(String));

		const found = await send(request('GetVideoInfo', { VideoId: created.body.VideoId }, emulator.accessKey));
		expect(found.status).toBe(200);
		expect((found.body.Video as { Title: string }).Title).toBe(EXAMPLES.CreateUploadVideo.Title);

		const sts = emulator.state.issueSts('outin-0123456789abcdef', 'any/key.mp4', 'media');
		const credentials = { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken };
		const viaSts = await send(request('SearchMedia', EXAMPLES.SearchMedia, credentials));
		expect(viaSts.status).toBe(200);
	});

	test.each([
		['a query value changed after signing', (r: ReturnType<typeof request>) => ({ ...r, url: r.url.replace('Title=', 'Title=x') }), 'SignatureDoesNotMatch'],
		['the signature changed', (r: ReturnType<typeof request>) => ({ ...r, headers: { ...r.headers, Authorization: r.headers.Authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0')) } }), 'SignatureDoesNotMatch'],
		['a signed header changed', (r: ReturnType<typeof request>) => ({ ...r, headers: { ...r.headers, 'x-acs-action': 'GetVideoInfo' } }), 'SignatureDoesNotMatch'],
		['another secret', (_: ReturnType<typeof request>) => request('CreateUploadVideo', EXAMPLES.CreateUploadVideo, { ...emulator.accessKey, accessKeySecret: 'wrong' }), 'SignatureDoesNotMatch'],
	])('rejects a request with %s', async (_, tamper, code) => {
		const before = emulator.state.vod.media.size;
		const response = await send(tamper(request('CreateUploadVideo', EXAMPLES.CreateUploadVideo, emulator.accessKey)));
		expect(response.status).toBe(400);
		expect(response.body.Code).toBe(code);
		expect(emulator.state.vod.media.size).toBe(before);
	});

	test('rejects a replayed request (same nonce) and a wrong STS token', async () => {
		const signed = request('GetMessageCallback', {}, emulator.accessKey);
		expect((await send(signed)).status).toBe(200);
		expect((await send(signed)).body.Code).toBe('SignatureNonceUsed');

		const sts = emulator.state.issueSts('outin-0123456789abcdef', 'any/key.mp4', 'media');
		const wrongToken = request('GetMessageCallback', {}, { ...sts, securityToken: `${sts.securityToken}x` });
		expect((await send(wrongToken)).body.Code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
	});
});
