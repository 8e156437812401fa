/**
 * The OSS emulator against the real ali-oss client: V1 and V4 signatures, STS credentials from the
 * VOD emulator's CreateUploadVideo, multipart uploads of a 20 MB+ file, rejections, abort,
 * ListParts paging and faults.
 */
import OSS from 'ali-oss';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { startEmulator, type Emulator } from './index';
import { ossRegistryOf, presignObjectUrl, type OssRegistry } from './oss';
import type { AccessKey, EmulatorState, StsCredential } from './state';
import { callVod, openApiClient } from './vod/test-clients';

const BUCKET = 'outin-0123456789abcdef0123456789abcdef';
const MiB = 1024 * 1024;

let dir: string;
let emulator: Emulator;
let state: EmulatorState;
let server: { ossUploads: OssRegistry['uploads']; ossRequests: OssRegistry['requests'] };
let endpoint: string;
let ACCOUNT: AccessKey;
let bigFile: { path: string; size: number; md5: string };

async function md5OfFile(path: string) {
	const hash = createHash('md5');
	await pipeline(createReadStream(path), hash);
	return hash.digest('hex');
}

/** A file of random bytes written in 1 MiB chunks (never one big buffer). */
async function randomFile(path: string, size: number) {
	const hash = createHash('md5');
	await pipeline(async function* () {
		for (let left = size; left > 0; left -= MiB) {
			const chunk = randomBytes(Math.min(MiB, left));
			hash.update(chunk);
			yield chunk;
		}
	}, createWriteStream(path));
	return { path, size, md5: hash.digest('hex') };
}

type Credentials = AccessKey & { securityToken?: string };

function client(credentials: Credentials, options: Partial<OSS.Options> & { authorizationV4?: boolean } = {}) {
	return new OSS({
		accessKeyId: credentials.accessKeyId,
		accessKeySecret: credentials.accessKeySecret,
		stsToken: credentials.securityToken,
		endpoint,
		bucket: BUCKET,
		region: 'oss-cn-shanghai',
		...options,
	} as OSS.Options);
}

function stsTriple(cred: StsCredential): Credentials {
	return { accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret, securityToken: cred.securityToken };
}

let keyCounter = 0;
function newKey(ext = 'mp4') {
	keyCounter += 1;
	return `sv/${randomBytes(4).toString('hex')}-${keyCounter}/video-${keyCounter}.${ext}`;
}

/** An STS triple scoped to a fresh object key, as VOD's CreateUploadVideo hands out. */
function issue(key = newKey()) {
	return { key, cred: state.issueSts(BUCKET, key, randomBytes(16).toString('hex')) };
}

async function rejection(promise: Promise<unknown>) {
	try {
		await promise;
	} catch (error) {
		return error as { code?: string; status?: number; name?: string; message: string };
	}
	throw new Error('expected the request to be rejected');
}

/** What an upload client gets from VOD: CreateUploadVideo's UploadAddress and UploadAuth, decoded. */
async function createUploadVideo(fileName = 'movie.mp4') {
	const vod = openApiClient(emulator.vodEndpoint, emulator.accessKey);
	const body = await callVod(vod, 'CreateUploadVideo', { FileName: fileName, Title: 'conformance' });
	const address = JSON.parse(Buffer.from(body.UploadAddress, 'base64').toString()) as {
		Endpoint: string;
		Bucket: string;
		FileName: string;
	};
	const auth = JSON.parse(Buffer.from(body.UploadAuth, 'base64').toString()) as {
		AccessKeyId: string;
		AccessKeySecret: string;
		SecurityToken: string;
		Region: string;
	};
	return { videoId: body.VideoId as string, address, auth };
}

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {}); // ali-oss warns about stsToken without refresh
	dir = mkdtempSync(join(tmpdir(), 'oss-emulator-'));
	emulator = await startEmulator({ dataDir: join(dir, 'data') });
	state = emulator.state;
	ACCOUNT = emulator.accessKey;
	endpoint = emulator.ossEndpoint;
	const registry = ossRegistryOf(state)!;
	server = { ossUploads: registry.uploads, ossRequests: registry.requests };
	bigFile = await randomFile(join(dir, 'big.bin'), 20 * MiB + 12345);
});

