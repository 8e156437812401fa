/**
 * Secrets come back in more forms than they were sent: pasted with a trailing newline, echoed trimmed,
 * percent-encoded once or twice (in either hex case) by gateways, escaped inside JSON, or inside a
 * base64 `Authorization: Basic` value. None of these may survive the redactor — checked on random
 * secrets, and end to end through the VOD client and the credential test against an echoing server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import fc from 'fast-check';
import type { ICredentialsDecrypted } from 'n8n-workflow';
import type * as N8nCore from 'n8n-core';

import { chain, runWorkflow, startNode, vodNode } from '../harness';
import { propertyParams } from '../support/property';
import { alibabaCloudApiTest } from '../../nodes/AlibabaCloudVod/methods/credentialTest';
import { redactText, redactValue } from '../../nodes/AlibabaCloudVod/transport/redact';
import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import { toVodCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/request';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CredentialTestContext } = require('n8n-core') as typeof N8nCore;

const percentOnce = (text: string, lower: boolean) => {
	const encoded = encodeURIComponent(text);
	return lower ? encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()) : encoded;
};

/** The ways a gateway or server may hand a value back. */
const ENCODINGS: Record<string, (value: string) => string> = {
	raw: (v) => v,
	trimmed: (v) => v.trim(),
	percent: (v) => percentOnce(v, false),
	percentLower: (v) => percentOnce(v.trim(), true),
	percentTwice: (v) => encodeURIComponent(encodeURIComponent(v)),
	percentTwiceTrimmed: (v) => encodeURIComponent(encodeURIComponent(v.trim())),
	form: (v) => encodeURIComponent(v.trim()).replace(/%20/g, '+'),
	json: (v) => JSON.stringify({ echoed: v }),
	jsonTrimmedInText: (v) => `"token":${JSON.stringify(v.trim())}`,
	basicAuth: (v) => `Basic ${Buffer.from(`LTAIkey:${v.trim()}`).toString('base64')}`,
	basicAuthUrl: (v) => Buffer.from(`x${v}`).toString('base64url'),
};

/** Everything a reader could recover from the text: percent-decoded, JSON-unescaped, base64-decoded. */
function readings(text: string): string[] {
	const percentDecode = (t: string) =>
		t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
	const jsonUnescape = (t: string) =>
		t.replace(/\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g, (_, hex: string, c: string) =>
			hex ? String.fromCharCode(parseInt(hex, 16)) : (JSON.parse(`"\\${c}"`) as string),
		);
	const once = percentDecode(text);
	const out = [text, once, percentDecode(once), percentDecode(once).replace(/\+/g, ' '), jsonUnescape(text)];
	for (const run of text.match(/[A-Za-z0-9+/_-]{6,}={0,2}/g) ?? []) {
		for (let skip = 0; skip < 4; skip++) out.push(Buffer.from(run.slice(skip), 'base64').toString('latin1'));
	}
	return out;
}

// Secrets of letters, digits and the characters encoders treat specially; context text of lower-case
// words, so that a survivor can only have come from the secret.
const secretArb = fc
	.tuple(
		fc.string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789/+=%&?#:"\\ .~é视'.split('')), minLength: 8, maxLength: 48 }),
		fc.constantFrom('', '\n', ' ', '  \n', '\r\n', '\t'),
		fc.constantFrom('', ' ', '\n'),
	)
	.filter(([core]) => /[A-Z0-9]/.test(core.trim()) && core.trim().length >= 8)
	.map(([core, tail, head]) => head + core + tail);
const contextArb = fc.string({ unit: fc.constantFrom(...'abcdefghij ,:{}[]'.split('')), maxLength: 30 });

describe('redactText: random secrets in random encodings never survive', () => {
	test('text', () => {
		fc.assert(
			fc.property(
				secretArb,
				fc.constantFrom(...Object.keys(ENCODINGS)),
				contextArb,
				contextArb,
				(secret, encoding, before, after) => {
					const out = redactText(`${before}${ENCODINGS[encoding](secret)}${after}`, [secret]);
					for (const reading of readings(out)) expect(reading).not.toContain(secret.trim());
				},
			),
			propertyParams(500),
		);
	});

	test('nested data (error context, items)', () => {
		fc.assert(
			fc.property(secretArb, secretArb, (secret, token) => {
				const data = {
					vod: { Message: `token ${ENCODINGS.percentTwice(token)} / ${ENCODINGS.trimmed(secret)}` },
					list: [ENCODINGS.json(secret), { deep: ENCODINGS.basicAuth(token) }],
				};
				const out = JSON.stringify(redactValue(data, [secret, token]));
				for (const reading of readings(out)) {
					expect(reading).not.toContain(secret.trim());
					expect(reading).not.toContain(token.trim());
				}
			}),
			propertyParams(200),
		);
	});
});

describe('end to end: a gateway that echoes a padded secret in every form', () => {
	const secret = 'Padded/Secret+Value=42';
	const token = 'CAISpaddedToken/0123456789+abc==';
	let server: http.Server;
	let endpoint: string;

	beforeAll(async () => {
		server = http.createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				const echoed = String(req.headers['x-acs-security-token'] ?? '');
				const forms = Object.values(ENCODINGS).flatMap((encode) => [encode(echoed), encode(secret)]);
				res.writeHead(400, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ RequestId: 'r1', Code: 'InvalidParameter', Message: forms.join(' | ') }));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
		endpoint = `127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	});

	const data = () => ({
		accessKeyId: 'LTAIpadded\n',
		accessKeySecret: `${secret}\n`,
		securityToken: `  ${token}\n`,
		region: 'cn-shanghai',
		endpoint,
		protocol: 'HTTP',
	});

	test('the credential is used trimmed: what is sent carries no newline', () => {
		expect(toVodCredentials(data())).toMatchObject({ accessKeyId: 'LTAIpadded', accessKeySecret: secret, securityToken: token });
	});

	test('the VOD error (message, context.vod.Message) and the credential test message', async () => {
		const error = await callVodApi(httpRequest, toVodCredentials(data()), 'SearchMedia', {}, {
			retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
		}).catch((e: unknown) => e as Error);
		const result = await alibabaCloudApiTest.call(
			new CredentialTestContext(), // the context n8n gives a credential test: it sends the request
			{ id: '1', name: 'c', type: 'alibabaCloudApi', data: data() } as ICredentialsDecrypted,
		);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/InvalidParameter/);
		const text = [error.message, JSON.stringify(error), result.message].join('\n');
		for (const reading of readings(text)) {
			expect(reading).not.toContain(secret);
			expect(reading).not.toContain(token);
		}
	});

	test.each(['continueRegularOutput', 'stopWorkflow'])(
		'the error item or the execution error of a workflow (On Error: %s)',
		async (onError) => {
			const result = await runWorkflow({
				nodes: [
					startNode(),
					vodNode('VOD', { resource: 'media', operation: 'get', videoId: 'ffffffffffffffffffffffffffffffff' }, undefined, { onError }),
				],
				connections: chain('Start', 'VOD'),
				credentials: { alibabaCloudApi: data() },
			});
			const text = JSON.stringify([result.output('VOD'), result.error, result.error?.message, result.nodeError('VOD')]);
			expect(text).toMatch(/InvalidParameter/);
			for (const reading of readings(text)) {
				expect(reading).not.toContain(secret);
				expect(reading).not.toContain(token);
			}
		},
	);
});
