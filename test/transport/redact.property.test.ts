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
import { alibabaCloudVodApiTest } from '../../nodes/AlibabaCloudVod/methods/credentialTest';
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

/** HTML character references, as an HTML error page or a templated message writes them. */
const html = {
	hex: (v: string) => [...v].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`)).join(''),
	decimal: (v: string) => [...v].map((c) => `&#${c.codePointAt(0)};`).join(''),
	named: (v: string) =>
		v.replace(/[&<>"'/]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '/': '&sol;' })[c]!),
};
const asciiCase = (v: string, upper: boolean) => v.replace(upper ? /[a-z]+/g : /[A-Z]+/g, (run) => (upper ? run.toUpperCase() : run.toLowerCase()));

/** How a server may have cut the secret before encoding it. */
const CUTS: Record<string, (value: string) => string> = {
	whole: (v) => v,
	truncated: (v) => v.trim().slice(0, 14),
	splitByNewline: (v) => `${v.trim().slice(0, Math.floor(v.trim().length / 2))}\n${v.trim().slice(Math.floor(v.trim().length / 2))}`,
	splitByCrlfAndSpaces: (v) => `${v.trim().slice(0, 5)}\r\n  ${v.trim().slice(5)}`,
};
/** The encodings a server may apply, then percent-encode 0–3 times, then change the letter case of. */
const BASES: Record<string, (value: string) => string> = {
	raw: (v) => v,
	json: (v) => JSON.stringify(v),
	htmlHex: html.hex,
	htmlDecimal: html.decimal,
	htmlNamed: html.named,
	htmlTwice: (v) => html.named(html.hex(v)),
	form: (v) => encodeURIComponent(v).replace(/%20/g, '+'),
};
const percentTimes = (v: string, times: number) => {
	let out = v;
	for (let i = 0; i < times; i++) out = encodeURIComponent(out);
	return out;
};

/** Any run of `min(12, length)` characters of the secret, compared the way a reader would: any case, no white space. */
function leaks(text: string, secret: string): boolean {
	const key = (t: string) => asciiCase(t, false).replace(/[\s+\u00a0]/g, '');
	const wanted = key(secret);
	const run = Math.min(12, wanted.length);
	const decodedHtml = (t: string) =>
		t.replace(/&(?:#[xX]([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos|sol));/g, (_, hexCode, dec, name) =>
			hexCode || dec
				? String.fromCodePoint(hexCode ? parseInt(hexCode, 16) : Number(dec))
				: ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", sol: '/' } as Record<string, string>)[name],
		);
	const texts = [text, decodedHtml(text), decodedHtml(decodedHtml(text))];
	const all = texts.flatMap((t) => {
		const out = readings(t);
		let decoded = t;
		for (let pass = 0; pass < 3; pass++) {
			decoded = decoded.replace(/(?:%[0-9a-fA-F]{2})+/g, (r) => Buffer.from(r.replace(/%/g, ''), 'hex').toString('utf8'));
			out.push(decoded, decodedHtml(decoded));
		}
		for (const hexRun of t.match(/[0-9a-fA-F]{8,}/g) ?? []) {
			out.push(Buffer.from(hexRun, 'hex').toString('utf8'), Buffer.from(hexRun.slice(1), 'hex').toString('utf8'));
		}
		return out;
	});
	return all.some((reading) => {
		const k = key(reading);
		for (let i = 0; i + run <= wanted.length; i++) if (k.includes(wanted.slice(i, i + run))) return true;
		return false;
	});
}

describe('redactText: case changes, HTML, triple %-encoding, hex, truncated and split echoes', () => {
	test('random secrets, cut, encoded and re-cased at random, never survive', () => {
		fc.assert(
			fc.property(
				secretArb,
				fc.constantFrom(...Object.keys(CUTS)),
				fc.constantFrom(...Object.keys(BASES)),
				fc.integer({ min: 0, max: 3 }),
				fc.constantFrom('none', 'upper', 'lower'),
				contextArb,
				contextArb,
				(secret, cut, base, times, letterCase, before, after) => {
					let echoed = percentTimes(BASES[base](CUTS[cut](secret)), times);
					if (letterCase !== 'none') echoed = asciiCase(echoed, letterCase === 'upper');
					const out = redactText(`${before}${echoed}${after}`, [secret]);
					expect(leaks(out, secret)).toBe(false);
				},
			),
			propertyParams(600),
		);
	});

	test('hex of the secret (either case, whole or cut) never survives', () => {
		fc.assert(
			fc.property(secretArb, fc.constantFrom('whole', 'truncated'), fc.boolean(), contextArb, (secret, cut, upper, before) => {
				const hex = Buffer.from(CUTS[cut](secret).trim(), 'utf8').toString('hex');
				const out = redactText(`${before}${upper ? hex.toUpperCase() : hex} end`, [secret]);
				expect(leaks(out, secret)).toBe(false);
			}),
			propertyParams(300),
		);
	});

	test('the forms of the outside report, on an STS-like token', () => {
		const token = 'CAIS9wF1q6Ft5B2yfSjIr5bMLOnNpL1zgK2BY0/lh0Ue3tdcrYPK7Tz2IHhMenBvAO0cvPk/m25U7P8Zlrh';
		const forms = [
			token.toLowerCase(),
			token.toUpperCase(),
			encodeURIComponent(encodeURIComponent(encodeURIComponent(token))),
			token.replace(/\//g, '&#x2F;'),
			token.replace(/\//g, '&#47;'),
			`${token.slice(0, 30)}&amp;${token.slice(30)}`.replace('&amp;', '&amp;#x2F;'),
			Buffer.from(token).toString('hex'),
			token.slice(0, 14),
			`${token.slice(0, 40)}\n${token.slice(40)}`,
		];
		for (const form of forms) {
			const out = redactText(`Message: the token ${form} is invalid`, [token]);
			expect(out).toMatch(/^Message: the token .*\[redacted\].* is invalid$/);
			expect(leaks(out, token)).toBe(false);
		}
	});

	test('no false alarm: ordinary text and text sharing fewer than 12 characters with the secret stay', () => {
		const token = 'CAIS9wF1q6Ft5B2yfSjIr5bMLOnNpL1zgK2BY0/lh0Ue3tdcrYPK7Tz2IHhMenBvAO0cvPk';
		const text = `SignatureDoesNotMatch: CAIS9wF1q6F request 7E6B2A1C-0D3E-4F5A-8B9C-0123456789AB for https://vod.cn-shanghai.aliyuncs.com/?Action=GetVideoInfo`;
		expect(redactText(text, [token])).toBe(text);
		// a Referer is no random token: only its whole value is scrubbed, not the URL it shares a prefix with
		const referer = 'https://example.com/page';
		const message = 'Downloading URL https://example.com/a.mp4 failed (Referer https://example.com/page)';
		expect(redactText(message, [referer], { partialRuns: false })).toBe(
			'Downloading URL https://example.com/a.mp4 failed (Referer [redacted])',
		);
	});

	test('cost: a 2 kB message with a 1 kB token', () => {
		const token = Buffer.from(Array.from({ length: 768 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');
		const message = `${'x'.repeat(600)} ${encodeURIComponent(token)} ${'y'.repeat(50)}`.slice(0, 2048);
		const runs = 50;
		const started = process.hrtime.bigint();
		for (let i = 0; i < runs; i++) redactText(message, [token]);
		const perCallMs = Number(process.hrtime.bigint() - started) / 1e6 / runs;
		// printed for the record; bounded loosely, the machine is shared
		console.log(`redactText, 2 kB message, 1 kB token: ${perCallMs.toFixed(2)} ms per call`);
		expect(perCallMs).toBeLessThan(50);
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
		}).then(
			() => new Error('SearchMedia with a rejected key succeeded'),
			(e: unknown) => e as Error,
		);
		const result = await alibabaCloudVodApiTest.call(
			new CredentialTestContext(), // the context n8n gives a credential test: it sends the request
			{ id: '1', name: 'c', type: 'alibabaCloudVodApi', data: data() } as ICredentialsDecrypted,
		);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/InvalidParameter/);
		const text = [error.message, JSON.stringify(error), result.message].join('\n');
		for (const reading of readings(text)) {
			expect(reading).not.toContain(secret);
			expect(reading).not.toContain(token);
		}
	});

	test.each(['continueRegularOutput', 'stopWorkflow'] as const)(
		'the error item or the execution error of a workflow (On Error: %s)',
		async (onError) => {
			const result = await runWorkflow({
				nodes: [
					startNode(),
					vodNode('VOD', { resource: 'media', operation: 'get', videoId: 'ffffffffffffffffffffffffffffffff' }, undefined, { onError }),
				],
				connections: chain('Start', 'VOD'),
				credentials: { alibabaCloudVodApi: data() },
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