afterAll(async () => {
	// The fault tests leave ali-oss part requests that the server cut or refused; urllib reports them
	// (console.warn) a moment later. Let that happen inside this file, not after jest has torn it down.
	await settle();
	await emulator.stop();
	await settle();
	rmSync(dir, { recursive: true, force: true });
	jest.restoreAllMocks();
});

afterEach(() => {
	state.faults = {};
});

const settle = async () => await new Promise((resolve) => setTimeout(resolve, 500));

test('the emulator serves OSS from this module', () => {
	expect(emulator.ossAvailable).toBe(true);
	expect(ossRegistryOf(state)).toBeDefined();
});

describe.each([
	['V1', false],
	['V4', true],
])('ali-oss with %s signatures and STS credentials', (version, authorizationV4) => {
	const expectedVersion = authorizationV4 ? 'v4' : 'v1';

	test('multipartUpload of a 20 MB+ file with CreateUploadVideo credentials stores exactly the source bytes', async () => {
		const { videoId, address, auth } = await createUploadVideo();
		const key = address.FileName;
		const oss = new OSS({
			accessKeyId: auth.AccessKeyId,
			accessKeySecret: auth.AccessKeySecret,
			stsToken: auth.SecurityToken,
			endpoint: address.Endpoint,
			bucket: address.Bucket,
			region: `oss-${auth.Region}`,
			authorizationV4,
		} as OSS.Options);
		const before = server.ossRequests.length;
		const result = await oss.multipartUpload(key, bigFile.path, { partSize: MiB, parallel: 4 });

		const stored = state.objects.get(`${address.Bucket}/${key}`);
		expect(stored).toBeDefined();
		expect(stored!.size).toBe(bigFile.size);
		expect(stored!.md5).toBe(bigFile.md5);
		expect(await md5OfFile(stored!.path)).toBe(bigFile.md5);
		expect(stored!.partCount).toBe(21);
		// ali-oss takes the Content-Type from the source file name (big.bin) at InitiateMultipartUpload
		expect(stored!.contentType).toBe('application/octet-stream');

		const upload = server.ossUploads.get(stored!.multipartUploadId!);
		expect(upload).toMatchObject({ status: 'completed', key, partUploads: 21 });
		expect(upload!.completedParts).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
		expect((result as { etag?: string }).etag).toBe(upload!.etag);
		expect(upload!.etag).toMatch(/^"[0-9A-F]{32}-21"$/);

		const requests = server.ossRequests.slice(before);
		expect(requests.map((r) => r.operation)).toEqual([
			'InitiateMultipartUpload',
			...Array(21).fill('UploadPart'),
			'CompleteMultipartUpload',
		]);
		expect(requests.every((r) => r.signatureVersion === expectedVersion && r.status === 200)).toBe(true);
		expect(requests.every((r) => r.accessKeyId === auth.AccessKeyId)).toBe(true);

		// reads back byte for byte through a signed GET ...
		const hash = createHash('md5');
		const { stream } = await oss.getStream(key);
		await pipeline(stream, hash);
		expect(hash.digest('hex')).toBe(bigFile.md5);

		// ... and through the signed URL VOD's GetMezzanineInfo hands out
		const vod = openApiClient(emulator.vodEndpoint, emulator.accessKey);
		const info = await callVod(vod, 'GetMezzanineInfo', { VideoId: videoId });
		const download = await fetch(info.Mezzanine.FileURL);
		expect(download.status).toBe(200);
		const viaUrl = createHash('md5');
		await pipeline(download.body as unknown as NodeJS.ReadableStream, viaUrl);
		expect(viaUrl.digest('hex')).toBe(bigFile.md5);
	});

	test('put of a small buffer answers the quoted uppercase MD5 as ETag', async () => {
		const { key, cred } = issue(newKey('jpg'));
		const body = randomBytes(5000);
		const md5 = createHash('md5').update(body).digest('hex');
		const result = await client(stsTriple(cred), { authorizationV4 }).put(key, body);
		expect(result.res.status).toBe(200);
		expect((result.res.headers as Record<string, string>).etag).toBe(`"${md5.toUpperCase()}"`);
		expect(state.objects.get(`${BUCKET}/${key}`)).toMatchObject({ size: 5000, md5, contentType: 'image/jpeg' });
	});

	test('rejects a wrong secret with SignatureDoesNotMatch and stores nothing', async () => {
		const { key, cred } = issue();
		const err = await rejection(
			client({ ...stsTriple(cred), accessKeySecret: 'not-the-secret' }, { authorizationV4 }).put(key, Buffer.from('x')),
		);
		expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
	});

	test('rejects an expired STS credential with SecurityTokenExpired', async () => {
		state.faults.stsTtlSeconds = 0;
		const { key, cred } = issue();
		const err = await rejection(client(stsTriple(cred), { authorizationV4 }).put(key, Buffer.from('x')));
		expect(err).toMatchObject({ code: 'SecurityTokenExpired', status: 403 });
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
	});

	test('rejects an unknown AccessKeyId with InvalidAccessKeyId', async () => {
		const err = await rejection(
			client({ ...ACCOUNT, accessKeyId: 'LTAINoSuchKey' }, { authorizationV4 }).put(newKey(), Buffer.from('x')),
		);
		expect(err).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
	});

	test('rejects an STS key with a wrong or missing token', async () => {
		const { key, cred } = issue();
		const wrong = await rejection(
			client({ ...stsTriple(cred), securityToken: `${cred.securityToken}x` }, { authorizationV4 }).put(key, Buffer.from('x')),
		);
		expect(wrong).toMatchObject({ code: 'InvalidSecurityToken', status: 403 });
		const missing = await rejection(
			client({ ...stsTriple(cred), securityToken: undefined }, { authorizationV4 }).put(key, Buffer.from('x')),
		);
		expect(missing).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
	});

	test('STS credentials reach only their own object key', async () => {
		const { cred } = issue();
		const other = newKey();
		const err = await rejection(client(stsTriple(cred), { authorizationV4 }).put(other, Buffer.from('x')));
		expect(err).toMatchObject({ code: 'AccessDenied', status: 403 });
		expect(state.objects.has(`${BUCKET}/${other}`)).toBe(false);
		// the long-term account may write anywhere
		await client(ACCOUNT, { authorizationV4 }).put(other, Buffer.from('x'));
		expect(state.objects.has(`${BUCKET}/${other}`)).toBe(true);
	});

	test('rejects a clock more than 15 minutes off with RequestTimeTooSkewed', async () => {
		const { key, cred } = issue();
		const oss = client(stsTriple(cred), { authorizationV4 });
		(oss as unknown as { options: { amendTimeSkewed: number } }).options.amendTimeSkewed = -16 * 60 * 1000;
		const err = await rejection(oss.put(key, Buffer.from('x')));
		expect(err).toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
	});

	test('abort removes the upload: later ListParts and UploadPart get NoSuchUpload', async () => {
		const { key, cred } = issue();
		const oss = client(stsTriple(cred), { authorizationV4 });
		const { uploadId } = await oss.initMultipartUpload(key);
		await oss.uploadPart(key, uploadId, 1, bigFile.path, 0, 200 * 1024);
		expect(server.ossUploads.get(uploadId)!.parts.size).toBe(1);
		const abort = (await oss.abortMultipartUpload(key, uploadId)) as unknown as { res: { status: number } };
		expect(abort.res.status).toBe(204);
		expect(server.ossUploads.get(uploadId)).toMatchObject({ status: 'aborted' });

		expect(await rejection(listParts(oss, key, uploadId))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
		expect(await rejection(oss.uploadPart(key, uploadId, 2, bigFile.path, 0, 1024))).toMatchObject({
			code: 'NoSuchUpload',
		});
		expect(await rejection(oss.abortMultipartUpload(key, uploadId))).toMatchObject({ code: 'NoSuchUpload' });
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
	});
});

/** Sends a request through ali-oss's own signer with a hand-made body/headers (e.g. a bad part list). */
async function signedRequest(
	oss: OSS,
	method: string,
	key: string,
	options: { subres?: Record<string, string>; headers?: Record<string, string>; content?: string },
) {
	const internal = oss as unknown as {
		_objectRequestParams(m: string, k: string, o: object): Record<string, unknown>;
		request(p: object): Promise<{ status: number; data: Buffer; res: { headers: Record<string, string> } }>;
	};
	const params = internal._objectRequestParams(method, key, { subres: options.subres, headers: options.headers });
	params.successStatuses = [200];
	if (options.content !== undefined) {
		params.content = options.content;
		params.mime = 'xml';
	}
	return internal.request(params);
}

interface WireListParts {
	parts: Array<{ PartNumber: string; Size: string; ETag: string }>;
	isTruncated: string;
	nextPartNumberMarker: string;
	maxParts: string;
}

/** ali-oss listParts, typed as the XML really arrives (strings); @types/ali-oss says numbers. */
function listParts(oss: OSS, key: string, uploadId: string, query: Record<string, string> = {}) {
	return (oss as unknown as { listParts(k: string, u: string, q: object): Promise<WireListParts> }).listParts(
		key,
		uploadId,
		query,
	);
}

function partsXml(parts: Array<{ number: number; etag: string }>) {
	return `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${parts
		.map((p) => `<Part><PartNumber>${p.number}</PartNumber><ETag>${p.etag}</ETag></Part>`)
		.join('')}</CompleteMultipartUpload>`;
}

async function md5OfRange(path: string, start: number, end: number) {
	const hash = createHash('md5');
	await pipeline(createReadStream(path, { start, end: end - 1 }), hash);
	return hash.digest('hex');
}

test('an upload whose STS credential expires mid-way continues after RefreshUploadVideo with the same uploadId', async () => {
	state.faults = { stsTtlSeconds: 1 };
	const { videoId, address, auth } = await createUploadVideo('refresh.mp4');
	const ossWith = (a: typeof auth) =>
		new OSS({
			accessKeyId: a.AccessKeyId,
			accessKeySecret: a.AccessKeySecret,
			stsToken: a.SecurityToken,
			endpoint: address.Endpoint,
			bucket: address.Bucket,
			region: `oss-${a.Region}`,
		} as OSS.Options);
	const key = address.FileName;
	const first = ossWith(auth);
	const { uploadId } = await first.initMultipartUpload(key);
	const p1 = await first.uploadPart(key, uploadId, 1, bigFile.path, 0, MiB);
	await new Promise((resolve) => setTimeout(resolve, 1100));
	expect(await rejection(first.uploadPart(key, uploadId, 2, bigFile.path, MiB, 2 * MiB))).toMatchObject({
		code: 'SecurityTokenExpired',
		status: 403,
	});

	state.faults = {};
	const vod = openApiClient(emulator.vodEndpoint, emulator.accessKey);
	const refreshed = await callVod(vod, 'RefreshUploadVideo', { VideoId: videoId });
	const newAuth = JSON.parse(Buffer.from(refreshed.UploadAuth, 'base64').toString()) as typeof auth;
	expect(newAuth.AccessKeyId).not.toBe(auth.AccessKeyId);
	const second = ossWith(newAuth);
	const p2 = await second.uploadPart(key, uploadId, 2, bigFile.path, MiB, 2 * MiB);
	await second.completeMultipartUpload(key, uploadId, [
		{ number: 1, etag: p1.etag },
		{ number: 2, etag: p2.etag },
	]);
	const upload = server.ossUploads.get(uploadId)!;
	expect(upload.status).toBe('completed');
	expect(upload.parts.get(1)!.accessKeyId).toBe(auth.AccessKeyId);
	expect(upload.parts.get(2)!.accessKeyId).toBe(newAuth.AccessKeyId);
	expect(state.objects.get(`${address.Bucket}/${key}`)).toMatchObject({
		size: 2 * MiB,
		md5: await md5OfRange(bigFile.path, 0, 2 * MiB),
	});
});

describe('CompleteMultipartUpload rules', () => {
	const KB = 1024;

	test('InvalidPart for an unknown ETag, InvalidPartOrder for a descending list', async () => {
		const oss = client(ACCOUNT);
		const key = newKey();
		const { uploadId } = await oss.initMultipartUpload(key);
		const p1 = await oss.uploadPart(key, uploadId, 1, bigFile.path, 0, 200 * KB);
		const p2 = await oss.uploadPart(key, uploadId, 2, bigFile.path, 200 * KB, 400 * KB);

		const badEtag = await rejection(
			oss.completeMultipartUpload(key, uploadId, [
				{ number: 1, etag: p1.etag },
				{ number: 2, etag: '"00000000000000000000000000000000"' },
			]),
		);
		expect(badEtag).toMatchObject({ code: 'InvalidPart', status: 400 });
		const missing = await rejection(
			oss.completeMultipartUpload(key, uploadId, [
				{ number: 1, etag: p1.etag },
				{ number: 3, etag: p2.etag },
			]),
		);
		expect(missing).toMatchObject({ code: 'InvalidPart' });
		const descending = await rejection(
			signedRequest(oss, 'POST', key, {
				subres: { uploadId },
				content: partsXml([
					{ number: 2, etag: p2.etag },
					{ number: 1, etag: p1.etag },
				]),
			}),
		);
		expect(descending).toMatchObject({ code: 'InvalidPartOrder', status: 400 });
		const malformed = await rejection(signedRequest(oss, 'POST', key, { subres: { uploadId }, content: '<x/>' }));
		expect(malformed).toMatchObject({ code: 'MalformedXML', status: 400 });
		expect(server.ossUploads.get(uploadId)!.status).toBe('active');
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
	});

	test('EntityTooSmall unless every part but the last is ≥ 100 KB; re-uploading a number replaces it', async () => {
		const oss = client(ACCOUNT);
		const key = newKey();
		const { uploadId } = await oss.initMultipartUpload(key);
		const small = await oss.uploadPart(key, uploadId, 1, bigFile.path, 0, 50 * KB);
		const last = await oss.uploadPart(key, uploadId, 2, bigFile.path, 300 * KB, 310 * KB);
		const tooSmall = await rejection(
			oss.completeMultipartUpload(key, uploadId, [
				{ number: 1, etag: small.etag },
				{ number: 2, etag: last.etag },
			]),
		);
		expect(tooSmall).toMatchObject({ code: 'EntityTooSmall', status: 400 });

		const big = await oss.uploadPart(key, uploadId, 1, bigFile.path, 0, 100 * KB);
		expect(big.etag).toBe(`"${(await md5OfRange(bigFile.path, 0, 100 * KB)).toUpperCase()}"`);
		const stale = await rejection(
			oss.completeMultipartUpload(key, uploadId, [
				{ number: 1, etag: small.etag },
				{ number: 2, etag: last.etag },
			]),
		);
		expect(stale).toMatchObject({ code: 'InvalidPart' });
		await oss.completeMultipartUpload(key, uploadId, [
			{ number: 1, etag: big.etag },
			{ number: 2, etag: last.etag },
		]);
		const expected = createHash('md5');
		await pipeline(createReadStream(bigFile.path, { start: 0, end: 100 * KB - 1 }), expected, { end: false });
		await pipeline(createReadStream(bigFile.path, { start: 300 * KB, end: 310 * KB - 1 }), expected);
		expect(state.objects.get(`${BUCKET}/${key}`)).toMatchObject({
			size: 110 * KB,
			md5: expected.digest('hex'),
			partCount: 2,
			multipartUploadId: uploadId,
		});
		expect(server.ossUploads.get(uploadId)).toMatchObject({ status: 'completed', partUploads: 3 });
	});

	test('x-oss-complete-all: yes assembles every uploaded part in number order', async () => {
		const oss = client(ACCOUNT, { authorizationV4: true });
		const key = newKey();
		const { uploadId } = await oss.initMultipartUpload(key);
		await oss.uploadPart(key, uploadId, 7, bigFile.path, 200 * KB, 300 * KB);
		await oss.uploadPart(key, uploadId, 3, bigFile.path, 0, 200 * KB);
		const res = await signedRequest(oss, 'POST', key, {
			subres: { uploadId },
			headers: { 'x-oss-complete-all': 'yes' },
		});
		expect(res.status).toBe(200);
		expect(state.objects.get(`${BUCKET}/${key}`)).toMatchObject({
			size: 300 * KB,
			md5: await md5OfRange(bigFile.path, 0, 300 * KB),
		});
		expect(server.ossUploads.get(uploadId)!.completedParts).toEqual([3, 7]);
	});

	test('part numbers outside 1..10000 are refused', async () => {
		const oss = client(ACCOUNT);
		const key = newKey();
		const { uploadId } = await oss.initMultipartUpload(key);
		for (const n of [0, 10001]) {
			expect(await rejection(oss.uploadPart(key, uploadId, n, bigFile.path, 0, 10))).toMatchObject({
				code: 'InvalidArgument',
				status: 400,
			});
		}
		expect(server.ossUploads.get(uploadId)!.parts.size).toBe(0);
	});
});

test('ListParts pages past 1000 parts with part-number-marker', async () => {
	const oss = client(ACCOUNT);
	const key = newKey();
	const { uploadId } = await oss.initMultipartUpload(key);
	const numbers = Array.from({ length: 1003 }, (_, i) => i + 1);
	for (let i = 0; i < numbers.length; i += 25) {
		await Promise.all(
			numbers.slice(i, i + 25).map((n) => oss.uploadPart(key, uploadId, n, bigFile.path, n, n + 10)),
		);
	}
	const first = await listParts(oss, key, uploadId);
	expect(first.parts).toHaveLength(1000);
	expect(first).toMatchObject({ isTruncated: 'true', nextPartNumberMarker: '1000', maxParts: '1000' });
	const second = await listParts(oss, key, uploadId, { 'part-number-marker': first.nextPartNumberMarker });
	expect(second.parts.map((p) => Number(p.PartNumber))).toEqual([1001, 1002, 1003]);
	expect(second.isTruncated).toBe('false');
	const small = await listParts(oss, key, uploadId, { 'max-parts': '2', 'part-number-marker': '500' });
	expect(small.parts.map((p) => [p.PartNumber, p.Size])).toEqual([
		['501', '10'],
		['502', '10'],
	]);
	expect(await rejection(listParts(oss, key, uploadId, { 'max-parts': '1001' }))).toMatchObject({
		code: 'InvalidArgument',
	});
	await oss.abortMultipartUpload(key, uploadId);
});

describe('addressing, signed URLs and error shape', () => {
	test('path-style (sldEnable) lands on the same key as virtual-hosted', async () => {
		const key = newKey();
		await client(ACCOUNT, { sldEnable: true } as Partial<OSS.Options>).put(key, Buffer.from('sld'));
		expect(state.objects.get(`${BUCKET}/${key}`)).toMatchObject({ size: 3 });
		const got = await client(ACCOUNT).get(key);
		expect(Buffer.from(got.content).toString()).toBe('sld');
	});

	test('V4 AdditionalHeaders are part of the signature', async () => {
		const key = newKey();
		const oss = client(ACCOUNT, { authorizationV4: true });
		const result = await oss.put(key, Buffer.from('v4'), {
			headers: { 'x-custom-tag': 'abc' },
			additionalHeaders: ['x-custom-tag'],
		} as OSS.PutObjectOptions);
		expect(result.res.status).toBe(200);
	});

	test('signed GET URLs work, plain anonymous GET does not', async () => {
		const key = newKey();
		const body = randomBytes(3000);
		await client(ACCOUNT).put(key, body);
		const url = presignObjectUrl({ endpoint, bucket: BUCKET, key, credentials: ACCOUNT });
		const ok = await fetch(url);
		expect(ok.status).toBe(200);
		expect(Buffer.from(await ok.arrayBuffer()).equals(body)).toBe(true);

		const ranged = await fetch(url, { headers: { Range: 'bytes=100-199' } });
		expect(ranged.status).toBe(206);
		expect(Buffer.from(await ranged.arrayBuffer()).equals(body.subarray(100, 200))).toBe(true);

		const anonymous = await fetch(`${endpoint}/${BUCKET}/${key}`);
		expect(anonymous.status).toBe(403);
		expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');

		const tampered = await fetch(url.replace(/Signature=[^&]+/, 'Signature=AAAA'));
		expect(tampered.status).toBe(403);
		expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

		const expired = presignObjectUrl({ endpoint, bucket: BUCKET, key, credentials: ACCOUNT, expiresInSeconds: -5 });
		expect((await fetch(expired)).status).toBe(403);
	});

	test('SignatureDoesNotMatch answers XML with the StringToSign and the request id', async () => {
		const key = newKey();
		const date = new Date().toUTCString();
		const res = await fetch(`${endpoint}/${BUCKET}/${key}?uploads`, {
			method: 'POST',
			headers: { 'x-oss-date': date, Authorization: `OSS ${ACCOUNT.accessKeyId}:AAAA` },
		});
		expect(res.status).toBe(403);
		expect(res.headers.get('content-type')).toBe('application/xml');
		const requestId = res.headers.get('x-oss-request-id');
		expect(requestId).toMatch(/^[0-9A-F]{24}$/);
		const xml = await res.text();
		expect(xml).toContain('<Code>SignatureDoesNotMatch</Code>');
		expect(xml).toContain(`<RequestId>${requestId}</RequestId>`);
		expect(xml).toContain(`<StringToSign>POST\n\n\n${date}\nx-oss-date:${date}\n/${BUCKET}/${key}?uploads</StringToSign>`);
		expect(xml).toContain('<SignatureProvided>AAAA</SignatureProvided>');
		expect(xml).toContain(`<OSSAccessKeyId>${ACCOUNT.accessKeyId}</OSSAccessKeyId>`);
	});

	test('HEAD of a missing object is 404 NoSuchKey', async () => {
		expect(await rejection(client(ACCOUNT).head(newKey()))).toMatchObject({ code: 'NoSuchKey', status: 404 });
	});
});

describe('faults', () => {
	test('error503Rate answers 503 ServiceUnavailable and stores nothing', async () => {
		state.faults = { oss: { error503Rate: 1 } };
		const key = newKey();
		const err = await rejection(client(ACCOUNT).put(key, randomBytes(200 * 1024)));
		expect(err).toMatchObject({ code: 'ServiceUnavailable', status: 503 });
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
		expect(server.ossRequests.at(-1)).toMatchObject({ operation: 'PutObject', fault: 'error503', status: 503 });
	});

	test('dropRate cuts the connection mid-body and leaves no partial file', async () => {
		state.faults = { oss: { dropRate: 1 } };
		const key = newKey();
		const err = await rejection(client(ACCOUNT).put(key, randomBytes(MiB)));
		expect(err.status).toBe(-1);
		expect(state.objects.has(`${BUCKET}/${key}`)).toBe(false);
		await new Promise((resolve) => setTimeout(resolve, 50));
		const last = server.ossRequests.at(-1)!;
		expect(last).toMatchObject({ operation: 'PutObject', fault: 'drop' });
		expect(last.status).toBeUndefined(); // no answer was sent
		expect(readdirSync(join(state.dataDir, 'oss-tmp'))).toEqual([]);
	});

	test('latencyMs delays every answer', async () => {
		state.faults = { oss: { latencyMs: 300 } };
		const started = Date.now();
		await client(ACCOUNT).put(newKey(), Buffer.from('slow'));
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
	});

	test('a multipartUpload broken by 503s resumes from its checkpoint with the same uploadId', async () => {
		const { key, cred } = issue();
		const oss = client(stsTriple(cred), { authorizationV4: true });
		let checkpoint: OSS.Checkpoint | undefined;
		const err = await rejection(
			oss.multipartUpload(key, bigFile.path, {
				partSize: MiB,
				parallel: 2,
				progress: async (_p: number, cp: OSS.Checkpoint) => {
					checkpoint = cp;
					if (cp && cp.doneParts.length >= 5) state.faults = { oss: { error503Rate: 1 } };
				},
			}),
		);
		expect(err.status).toBe(503);
		state.faults = {};
		const uploadsForKey = () => [...server.ossUploads.values()].filter((u) => u.key === key);
		expect(uploadsForKey()).toHaveLength(1);
		const { uploadId } = uploadsForKey()[0];
		expect(uploadsForKey()[0].parts.size).toBeLessThan(21);

		await oss.multipartUpload(key, bigFile.path, { partSize: MiB, checkpoint });
		expect(uploadsForKey()).toHaveLength(1);
		expect(server.ossUploads.get(uploadId)!.status).toBe('completed');
		expect(state.objects.get(`${BUCKET}/${key}`)).toMatchObject({
			size: bigFile.size,
			md5: bigFile.md5,
			multipartUploadId: uploadId,
		});
	});
});

describe('targeted faults (faults.oss.at): one fault at the Nth request of an operation', () => {
	afterEach(() => emulator.setFaults({}));

	it('refuses before acting (503, expired token, dropBefore) or acts and cuts the answer (dropAfter)', async () => {
		const { key, cred } = issue();
		const oss = client(stsTriple(cred));
		const next = (ossRegistryOf(state)?.callCounts.get('PutObject') ?? 0) + 1;
		emulator.setFaults({
			oss: {
				at: [
					{ action: 'PutObject', call: next, kind: 'unavailable' },
					{ action: 'PutObject', call: next + 1, kind: 'tokenExpired' },
					{ action: 'PutObject', call: next + 2, kind: 'dropBefore' },
					{ action: 'PutObject', call: next + 3, kind: 'dropAfter' },
				],
			},
		});
		const stored = () => state.objects.get(`${BUCKET}/${key}`);
		expect(await rejection(oss.put(key, Buffer.from('first')))).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
		expect(stored()).toBeUndefined();
		expect(await rejection(oss.put(key, Buffer.from('second')))).toMatchObject({ status: 403, code: 'SecurityTokenExpired' });
		expect(stored()).toBeUndefined();
		expect((await rejection(oss.put(key, Buffer.from('cut')))).status).not.toBe(200);
		expect(stored()).toBeUndefined();
		const dropped = await rejection(oss.put(key, Buffer.from('third!')));
		expect(dropped.status).not.toBe(200);
		expect(stored()?.size).toBe(6); // it acted: the object is there, only the answer was lost
		await oss.put(key, Buffer.from('fourth'));
		expect(ossRegistryOf(state)?.callCounts.get('PutObject')).toBe(next + 4);
	});
});
