/**
 * Secrets (AccessKey secret, STS token) never appear in anything the transport lets out: error
 * message, description, stack, JSON of the error, n8n's NodeApiError, or log lines. Checked with the
 * real SDK against the emulator, and against a hostile server that echoes the secrets back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INode, Logger } from 'n8n-workflow';

import { startEmulator, type Emulator } from '../emulator';
import { redactText, redactValue, REDACTED } from '../../nodes/AlibabaCloudVod/transport/redact';
import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import { VodApiError } from '../../nodes/AlibabaCloudVod/transport/vod/errors';
import { toNodeApiError } from '../../nodes/AlibabaCloudVod/transport/vod/request';
import type { AlibabaCloudApiCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/types';

const node: INode = {
	id: 'n',
	name: 'Alibaba Cloud VOD',
	type: 'n8n-nodes-alibaba-vod.alibabaCloudVod',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

let emulator: Emulator;
let base: AlibabaCloudApiCredentials;

beforeAll(async () => {
	emulator = await startEmulator();
	base = { ...emulator.accessKey, region: 'cn-shanghai', endpoint: emulator.vodEndpoint, protocol: 'HTTP' };
});

afterAll(async () => {
	await emulator?.stop();
});

function captureLogger() {
	const lines: string[] = [];
	const log = (message: string, meta?: object) => lines.push(message + (meta ? JSON.stringify(meta) : ''));
	const logger = { debug: log, info: log, warn: log, error: log } as unknown as Logger;
	return { lines, logger };
}

async function vodFailure(credentials: AlibabaCloudApiCredentials, logger?: Logger) {
	const error = await callVodApi(
		httpRequest,
		credentials,
		'GetURLUploadInfos',
		{ JobIds: 'ffffffffffffffffffffffffffffffff' },
		{ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, logger },
	).catch((e: unknown) => e);
	expect(error).toBeInstanceOf(VodApiError);
	return error as VodApiError;
}

/** Every text an error can show: message, description, stack, JSON, and n8n's view of it. */
function everyText(error: VodApiError) {
	const nodeError = toNodeApiError(node, error, 0);
	return [
		error.message,
		error.stack ?? '',
		JSON.stringify(error),
		JSON.stringify(error.details),
		nodeError.message,
		nodeError.description ?? '',
		nodeError.stack ?? '',
		JSON.stringify(nodeError),
		JSON.stringify(nodeError.errorResponse ?? {}),
		JSON.stringify(nodeError.context),
		JSON.stringify(nodeError.messages),
		String(nodeError.cause ?? ''),
	].join('\n');
}

it('a wrong AccessKey Secret: SignatureDoesNotMatch, with the fix and without the secret', async () => {
	const secret = 'Wr0ngSecretValue-ThatMustNeverLeak';
	const { lines, logger } = captureLogger();
	const error = await vodFailure({ ...base, accessKeySecret: secret }, logger);
	expect(error.details.code).toBe('SignatureDoesNotMatch');
	expect(error.details.attempts).toBe(1);
	expect(error.details.hint).toMatch(/AccessKey Secret does not match/);
	const text = everyText(error) + lines.join('\n');
	expect(text).toContain('SignatureDoesNotMatch');
	expect(text).not.toContain(secret);
	expect(text).not.toContain(encodeURIComponent(secret));
});

it('an unknown AccessKey ID: InvalidAccessKeyId.NotFound, pointing at the ID and the region/endpoint', async () => {
	const error = await vodFailure({ ...base, accessKeyId: 'LTAI-unknown-key' });
	expect(error.details).toMatchObject({ code: 'InvalidAccessKeyId.NotFound', httpStatus: 404 });
	expect(error.details.hint).toMatch(/Check the AccessKey ID/);
	expect(error.details.hint).toMatch(/Region \/ Endpoint \(now http:\/\/127\.0\.0\.1:\d+\)/);
});

it('an STS token that does not belong to the key: renew it, and the token is not shown', async () => {
	const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
	const wrongToken = `CAIS${'x'.repeat(40)}WrongToken`;
	const { lines, logger } = captureLogger();
	const error = await vodFailure(
		{ ...base, accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: wrongToken },
		logger,
	);
	expect(error.details.code).toMatch(/^InvalidSecurityToken/);
	expect(error.details.hint).toMatch(/Request a new STS token/);
	const text = everyText(error) + lines.join('\n');
	for (const secret of [wrongToken, sts.accessKeySecret, sts.securityToken]) {
		expect(text).not.toContain(secret);
	}
});

describe('a server that echoes the secrets back', () => {
	let server: http.Server;
	let endpoint: string;
	const secret = 'EchoedSecret/With+Special=Chars';
	const token = 'CAISEchoedStsToken0123456789abcdef==';

	beforeAll(async () => {
		server = http.createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				const echoed = String(req.headers['x-acs-security-token'] ?? '');
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(
					JSON.stringify({
						RequestId: `req-${echoed}`,
						HostId: `host ${secret}`,
						Code: `InternalError`,
						Message: `token ${echoed} secret ${secret} url-encoded ${encodeURIComponent(secret)} header x-acs-security-token: ${echoed}`,
						Recommend: `https://api.aliyun.com/troubleshoot?SecurityToken=${encodeURIComponent(echoed)}`,
					}),
				);
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
		endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
	});

	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	});

	it('scrubs them from every field, the NodeApiError and the log', async () => {
		const { lines, logger } = captureLogger();
		const error = await vodFailure(
			{ accessKeyId: 'LTAIEcho', accessKeySecret: secret, securityToken: token, region: 'cn-shanghai', endpoint, protocol: 'HTTP' },
			logger,
		);
		expect(error.details.code).toBe('InternalError');
		expect(error.details.attempts).toBe(2); // a read: retried once under this policy
		expect(lines.length).toBeGreaterThan(0);
		const text = everyText(error) + lines.join('\n');
		expect(text).toContain(REDACTED);
		for (const form of [secret, token, encodeURIComponent(secret), encodeURIComponent(token)]) {
			expect(text).not.toContain(form);
		}
	});
});

describe('redactText / redactValue', () => {
	it('replaces raw, URL- and form-encoded forms, longest first, and keyed leftovers', () => {
		const secret = 'a b+c/d';
		const text = `raw ${secret} enc ${encodeURIComponent(secret)} form a+b%2Bc%2Fd AccessKeySecret=zzz SecurityToken: "yyy"`;
		const out = redactText(text, [secret]);
		expect(out).not.toContain(secret);
		expect(out).not.toContain(encodeURIComponent(secret));
		expect(out).not.toContain('a+b%2Bc%2Fd');
		expect(out).not.toContain('zzz');
		expect(out).not.toContain('yyy');
	});

	it('deep-copies data with every string scrubbed and cycles dropped', () => {
		const data: Record<string, unknown> = { a: 'x TOKEN123 y', list: ['TOKEN123'], nested: { b: 'TOKEN123' } };
		data.self = data;
		const out = redactValue(data, ['TOKEN123']);
		expect(JSON.stringify(out)).not.toContain('TOKEN123');
		expect(out.self).toBeUndefined();
	});

	it('leaves text alone when there is nothing to scrub (short or empty secrets are ignored)', () => {
		expect(redactText('plain message', ['', 'ab'])).toBe('plain message');
	});
});
