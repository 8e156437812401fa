/**
 * The package's OSS V4 signer and request builders against their oracles:
 * - `ali-oss` 6.23.0 with `authorizationV4` and an STS token: for every request the upload makes
 *   (PutObject, HeadObject, InitiateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,
 *   AbortMultipartUpload), called exactly as the upload called it before it sent its own requests, the package's signature
 *   of the request ali-oss really sent (recorded on loopback) equals ali-oss's; and the package's
 *   own request for the same call, time and Content-Type, sent through n8n's request helper,
 *   arrives as the same signed request with the same body;
 * - a property over generated object keys, upload ids, part numbers and tokens;
 * - Alibaba's documented V4 example;
 * - the emulator: a whole upload made of the package's requests, sent through n8n's request
 *   helper, stores the exact bytes; tampered requests are refused;
 * - the small XML reader and writer.
 */
import OSS from 'ali-oss';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';

import {
	abortMultipartUploadRequest,
	completeMultipartUploadRequest,
	contentMd5,
	headObjectRequest,
	initiateMultipartUploadRequest,
	listPartsRequest,
	ossObjectUrl,
	putObjectRequest,
	signOssRequest,
	uploadPartRequest,
	type OssObjectTarget,
	type SignedOssRequest,
} from '../../../nodes/AlibabaCloudVod/transport/oss/requests';
import {
	ossV4Authorization,
	ossV4CanonicalRequest,
	ossV4StringToSign,
	type OssCredentials,
} from '../../../nodes/AlibabaCloudVod/transport/oss/signature';
import {
	completeMultipartUploadXml,
	parseInitiateMultipartUpload,
	parseListParts,
	parseOssError,
} from '../../../nodes/AlibabaCloudVod/transport/oss/xml';
import { startEmulator, type Emulator } from '../../emulator';
import { propertyParams } from '../../support/property';
import { sendWithN8n, sortedPairs, startRecorder, type RecordedRequest, type Recorder } from './recorder';

const BUCKET = 'outin-0123456789abcdef0123456789abcdef';
const REGION = 'cn-shanghai';
const STS: OssCredentials = {
	accessKeyId: 'STS.NTexampleAccessKeyId',
	accessKeySecret: 'ExampleStsSecret/+=',
	securityToken: 'CAIS+example//token==',
};
const UPLOAD_ID = '0004B9894A22E5B1888A1E29F823****';

let recorder: Recorder;

function xml(body: string) {
	return { headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

/** Answers each request the way OSS does, so ali-oss completes its calls. */
function ossAnswer(request: RecordedRequest) {
	const has = (name: string) => request.query.some(([key]) => key === name);
	if (request.method === 'POST' && has('uploads')) {
		return xml(`<InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>k</Key><UploadId>${UPLOAD_ID}</UploadId></InitiateMultipartUploadResult>`);
	}
	if (request.method === 'POST') {
		return xml('<CompleteMultipartUploadResult><ETag>"X-2"</ETag></CompleteMultipartUploadResult>');
	}
	if (request.method === 'GET') {
		return xml('<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>"A"</ETag><Size>3</Size></Part></ListPartsResult>');
	}
	if (request.method === 'DELETE') return { status: 204 };
	return { headers: { etag: '"0CC175B9C0F1B6A831C399E269772661"', 'content-length': '0' } };
}

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {}); // ali-oss warns about stsToken without refresh
	recorder = await startRecorder(ossAnswer);
});

afterAll(async () => {
	await recorder.stop();
	jest.restoreAllMocks();
});

function aliOss(credentials: OssCredentials = STS) {
	return new OSS({
		accessKeyId: credentials.accessKeyId,
		accessKeySecret: credentials.accessKeySecret,
		stsToken: credentials.securityToken,
		endpoint: recorder.origin,
		bucket: BUCKET,
		region: `oss-${REGION}`,
		authorizationV4: true,
		refreshSTSTokenInterval: 60 * 60 * 1000,
	} as OSS.Options) as unknown as AliOssCalls;
}

