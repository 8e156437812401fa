/**
 * streamUpload over n8n-core's real request helper against the OSS emulator, searched with fast-check
 * over sizes, part sizes, parallelism, chunkings and faults (503s, dropped connections, failures
 * before a request leaves, credentials that run out, a cancel at a random moment). Whatever happens:
 * - success stores exactly the source, through one multipart upload (or one PUT);
 * - failure is a StreamUploadError, the multipart upload it started is aborted and nothing is stored;
 * - never more than `parallel` parts in flight, and the source is read at most
 *   (parallel + 1) parts and one chunk ahead of what OSS has stored (backpressure);
 * - no message carries the STS secret or token.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import type { IHttpRequestOptions } from 'n8n-workflow';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import { streamUpload, StreamUploadError } from '../../nodes/AlibabaCloudVod/transport/oss/upload';
import { propertyParams } from '../support/property';
import { startOssOnly, type OssOnly } from './ossOnly';

const KiB = 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

interface Scenario {
	parts: number;
	tail: number;
	partKiB: number;
	parallel: number;
	maxChunkKiB: number;
	error503Rate: number;
	dropRate: number;
	/** requests failed before they leave, as a refused connection would */
	refuseRate: number;
	shortCredentials: boolean;
	cancelAfterMs?: number;
	seed: number;
}

const scenarios = fc.record<Scenario>({
	parts: fc.integer({ min: 0, max: 9 }),
	tail: fc.integer({ min: 0, max: 100 * KiB }),
	partKiB: fc.constantFrom(100, 128, 160),
	parallel: fc.integer({ min: 1, max: 5 }),
	maxChunkKiB: fc.integer({ min: 1, max: 400 }),
	error503Rate: fc.constantFrom(0, 0.1, 0.2),
	dropRate: fc.constantFrom(0, 0.1),
	refuseRate: fc.constantFrom(0, 0.1),
	shortCredentials: fc.boolean(),
	cancelAfterMs: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
	seed: fc.integer(),
});

/** deterministic bytes and chunk sizes from the scenario's seed */
function random(seed: number) {
	let state = seed >>> 0 || 1;
	return () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
}

describe('streamUpload under faults (property)', () => {
	let oss: OssOnly;
	beforeAll(async () => {
		oss = await startOssOnly();
	});
	afterAll(async () => await oss.stop());

	it('stores the exact source or aborts, within `parallel` parts in flight and bounded read-ahead', async () => {
		await fc.assert(
			fc.asyncProperty(scenarios, async (s) => {
				const next = random(s.seed);
				const partSize = s.partKiB * KiB;
				const data = Buffer.from(Array.from({ length: s.parts * partSize + s.tail }, () => Math.floor(next() * 256)));
				const address = oss.address();
				oss.state.faults = {
					stsTtlSeconds: s.shortCredentials ? 1 : undefined,
					oss: { error503Rate: s.error503Rate, dropRate: s.dropRate, latencyMs: 5 },
				};
				let credentials = oss.issue(address);
				const secrets = [credentials.accessKeySecret, credentials.securityToken];

				let pulled = 0;
				let stored = 0;
				let worstAhead = 0;
				let lastChunk = 0;
				async function* source() {
					for (let offset = 0; offset < data.length; ) {
						const size = 1 + Math.floor(next() * s.maxChunkKiB * KiB);
						const chunk = data.subarray(offset, offset + size);
						offset += chunk.length;
						pulled += chunk.length;
						lastChunk = chunk.length;
						worstAhead = Math.max(worstAhead, pulled - stored - lastChunk);
						yield chunk;
					}
				}
				let inFlight = 0;
				let worstInFlight = 0;
				const http = async (request: IHttpRequestOptions) => {
					if (next() < s.refuseRate) {
						throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' });
					}
					const isPart = /[?&]partNumber=/.test(request.url);
					if (isPart) worstInFlight = Math.max(worstInFlight, ++inFlight);
					try {
						const answer = (await httpRequest(request)) as { statusCode: number };
						if (isPart && answer.statusCode === 200) stored += (request.body as Buffer).length;
						return answer;
					} finally {
						if (isPart) inFlight--;
					}
				};
				const controller = new AbortController();
				if (s.cancelAfterMs !== undefined) setTimeout(() => controller.abort(), s.cancelAfterMs);

				let result;
				let failure: unknown;
				try {
					result = await streamUpload({
						http,
						address,
						credentials,
						renewCredentials: async () => {
							credentials = oss.issue(address);
							secrets.push(credentials.accessKeySecret, credentials.securityToken);
							return credentials;
						},
						source: source(),
						totalBytes: data.length,
						sourceLabel: 'test',
						partSize,
						parallel: s.parallel,
						maxAttempts: 8,
						backoffMs: 5,
						signal: controller.signal,
					});
				} catch (error) {
					failure = error;
				}
				oss.state.faults = {};

				expect(worstInFlight).toBeLessThanOrEqual(s.parallel);
				expect(worstAhead).toBeLessThanOrEqual((s.parallel + 1) * partSize);
				const object = oss.state.objects.get(`${address.bucket}/${address.objectKey}`);
				const uploads = [...oss.server.ossUploads.values()].filter((u) => u.key === address.objectKey);
				expect(uploads.length).toBeLessThanOrEqual(1);
				if (result) {
					expect(object && md5(readFileSync(object.path))).toBe(md5(data));
					expect(result.bytes).toBe(data.length);
					if (uploads.length) expect(uploads[0]).toMatchObject({ uploadId: result.uploadId, status: 'completed' });
					return;
				}
				expect(failure).toBeInstanceOf(StreamUploadError);
				const error = failure as StreamUploadError;
				if (data.length === 0) expect(error.message).toMatch(/it is empty/);
				for (const secret of secrets) expect(error.message).not.toContain(secret);
				if (error.aborted || !error.uploadId) expect(object).toBeUndefined();
				// an object OSS holds after a failure: the error says the outcome is unknown, never "Uploading"
				if (object) expect(error.maybeStored).toBe(true);
				if (error.aborted) {
					expect(uploads[0]).toMatchObject({ uploadId: error.uploadId, status: 'aborted' });
				} else if (error.uploadId) {
					// a failure (a cancel) while Complete was under way: OSS may finish it, and the message must not
					// claim that nothing was stored
					expect(error.message).toMatch(/may have stored the file|Aborting the multipart upload .* failed too/);
					if (/may have stored the file/.test(error.message)) expect(uploads[0]?.status).not.toBe('active');
				}
			}),
			propertyParams(25),
		);
	}, 120_000);
});
