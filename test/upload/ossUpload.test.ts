import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import { streamUpload, StreamUploadError } from '../../nodes/AlibabaCloudVod/transport/oss/upload';
import { startOssOnly, type OssOnly } from './ossOnly';

const KiB = 1024;

/** yields `data` in random-sized chunks (1 byte .. 3× part size), as non-filesystem binary stores do */
async function* jagged(data: Buffer, maxChunk: number, delayEvery = 0) {
	let offset = 0;
	let n = 0;
	while (offset < data.length) {
		const size = 1 + Math.floor(Math.random() * maxChunk);
		yield data.subarray(offset, offset + size);
		offset += size;
		if (delayEvery && ++n % delayEvery === 0) await new Promise((r) => setTimeout(r, 5));
	}
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('streamUpload against the OSS emulator', () => {
	let oss: OssOnly;
	beforeAll(async () => {
		oss = await startOssOnly();
	});
	afterAll(async () => await oss.stop());
	afterEach(() => {
		oss.state.faults = {};
	});

	function stored(address: { bucket: string; objectKey: string }) {
		const object = oss.state.objects.get(`${address.bucket}/${address.objectKey}`);
		if (!object) throw new Error('object not stored');
		return { ...object, bytes: readFileSync(object.path) };
	}

	it('puts a source smaller than one part in a single request', async () => {
		const data = randomBytes(150 * KiB);
		const address = oss.address();
		const result = await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: jagged(data, 4 * KiB),
			sourceLabel: 'test',
			partSize: 256 * KiB,
			parallel: 3,
		});
		expect(result).toMatchObject({ bytes: data.length, partCount: 1, uploadId: undefined });
		expect(stored(address).md5).toBe(md5(data));
		expect(oss.server.ossRequests.filter((r) => r.key === address.objectKey).map((r) => r.operation)).toEqual([
			'PutObject',
		]);
	});

	it('refuses an empty source and stores nothing (an empty object would pass for an upload)', async () => {
		const address = oss.address();
		const error = await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: jagged(Buffer.alloc(0), 1),
			sourceLabel: 'test',
			partSize: 256 * KiB,
			parallel: 2,
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StreamUploadError);
		expect((error as StreamUploadError).message).toMatch(/it is empty \(0 bytes\); nothing was stored/);
		expect(() => stored(address)).toThrow();
	});

	it('re-chunks jagged input into exact parts, keeps at most `parallel` parts in flight', async () => {
		const partSize = 128 * KiB;
		const data = randomBytes(20 * partSize + 777);
		const address = oss.address();
		oss.state.faults = { oss: { latencyMs: 5 } };
		const result = await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: jagged(data, 3 * partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 3,
		});
		expect(result.partCount).toBe(21);
		const upload = oss.server.ossUploads.get(result.uploadId as string);
		expect(upload?.status).toBe('completed');
		const sizes = [...(upload?.parts.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber).map((p) => p.size);
		expect(sizes.slice(0, 20).every((s) => s === partSize)).toBe(true);
		expect(sizes[20]).toBe(777);
		expect(stored(address).md5).toBe(md5(data));

		// concurrency: never more than 3 UploadPart requests between their arrival and their answer
		const parts = oss.server.ossRequests.filter((r) => r.uploadId === result.uploadId && r.operation === 'UploadPart');
		expect(parts).toHaveLength(21);
	});

	it('renews expiring credentials from one place and keeps the uploadId through drops and 503s', async () => {
		const partSize = 128 * KiB;
		const data = randomBytes(60 * partSize);
		const address = oss.address();
		oss.state.faults = { stsTtlSeconds: 1, oss: { latencyMs: 40, dropRate: 0.08, error503Rate: 0.05 } };
		let renewCalls = 0;
		let concurrentRenewals = 0;
		let maxConcurrent = 0;
		const result = await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			renewCredentials: async () => {
				renewCalls++;
				concurrentRenewals++;
				maxConcurrent = Math.max(maxConcurrent, concurrentRenewals);
				await new Promise((r) => setTimeout(r, 30));
				concurrentRenewals--;
				return oss.issue(address);
			},
			source: jagged(data, partSize, 4),
			sourceLabel: 'test',
			partSize,
			parallel: 4,
			backoffMs: 20,
			maxAttempts: 8,
		});
		expect(stored(address).md5).toBe(md5(data));
		expect(maxConcurrent).toBe(1);
		expect(renewCalls).toBeGreaterThanOrEqual(1);
		expect(result.credentialRenewals).toBe(renewCalls);
		const uploads = [...oss.server.ossUploads.values()].filter((u) => u.key === address.objectKey);
		expect(uploads).toHaveLength(1);
		expect(uploads[0].uploadId).toBe(result.uploadId);
		const requests = oss.server.ossRequests.filter((r) => r.uploadId === result.uploadId);
		expect(requests.some((r) => r.fault === 'drop' || r.fault === 'error503')).toBe(true);
		// the parts were signed by more than one credential
		expect(new Set([...uploads[0].parts.values()].map((p) => p.accessKeyId)).size).toBeGreaterThan(1);
		expect(result.retries).toBeGreaterThan(0);
	});

	it('aborts the multipart upload when the source fails half-way and says how far it got', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		async function* failing() {
			yield randomBytes(5 * partSize);
			throw new Error('socket hang up');
		}
		const error = (await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: failing(),
			totalBytes: 10 * partSize,
			sourceLabel: 'URL http://example.test/a.mp4',
			partSize,
			parallel: 2,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error).toBeInstanceOf(StreamUploadError);
		expect(error.kind).toBe('source');
		expect(error.message).toContain('The source (URL http://example.test/a.mp4) stopped after 640 KiB of 1.25 MiB: socket hang up');
		expect(error.message).toContain('was aborted');
		expect(oss.server.ossUploads.get(error.uploadId as string)?.status).toBe('aborted');
		expect(oss.state.objects.has(`${address.bucket}/${address.objectKey}`)).toBe(false);
	});

	it('a refused renewal ahead of expiry is asked once, and the abort goes out with the credentials still valid', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		// OSS would take them for 3000 s; the upload believes they run out in 1.5 s, so it renews mid-upload
		const credentials = { ...oss.issue(address), expiresAt: Date.now() + 1500 };
		async function* slow() {
			for (let i = 0; i < 40; i++) {
				yield randomBytes(partSize);
				await new Promise((r) => setTimeout(r, 75));
			}
		}
		const refusal = new Error('VOD RefreshUploadVideo failed: InvalidSecurityToken.Expired – Specified SecurityToken is expired.');
		let renewCalls = 0;
		const error = (await streamUpload({
			http: httpRequest,
			address,
			credentials,
			renewCredentials: async () => {
				renewCalls++;
				throw refusal;
			},
			source: slow(),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
			backoffMs: 20,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error).toBeInstanceOf(StreamUploadError);
		expect(renewCalls).toBe(1);
		expect(error.cause).toBe(refusal);
		expect(error.message).toContain('InvalidSecurityToken.Expired');
		expect(error.aborted).toBe(true);
		expect(error.message).toContain('was aborted; nothing was stored');
		const aborts = oss.server.ossRequests.filter((r) => r.uploadId === error.uploadId && r.operation === 'AbortMultipartUpload');
		expect(aborts.map((r) => r.status)).toEqual([204]);
	});

	it('a ListParts answer cut in half is refused by the strict reader; Complete, which names every part, still checks them', async () => {
		const partSize = 128 * KiB;
		const data = randomBytes(5 * partSize);
		type Request = Parameters<typeof httpRequest>[0];
		const isListParts = (request: Request) => request.method === 'GET' && /uploadId=/.test(String(request.url));
		const isUploadPart = (request: Request) => request.method === 'PUT' && /partNumber=3&/.test(`${String(request.url)}&`);
		const cutting = (corruptPart3: boolean) => async (request: Request) => {
			const answer = (await httpRequest(request)) as { body: unknown; headers: Record<string, string> };
			if (isListParts(request)) return { ...answer, body: String(answer.body).slice(0, String(answer.body).length / 2) };
			// an ETag OSS never gave: only Complete can notice it
			if (corruptPart3 && isUploadPart(request)) return { ...answer, headers: { ...answer.headers, etag: '"00000000000000000000000000000000"' } };
			return answer;
		};
		const warnings: string[] = [];
		const logger = { info() {}, debug() {}, warn: (message: string) => warnings.push(message) };

		const address = oss.address();
		const result = await streamUpload({
			http: cutting(false),
			address,
			credentials: oss.issue(address),
			source: jagged(data, partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
			logger,
		});
		expect(result.partCount).toBe(5);
		expect(stored(address).md5).toBe(md5(data));
		expect(warnings.join('\n')).toMatch(/Could not list the uploaded parts .*unclosed <ListPartsResult>/);

		const corrupted = oss.address();
		const error = (await streamUpload({
			http: cutting(true),
			address: corrupted,
			credentials: oss.issue(corrupted),
			source: jagged(data, partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
			logger,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error).toBeInstanceOf(StreamUploadError);
		expect(error.message).toMatch(/Completing the multipart upload .*InvalidPart/);
		expect(error.aborted).toBe(true);
		expect(oss.state.objects.has(`${corrupted.bucket}/${corrupted.objectKey}`)).toBe(false);
	});

	it('aborts when the source ends short of its announced size', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		const error = (await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: jagged(randomBytes(3 * partSize), partSize),
			totalBytes: 4 * partSize,
			sourceLabel: 'test',
			partSize,
			parallel: 2,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error.message).toMatch(/stopped after 384 KiB of 512 KiB: it ended early/);
		expect(oss.server.ossUploads.get(error.uploadId as string)?.status).toBe('aborted');
	});

	it('aborts on cancel, cutting the parts in flight', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		oss.state.faults = { oss: { latencyMs: 200 } };
		const controller = new AbortController();
		setTimeout(() => controller.abort(), 600);
		const started = Date.now();
		const error = (await streamUpload({
			http: httpRequest,
			address,
			credentials: oss.issue(address),
			source: jagged(randomBytes(100 * partSize), partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
			signal: controller.signal,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error.kind).toBe('cancelled');
		expect(error.message).toMatch(/^The upload was cancelled after .* was aborted/);
		expect(Date.now() - started).toBeLessThan(3000);
		oss.state.faults = {};
		expect(oss.server.ossUploads.get(error.uploadId as string)?.status).toBe('aborted');
	});

	it('fails without retrying on a refused request and never shows the STS secret', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		const credentials = { ...oss.issue(address), accessKeySecret: 'wrong-secret-value-123456' };
		const error = (await streamUpload({
			http: httpRequest,
			address,
			credentials,
			source: jagged(randomBytes(3 * partSize), partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error.kind).toBe('storage');
		expect(error.message).toContain('SignatureDoesNotMatch');
		expect(error.message).not.toContain(credentials.securityToken);
		expect(error.message).not.toContain('wrong-secret-value-123456');
	});

	it('fails at once, untried, on an object key OSS cannot address', async () => {
		const address = oss.address('sv/../other/clip.mp4');
		let requests = 0;
		const error = (await streamUpload({
			http: async (request) => {
				requests++;
				return await httpRequest(request);
			},
			address,
			credentials: oss.issue(oss.address()),
			source: jagged(randomBytes(10 * KiB), KiB),
			sourceLabel: 'test',
			partSize: 256 * KiB,
			parallel: 2,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error).toBeInstanceOf(StreamUploadError);
		expect(error.kind).toBe('storage');
		expect(error.message).toMatch(/^Uploading sv\/\.\.\/other\/clip\.mp4 failed: The object key .* has a "\." or "\.\." segment$/);
		expect(requests).toBe(0);
	});

	it('calls an Initiate answer without an UploadId a storage failure, not the source', async () => {
		const partSize = 128 * KiB;
		const address = oss.address();
		const error = (await streamUpload({
			http: async (request) => {
				if (request.method === 'POST' && /\?uploads$/.test(request.url)) {
					return { statusCode: 200, headers: {}, body: '<InitiateMultipartUploadResult></InitiateMultipartUploadResult>' };
				}
				return await httpRequest(request);
			},
			address,
			credentials: oss.issue(address),
			source: jagged(randomBytes(3 * partSize), partSize),
			sourceLabel: 'test',
			partSize,
			parallel: 2,
		}).catch((e: unknown) => e)) as StreamUploadError;
		expect(error.kind).toBe('storage');
		expect(error.message).toContain('Starting the multipart upload');
		expect(error.message).toContain('without an UploadId');
		expect(error.uploadId).toBeUndefined();
	});
});