/** The ali-oss 6.23 calls the upload made before it signed its own requests (transport/oss/upload.ts). */
interface AliOssCalls {
	put(name: string, body: Buffer, options?: { mime?: string }): Promise<unknown>;
	head(name: string): Promise<unknown>;
	initMultipartUpload(name: string, options?: { mime?: string }): Promise<unknown>;
	_uploadPart(
		name: string,
		uploadId: string,
		partNumber: number,
		data: { size: number; stream: Readable },
		options?: { headers?: Record<string, string> },
	): Promise<unknown>;
	listParts(name: string, uploadId: string, query?: Record<string, string | number>): Promise<unknown>;
	completeMultipartUpload(name: string, uploadId: string, parts: Array<{ number: number; etag: string }>): Promise<unknown>;
	abortMultipartUpload(name: string, uploadId: string): Promise<unknown>;
}

/** `20261201T172414Z` → Date */
function dateOf(isoBasic: string) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(isoBasic);
	if (!m) throw new Error(`not an x-oss-date: ${isoBasic}`);
	return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** ali-oss at an IP endpoint sends `/<key>` with `Host: <bucket>.oss-<region>.aliyuncs.com`. */
function keyOf(request: RecordedRequest) {
	const bucketPrefix = `/${BUCKET}/`;
	return request.pathname.startsWith(bucketPrefix)
		? request.pathname.slice(bucketPrefix.length)
		: request.pathname.slice(1);
}

/** The package's signature of a request as it arrived. */
function signatureOfReceived(request: RecordedRequest, credentials: OssCredentials) {
	return ossV4Authorization(
		{
			method: request.method,
			bucket: BUCKET,
			key: keyOf(request),
			query: Object.fromEntries(request.query),
			headers: request.headers,
			region: REGION,
		},
		credentials,
	);
}

function part(bytes: string | Buffer) {
	const body = Buffer.from(bytes);
	return { size: body.length, stream: Readable.from([body]) };
}

