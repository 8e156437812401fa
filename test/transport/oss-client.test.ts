/**
 * The draft OSS client (transport/oss/client.ts) against the emulator through n8n-core's real
 * httpRequest: answers come back with their headers, and failures carry the fields ali-oss gives
 * its errors for the same failure (so the upload's classification of failures holds), for answers,
 * dropped connections, timeouts and a cancel.
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import { OssRequestError, sendOssRequest } from '../../nodes/AlibabaCloudVod/transport/oss/client';
import {
	contentMd5,
	headObjectRequest,
	initiateMultipartUploadRequest,
	listPartsRequest,
	uploadPartRequest,
	type OssObjectTarget,
	type SignedOssRequest,
} from '../../nodes/AlibabaCloudVod/transport/oss/requests';
import { parseInitiateMultipartUpload } from '../../nodes/AlibabaCloudVod/transport/oss/xml';
import { startEmulator, type Emulator } from '../emulator';

const BUCKET = 'outin-0123456789abcdef0123456789abcdef';
let emulator: Emulator;

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {}); // ali-oss warns about stsToken without refresh
	emulator = await startEmulator();
});

afterAll(async () => {
	await emulator?.stop();
	jest.restoreAllMocks();
});

afterEach(() => emulator.setFaults({}));

function newTarget(secret?: string): OssObjectTarget {
	const key = `sv/${randomBytes(4).toString('hex')}/clip.mp4`;
	const sts = emulator.state.issueSts(BUCKET, key, randomBytes(16).toString('hex'));
	return {
		endpoint: emulator.ossEndpoint,
		bucket: BUCKET,
		key,
		region: 'cn-shanghai',
		credentials: { accessKeyId: sts.accessKeyId, accessKeySecret: secret ?? sts.accessKeySecret, securityToken: sts.securityToken },
	};
}

function aliOss(target: OssObjectTarget) {
	return new OSS({
		accessKeyId: target.credentials.accessKeyId,
		accessKeySecret: target.credentials.accessKeySecret,
		stsToken: target.credentials.securityToken,
		endpoint: target.endpoint,
		bucket: target.bucket,
		region: `oss-${target.region}`,
		authorizationV4: true,
		refreshSTSTokenInterval: 60 * 60 * 1000,
	} as OSS.Options) as unknown as {
		head(name: string): Promise<unknown>;
		listParts(name: string, uploadId: string): Promise<unknown>;
	};
}

async function failureOf(promise: Promise<unknown>) {
	try {
		await promise;
	} catch (error) {
		return error as { status?: number; code?: string; name?: string; requestId?: string; message: string };
	}
	throw new Error('expected a failure');
}

const send = async (request: SignedOssRequest, options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
	await sendOssRequest(httpRequest, request, { timeoutMs: options.timeoutMs ?? 10_000, signal: options.signal });

function fieldsOf(error: { status?: number; code?: string; name?: string }) {
	return { status: error.status, code: error.code, name: error.name };
}

test('answers with status, headers and body', async () => {
	const target = newTarget();
	const init = await send(initiateMultipartUploadRequest(target, {}, new Date()));
	expect(init.status).toBe(200);
	expect(init.headers['x-oss-request-id']).toMatch(/^[0-9A-F]{24}$/);
	const { uploadId } = parseInitiateMultipartUpload(init.body);
	const body = randomBytes(2000);
	const part = await send(uploadPartRequest(target, { uploadId, partNumber: 1, body, contentMd5: contentMd5(body) }, new Date()));
	expect(part.headers.etag).toMatch(/^"[0-9A-F]{32}"$/);
});

test.each([
	['a wrong secret (403)', () => newTarget('wrong-secret'), (t: OssObjectTarget) => headObjectRequest(t, new Date()), (t: OssObjectTarget) => aliOss(t).head(t.key)],
	['a missing object on HEAD (404, no body)', () => newTarget(), (t: OssObjectTarget) => headObjectRequest(t, new Date()), (t: OssObjectTarget) => aliOss(t).head(t.key)],
	['an unknown upload (404 NoSuchUpload)', () => newTarget(), (t: OssObjectTarget) => listPartsRequest(t, { uploadId: 'nope' }, new Date()), (t: OssObjectTarget) => aliOss(t).listParts(t.key, 'nope')],
])('%s fails with the fields ali-oss gives the same failure', async (_, target, ours, theirs) => {
	const t = target();
	const mine = await failureOf(send(ours(t)));
	const official = await failureOf(theirs(t));
	expect(mine).toBeInstanceOf(OssRequestError);
	expect(fieldsOf(mine)).toEqual(fieldsOf(official));
	expect(mine.requestId).toMatch(/^[0-9A-F]{24}$/);
	expect(mine.message).not.toContain(t.credentials.securityToken);
	expect(mine.message).not.toContain(t.credentials.accessKeySecret);
});

test('a 503 on a part, a dropped connection, a timeout and a cancel', async () => {
	const target = newTarget();
	const { uploadId } = parseInitiateMultipartUpload((await send(initiateMultipartUploadRequest(target, {}, new Date()))).body);
	const body = randomBytes(50_000);
	const part = () => uploadPartRequest(target, { uploadId, partNumber: 1, body, contentMd5: contentMd5(body) }, new Date());

	emulator.setFaults({ oss: { error503Rate: 1 } });
	expect(fieldsOf(await failureOf(send(part())))).toEqual({ status: 503, code: 'ServiceUnavailable', name: 'ServiceUnavailableError' });

	emulator.setFaults({ oss: { dropRate: 1 } });
	expect(fieldsOf(await failureOf(send(part())))).toEqual({ status: -1, code: 'RequestError', name: 'RequestError' });

	emulator.setFaults({ oss: { latencyMs: 1_000 } });
	expect(fieldsOf(await failureOf(send(part(), { timeoutMs: 100 })))).toEqual({
		status: -2,
		code: 'ResponseTimeoutError',
		name: 'ResponseTimeoutError',
	});

	const controller = new AbortController();
	setTimeout(() => controller.abort(), 100);
	const started = Date.now();
	expect(fieldsOf(await failureOf(send(part(), { signal: controller.signal })))).toEqual({
		status: 0,
		code: 'RequestAborted',
		name: 'RequestAbortedError',
	});
	expect(Date.now() - started).toBeLessThan(800);
	emulator.setFaults({});
	await new Promise((resolve) => setTimeout(resolve, 1_000)); // the emulator finishes the slow answers
});