function isSignedName(name: string) {
	return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

function expectSameSignedRequest(ours: RecordedRequest, theirs: RecordedRequest) {
	expect(ours.method).toBe(theirs.method);
	expect(keyOf(ours)).toBe(keyOf(theirs));
	expect(sortedPairs(ours.query)).toEqual(sortedPairs(theirs.query));
	expect(ours.headers.authorization).toBe(theirs.headers.authorization);
	const signed = (r: RecordedRequest) =>
		Object.fromEntries(Object.entries(r.headers).filter(([name]) => isSignedName(name)));
	expect(signed(ours)).toEqual(signed(theirs));
	expect(ours.body.equals(theirs.body)).toBe(true);
}

const VOD_KEY = 'sv/3b1c9d0e-18f4c5a1b2c/3b1c9d0e-18f4c5a1b2c.mp4';

describe('the requests of an upload as ali-oss makes them', () => {
	const calls: Array<[string, (oss: AliOssCalls) => Promise<unknown>]> = [
		['PutObject', async (oss) => await oss.put(VOD_KEY, Buffer.from('small file'), { mime: undefined })],
		['HeadObject', async (oss) => await oss.head(VOD_KEY)],
		['InitiateMultipartUpload', async (oss) => await oss.initMultipartUpload(VOD_KEY, { mime: 'video/mp4' })],
		['UploadPart', async (oss) => await oss._uploadPart(VOD_KEY, UPLOAD_ID, 3, part('abc'), { headers: { 'Content-MD5': contentMd5('abc') } })],
		['ListParts', async (oss) => await oss.listParts(VOD_KEY, UPLOAD_ID, { 'max-parts': 1000, 'part-number-marker': '1000' })],
		['CompleteMultipartUpload', async (oss) => await oss.completeMultipartUpload(VOD_KEY, UPLOAD_ID, [{ number: 2, etag: '"B"' }, { number: 1, etag: '"A"' }])],
		['AbortMultipartUpload', async (oss) => await oss.abortMultipartUpload(VOD_KEY, UPLOAD_ID)],
	];

	test.each(calls)('%s: the package signs what ali-oss sent exactly as ali-oss did', async (_, call) => {
		await call(aliOss());
		const sent = recorder.take();
		expect(sent.headers['x-oss-security-token']).toBe(STS.securityToken);
		expect(sent.headers.authorization).toMatch(/^OSS4-HMAC-SHA256 Credential=STS\.NTexampleAccessKeyId\/\d{8}\/cn-shanghai\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/);
		expect(signatureOfReceived(sent, STS)).toBe(sent.headers.authorization);
	});
});

describe('the package’s own requests equal ali-oss’s for the same call, time and Content-Type', () => {
	// No extension, so ali-oss guesses no Content-Type from the key: the types below are the only ones.
	const key = 'sv/3b1c9d/upload (copy)+final';
	const body = randomBytes(300);
	const parts = [
		{ number: 2, etag: '"B2"' },
		{ number: 1, etag: '"A1"' },
		{ number: 2, etag: '"B2"' },
	];
	type Build = (target: OssObjectTarget, date: Date) => SignedOssRequest;
	const cases: Array<[string, (oss: AliOssCalls) => Promise<unknown>, Build]> = [
		[
			'PutObject',
			async (oss) => await oss.put(key, body, { mime: 'video/mp4' }),
			(target, date) => putObjectRequest(target, { body, contentMd5: contentMd5(body), contentType: 'video/mp4' }, date),
		],
		['HeadObject', async (oss) => await oss.head(key), (target, date) => headObjectRequest(target, date)],
		[
			'InitiateMultipartUpload',
			async (oss) => await oss.initMultipartUpload(key, { mime: 'video/mp4' }),
			(target, date) => initiateMultipartUploadRequest(target, { contentType: 'video/mp4' }, date),
		],
		[
			'UploadPart',
			async (oss) =>
				await oss._uploadPart(key, UPLOAD_ID, 10000, part(body), {
					headers: { 'Content-MD5': contentMd5(body), 'Content-Type': 'application/octet-stream' },
				}),
			(target, date) =>
				uploadPartRequest(target, { uploadId: UPLOAD_ID, partNumber: 10000, body, contentMd5: contentMd5(body) }, date),
		],
		[
			'ListParts',
			async (oss) => await oss.listParts(key, UPLOAD_ID, { 'max-parts': 1000, 'part-number-marker': '1000' }),
			(target, date) => listPartsRequest(target, { uploadId: UPLOAD_ID, maxParts: 1000, partNumberMarker: '1000' }, date),
		],
		[
			'CompleteMultipartUpload',
			async (oss) => await oss.completeMultipartUpload(key, UPLOAD_ID, parts),
			(target, date) => completeMultipartUploadRequest(target, { uploadId: UPLOAD_ID, parts }, date),
		],
		[
			'AbortMultipartUpload',
			async (oss) => await oss.abortMultipartUpload(key, UPLOAD_ID),
			(target, date) => abortMultipartUploadRequest(target, { uploadId: UPLOAD_ID }, date),
		],
	];

	test.each(cases)('%s', async (_, call, build) => {
		await call(aliOss());
		const theirs = recorder.take();
		const target: OssObjectTarget = { endpoint: recorder.origin, bucket: BUCKET, key, region: REGION, credentials: STS };
		const ours = build(target, dateOf(theirs.headers['x-oss-date']));
		expect(ours.headers.authorization).toBe(theirs.headers.authorization);
		await sendWithN8n(ours);
		expectSameSignedRequest(recorder.take(), theirs);
	});
});

describe('property: any object key, upload id, part number and token', () => {
	const reserved = fc
		.array(fc.constantFrom(...'!\'()*&=+%?#[]@$,;: ~"<>{}|\\^`'.split('')), { minLength: 1, maxLength: 12 })
		.map((chars) => chars.join(''));
	const segment = fc
		.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), reserved)
		.filter((s) => s !== '.' && s !== '..' && !s.includes('/'));
	const objectKey = fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));
	const uploadId = fc.oneof(fc.stringMatching(/^[0-9A-F]{32}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }));
	const token = fc.stringMatching(/^[A-Za-z0-9+/=]{1,300}$/);

	test('the package’s signature equals ali-oss’s, and so do its own requests', async () => {
		await fc.assert(
			fc.asyncProperty(objectKey, uploadId, fc.integer({ min: 1, max: 10000 }), token, async (key, id, partNumber, securityToken) => {
				const credentials = { ...STS, securityToken };
				const oss = aliOss(credentials);
				const target: OssObjectTarget = { endpoint: recorder.origin, bucket: BUCKET, key, region: REGION, credentials };
				const checks: Array<[() => Promise<unknown>, (date: Date) => SignedOssRequest]> = [
					[
						async () => await oss.initMultipartUpload(key, { mime: 'video/mp4' }),
						(date) => initiateMultipartUploadRequest(target, { contentType: 'video/mp4' }, date),
					],
					[
						async () =>
							await oss._uploadPart(key, id, partNumber, part('xyz'), {
								headers: { 'Content-MD5': contentMd5('xyz'), 'Content-Type': 'application/octet-stream' },
							}),
						(date) => uploadPartRequest(target, { uploadId: id, partNumber, body: Buffer.from('xyz'), contentMd5: contentMd5('xyz') }, date),
					],
					[
						async () => await oss.completeMultipartUpload(key, id, [{ number: partNumber, etag: '"E"' }]),
						(date) => completeMultipartUploadRequest(target, { uploadId: id, parts: [{ number: partNumber, etag: '"E"' }] }, date),
					],
					[async () => await oss.listParts(key, id, { 'max-parts': 1000 }), () => listPartsRequest(target, { uploadId: id }, new Date())],
				];
				for (const [call, build] of checks) {
					await call();
					const theirs = recorder.take();
					expect(signatureOfReceived(theirs, credentials)).toBe(theirs.headers.authorization);
					expect(keyOf(theirs)).toBe(key);
					if (theirs.method !== 'GET') {
						expect(build(dateOf(theirs.headers['x-oss-date'])).headers.authorization).toBe(theirs.headers.authorization);
					}
				}
			}),
			propertyParams(50),
		);
	});
});

test("Alibaba's documented V4 example reproduces", () => {
	// Alibaba Cloud OSS docs, "Include a V4 signature in the Authorization header (recommended)",
	// https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4
	// — "Signature calculation example": PutObject examplebucket/exampleobject, cn-hangzhou,
	// 20250411T064124Z, AdditionalHeaders content-disposition;content-length. It publishes the
	// canonical request, the string to sign and, for a signing key it shows in hex (the secret behind
	// it is not given), the signature.
	const request = {
		method: 'PUT',
		bucket: 'examplebucket',
		key: 'exampleobject',
		query: {},
		region: 'cn-hangzhou',
		additionalHeaders: ['Content-Length', 'content-disposition'],
		headers: {
			Host: 'examplebucket.oss-cn-hangzhou.aliyuncs.com',
			'Content-Disposition': 'attachment',
			'Content-Length': '3',
			'Content-MD5': 'ICy5YqxZB1uWSwcVLSNLcA==',
			'Content-Type': 'text/plain',
			'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
			'x-oss-date': '20250411T064124Z',
		},
	};
	expect(ossV4CanonicalRequest(request)).toBe(
		'PUT\n/examplebucket/exampleobject\n\ncontent-disposition:attachment\ncontent-length:3\n' +
			'content-md5:ICy5YqxZB1uWSwcVLSNLcA==\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n' +
			'x-oss-date:20250411T064124Z\n\ncontent-disposition;content-length\nUNSIGNED-PAYLOAD',
	);
	const stringToSign = ossV4StringToSign(request);
	expect(stringToSign).toBe(
		'OSS4-HMAC-SHA256\n20250411T064124Z\n20250411/cn-hangzhou/oss/aliyun_v4_request\n' +
			'c46d96390bdbc2d739ac9363293ae9d710b14e48081fcb22cd8ad54b63136eca',
	);
	const documentedSigningKey = Buffer.from('3543b7686e65eda71e5e5ca19d548d78423c37e8ddba4dc9d83f90228b457c76', 'hex');
	expect(createHmac('sha256', documentedSigningKey).update(stringToSign).digest('hex')).toBe(
		'053edbf550ebd239b32a9cdfd93b0b2b3f2d223083aa61f75e9ac16856d61f23',
	);
	expect(ossV4Authorization(request, { accessKeyId: 'LTAI****************', accessKeySecret: 'any' })).toMatch(
		/^OSS4-HMAC-SHA256 Credential=LTAI\*{16}\/20250411\/cn-hangzhou\/oss\/aliyun_v4_request,AdditionalHeaders=content-disposition;content-length,Signature=[0-9a-f]{64}$/,
	);
});

describe('URLs', () => {
	const target = (endpoint: string, key = 'a b/ü+(1).mp4'): OssObjectTarget => ({
		endpoint,
		bucket: BUCKET,
		key,
		region: REGION,
		credentials: STS,
	});

	test('virtual-hosted on OSS domains, path style on an IP or localhost', () => {
		expect(ossObjectUrl(target('https://oss-cn-shanghai.aliyuncs.com'), { uploads: null })).toBe(
			`https://${BUCKET}.oss-cn-shanghai.aliyuncs.com/a%20b/%C3%BC%2B%281%29.mp4?uploads`,
		);
		expect(ossObjectUrl(target('http://127.0.0.1:9000/'), { partNumber: '1', uploadId: 'x y' })).toBe(
			`http://127.0.0.1:9000/${BUCKET}/a%20b/%C3%BC%2B%281%29.mp4?partNumber=1&uploadId=x%20y`,
		);
		expect(ossObjectUrl(target('http://localhost:9000'), {})).toBe(`http://localhost:9000/${BUCKET}/a%20b/%C3%BC%2B%281%29.mp4`);
	});

	test('refuses keys that a URL parser would fold, and endpoints that are not an origin', () => {
		expect(() => ossObjectUrl(target('https://oss-cn-shanghai.aliyuncs.com', 'a/../b'), {})).toThrow('".." segment');
		expect(() => ossObjectUrl(target('https://oss-cn-shanghai.aliyuncs.com', './b'), {})).toThrow('segment');
		expect(() => ossObjectUrl(target('ftp://oss-cn-shanghai.aliyuncs.com'), {})).toThrow('not an http(s) origin');
		expect(() => ossObjectUrl(target('https://oss-cn-shanghai.aliyuncs.com/path'), {})).toThrow('not an http(s) origin');
	});
});

describe('XML', () => {
	test('the Complete body is ali-oss’s: sorted, a repeated part once', () => {
		expect(completeMultipartUploadXml([{ number: 2, etag: '"B"' }, { number: 1, etag: '"A"' }, { number: 2, etag: '"B"' }])).toBe(
			'<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n' +
				'<Part>\n<PartNumber>1</PartNumber>\n<ETag>"A"</ETag>\n</Part>\n' +
				'<Part>\n<PartNumber>2</PartNumber>\n<ETag>"B"</ETag>\n</Part>\n</CompleteMultipartUpload>',
		);
	});

	test('reads UploadId, ListParts pages and errors, entities decoded', () => {
		expect(parseInitiateMultipartUpload(xml('<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k&amp;1</Key><UploadId>ab&amp;cd</UploadId></InitiateMultipartUploadResult>').body)).toEqual({ uploadId: 'ab&cd' });
		expect(
			parseListParts(
				'<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>' +
					'<Part><PartNumber>1</PartNumber><LastModified>x</LastModified><ETag>&quot;A&quot;</ETag><Size>102400</Size></Part>' +
					'<Part><PartNumber>2</PartNumber><ETag>"B"</ETag><Size>7</Size></Part></ListPartsResult>',
			),
		).toEqual({
			parts: [
				{ partNumber: 1, size: 102400, etag: '"A"' },
				{ partNumber: 2, size: 7, etag: '"B"' },
			],
			isTruncated: true,
			nextPartNumberMarker: '2',
		});
		expect(parseListParts('<ListPartsResult><IsTruncated>false</IsTruncated></ListPartsResult>')).toEqual({ parts: [], isTruncated: false, nextPartNumberMarker: undefined });
		expect(
			parseOssError(
				xml('<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature &lt;x&gt; does not match</Message><RequestId>5C3D9175B6FC201293AD****</RequestId><HostId>b.oss-cn-shanghai.aliyuncs.com</HostId><EC>0002-00000040</EC></Error>').body,
			),
		).toEqual({
			code: 'SignatureDoesNotMatch',
			message: 'The request signature <x> does not match',
			requestId: '5C3D9175B6FC201293AD****',
			hostId: 'b.oss-cn-shanghai.aliyuncs.com',
			ec: '0002-00000040',
		});
	});

	test('refuses what it cannot read instead of guessing', () => {
		expect(() => parseInitiateMultipartUpload('<html>502 Bad Gateway</html>')).toThrow('without <InitiateMultipartUploadResult>');
		expect(() => parseInitiateMultipartUpload('<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>')).toThrow('without an UploadId');
		expect(() => parseInitiateMultipartUpload('<InitiateMultipartUploadResult><UploadId><x/></UploadId></InitiateMultipartUploadResult>')).toThrow('not text');
		expect(() => parseInitiateMultipartUpload('<InitiateMultipartUploadResult><UploadId>a&bogus;</UploadId></InitiateMultipartUploadResult>')).toThrow('unknown entity');
		expect(() => parseListParts('<ListPartsResult><Part><PartNumber>x</PartNumber></Part></ListPartsResult>')).toThrow('without PartNumber or Size');
		expect(parseOssError('')).toBeUndefined();
		expect(parseOssError('<Error><Message>no code</Message></Error>')).toBeUndefined();
		expect(parseOssError('<Error><Code>X')).toBeUndefined();
	});
});

describe('the emulator, over real HTTP through n8n’s request helper', () => {
	let emulator: Emulator;

	beforeAll(async () => {
		emulator = await startEmulator();
	});

	afterAll(async () => {
		await emulator?.stop();
	});

	function newTarget(key = `sv/${randomBytes(4).toString('hex')}/vidéo (1).mp4`): OssObjectTarget {
		const sts = emulator.state.issueSts(BUCKET, key, randomBytes(16).toString('hex'));
		return {
			endpoint: emulator.ossEndpoint,
			bucket: BUCKET,
			key,
			region: REGION,
			credentials: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken },
		};
	}

	async function expectOk(request: SignedOssRequest) {
		const response = await sendWithN8n(request);
		if (response.statusCode >= 300) throw new Error(`${request.method} answered ${response.statusCode}: ${response.body}`);
		return response;
	}

	test('a multipart upload made of the package’s requests stores exactly the bytes', async () => {
		const target = newTarget();
		const first = randomBytes(100 * 1024);
		const last = randomBytes(1000);
		const init = await expectOk(initiateMultipartUploadRequest(target, { contentType: 'video/mp4' }, new Date()));
		const { uploadId } = parseInitiateMultipartUpload(init.body);

		const etags: string[] = [];
		for (const [index, body] of [first, last].entries()) {
			const response = await expectOk(
				uploadPartRequest(target, { uploadId, partNumber: index + 1, body, contentMd5: contentMd5(body) }, new Date()),
			);
			etags.push(response.headers.etag);
		}
		const listed = parseListParts((await expectOk(listPartsRequest(target, { uploadId, maxParts: 1000 }, new Date()))).body);
		expect(listed.parts.map((p) => [p.partNumber, p.size])).toEqual([
			[1, first.length],
			[2, last.length],
		]);

		await expectOk(
			completeMultipartUploadRequest(target, { uploadId, parts: etags.map((etag, i) => ({ number: i + 1, etag })) }, new Date()),
		);
		const stored = emulator.state.objects.get(`${BUCKET}/${target.key}`);
		expect(stored).toMatchObject({
			size: first.length + last.length,
			md5: createHash('md5').update(first).update(last).digest('hex'),
			contentType: 'video/mp4',
			partCount: 2,
		});
		const head = await expectOk(headObjectRequest(target, new Date()));
		expect(Number(head.headers['content-length'])).toBe(first.length + last.length);
	});

	test('PutObject and AbortMultipartUpload', async () => {
		const small = newTarget(`sv/${randomBytes(4).toString('hex')}/cover.jpg`);
		const body = randomBytes(5000);
		await expectOk(putObjectRequest(small, { body, contentMd5: contentMd5(body), contentType: 'image/jpeg' }, new Date()));
		expect(emulator.state.objects.get(`${BUCKET}/${small.key}`)).toMatchObject({
			size: body.length,
			md5: createHash('md5').update(body).digest('hex'),
			contentType: 'image/jpeg',
		});

		const target = newTarget();
		const { uploadId } = parseInitiateMultipartUpload((await expectOk(initiateMultipartUploadRequest(target, {}, new Date()))).body);
		expect((await expectOk(abortMultipartUploadRequest(target, { uploadId }, new Date()))).statusCode).toBe(204);
		const gone = await sendWithN8n(listPartsRequest(target, { uploadId }, new Date()));
		expect(gone.statusCode).toBe(404);
		expect(parseOssError(gone.body)?.code).toBe('NoSuchUpload');
	});

	type Tamper = (request: SignedOssRequest, target: OssObjectTarget) => SignedOssRequest;
	const tampered: Array<[string, Tamper, number, string]> = [
		['nothing (the signature passes; the upload id is unknown)', (r) => r, 404, 'NoSuchUpload'],
		['the signature changed', (r) => ({ ...r, headers: { ...r.headers, authorization: r.headers.authorization.replace(/.$/, (c) => (c === '0' ? '1' : '0')) } }), 403, 'SignatureDoesNotMatch'],
		['the part number changed after signing', (r) => ({ ...r, url: r.url.replace('partNumber=1', 'partNumber=2') }), 403, 'SignatureDoesNotMatch'],
		['x-oss-date changed after signing', (r) => ({ ...r, headers: { ...r.headers, 'x-oss-date': r.headers['x-oss-date'].replace(/\dZ$/, (d) => `${(Number(d[0]) + 1) % 10}Z`) } }), 403, 'SignatureDoesNotMatch'],
		['another object key', (r) => ({ ...r, url: r.url.replace(encodeURIComponent('vidéo'), 'video') }), 403, 'SignatureDoesNotMatch'],
		['a wrong STS token', (r) => ({ ...r, headers: { ...r.headers, 'x-oss-security-token': `${r.headers['x-oss-security-token']}x` } }), 403, 'InvalidSecurityToken'],
		[
			'no Content-Type signed (n8n’s helper then sends a form type)',
			(r, t) => {
				const body = r.body as Buffer;
				return signOssRequest(t, { method: 'PUT', query: { partNumber: '1', uploadId: 'u' }, headers: { 'content-md5': contentMd5(body) }, body }, new Date());
			},
			403,
			'SignatureDoesNotMatch',
		],
	];

	test.each(tampered)('a part with %s is refused', async (_, tamper, status, code) => {
		const target = newTarget();
		const body = randomBytes(1000);
		const request = uploadPartRequest(target, { uploadId: 'u', partNumber: 1, body, contentMd5: contentMd5(body) }, new Date());
		const response = await sendWithN8n(tamper(request, target));
		expect(response.statusCode).toBe(status);
		expect(parseOssError(response.body)?.code).toBe(code);
	});
});
