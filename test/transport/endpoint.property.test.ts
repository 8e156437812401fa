/**
 * The credential's Endpoint is a host[:port] (a host name, an IPv4 or a bracketed IPv6 literal, an optional
 * port; http:// or https:// in front and one trailing "/" as before), and anything else is refused before a
 * request is made (outside pass, finding 8: a query or fragment became a signature error, user info went into
 * the Host header or became Basic auth, a path was ignored). The property runs generated endpoints through
 * callVodApi with a requester that records what would be sent: nothing with user info, a path, a query or a
 * fragment of the Endpoint ever is. The node's items and the credential test refuse the same way (below, and
 * test/credentials).
 */
import fc from 'fast-check';

import type { IHttpRequestOptions } from 'n8n-workflow';

import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { VodApiError } from '../../nodes/AlibabaCloudVod/transport/vod/errors';
import { toVodCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/request';
import type { AlibabaCloudApiCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/types';
import { startEmulator, type Emulator } from '../emulator';
import { chain, connect, emulatorCredentials, jobStatusNode, runWorkflow, startNode, vodNode } from '../harness';
import { propertyParams } from '../support/property';

const SIGNED_PARAMS = new Set(['SearchType', 'PageNo', 'PageSize']);

async function sentFor(endpoint: string, region = 'cn-shanghai', protocol: string | undefined = 'HTTP') {
	const sent: IHttpRequestOptions[] = [];
	// as the nodes read the credential
	const credentials: AlibabaCloudApiCredentials = toVodCredentials({
		accessKeyId: 'AKID0001',
		accessKeySecret: 'secret-0001',
		region,
		endpoint,
		...(protocol === undefined ? {} : { protocol }),
	});
	const http = async (options: IHttpRequestOptions) => {
		sent.push(options);
		return { statusCode: 200, headers: {}, body: '{"RequestId":"r"}' };
	};
	let refusal: VodApiError | undefined;
	try {
		await callVodApi(http, credentials, 'SearchMedia', { SearchType: 'video', PageNo: 1, PageSize: 1 }, { retry: { maxAttempts: 1 } });
	} catch (error) {
		if (!(error instanceof VodApiError)) throw error;
		refusal = error;
	}
	return { sent, refusal };
}

const hostName = fc.domain();
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().map((address) => `[${address}]`);
const oddHost = fc.constantFrom('127.1', '0x7f.0.0.1', '127.000.0.1', '12345', 'a..b', '-a.com', 'host.', '', 'a b', 'ä.com');

const endpointParts = fc.record({
	scheme: fc.constantFrom('', 'http://', 'https://', 'HTTPS://', 'ftp://', 'file://', '//'),
	userInfo: fc.constantFrom('', '', 'u:p@', 'user@', ':@', '127.0.0.1:18012@'),
	host: fc.oneof(hostName, ipv4, ipv6, oddHost, fc.string({ maxLength: 12 })),
	port: fc.option(fc.integer({ min: 0, max: 70_000 }), { nil: undefined }),
	path: fc.constantFrom('', '', '/', '/some/path', '\\x', '//'),
	query: fc.constantFrom('', '', '?x=1', '?'),
	fragment: fc.constantFrom('', '', '#f', '#'),
	padding: fc.constantFrom('', ' ', '\t'),
});

type Parts = typeof endpointParts extends fc.Arbitrary<infer T> ? T : never;

const joined = (p: Parts) => `${p.padding}${p.scheme}${p.userInfo}${p.host}${p.port !== undefined ? `:${p.port}` : ''}${p.path}${p.query}${p.fragment}${p.padding}`;

/** user info, a path, a query or a fragment, a scheme other than http(s), or a port outside 1–65535 */
const mustBeRefused = (p: Parts) =>
	p.userInfo !== '' ||
	!['', '/'].includes(p.path) ||
	p.query !== '' ||
	p.fragment !== '' ||
	!['', 'http://', 'https://', 'HTTPS://'].includes(p.scheme) ||
	(p.port !== undefined && (p.port < 1 || p.port > 65_535));

test('whatever Endpoint is typed, nothing with user info, a path, a query or a fragment is sent', async () => {
	await fc.assert(
		fc.asyncProperty(endpointParts, async (parts) => {
			const endpoint = joined(parts);
			const { sent, refusal } = await sentFor(endpoint);
			if (refusal) {
				expect(sent).toHaveLength(0);
				expect(refusal.details.code).toMatch(/^Invalid(Endpoint|Region)$/);
				expect(refusal.details.hint).toMatch(/Endpoint|Region/);
				if (parts.userInfo) expect(refusal.message).not.toContain(parts.userInfo);
				return;
			}
			expect(mustBeRefused(parts)).toBe(false);
			expect(sent).toHaveLength(1);
			const url = new URL(sent[0].url);
			expect([url.username, url.password, url.hash]).toEqual(['', '', '']);
			expect(url.pathname).toBe('/');
			expect([...url.searchParams.keys()].every((name) => SIGNED_PARAMS.has(name))).toBe(true);
			// the host signed (Host header) is the host connected to
			const signedHost = (sent[0].headers as Record<string, string>).host;
			expect(new URL(`${url.protocol}//${signedHost}/`).host).toBe(url.host);
			if (parts.host && !parts.host.startsWith('[') && (parts.host === (parts.host.match(/^[\w.-]+$/) ?? [])[0])) {
				expect(signedHost.toLowerCase()).toBe(`${parts.host}${parts.port !== undefined ? `:${parts.port}` : ''}`.toLowerCase());
			}
		}),
		propertyParams(500),
	);
});

test('host names, IPv4 and IPv6 literals with or without a port, scheme and trailing "/", are accepted', async () => {
	await fc.assert(
		fc.asyncProperty(
			fc.oneof(hostName, ipv4, ipv6),
			fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
			fc.constantFrom('', 'http://', 'https://'),
			fc.constantFrom('', '/'),
			async (host, port, scheme, slash) => {
				const { sent, refusal } = await sentFor(`${scheme}${host}${port !== undefined ? `:${port}` : ''}${slash}`);
				expect(refusal?.message).toBeUndefined();
				expect(sent).toHaveLength(1);
				expect(sent[0].url.startsWith(scheme === 'https://' ? 'https://' : 'http://')).toBe(true);
			},
		),
		propertyParams(300),
	);
});

test('a host name with one trailing dot (fully qualified) is accepted and signed as typed', async () => {
	await fc.assert(
		fc.asyncProperty(hostName, fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }), async (host, port) => {
			const authority = `${host}.${port !== undefined ? `:${port}` : ''}`;
			const { sent, refusal } = await sentFor(authority);
			expect(refusal?.message).toBeUndefined();
			expect((sent[0].headers as Record<string, string>).host).toBe(authority);
			expect(new URL(sent[0].url).host).toBe(authority.toLowerCase());
		}),
		propertyParams(200),
	);
});

test.each([
	['127.0.0.1.:35697', /an IP address with a trailing dot/],
	['10.0.0.1.', /an IP address with a trailing dot/],
	['host..:35697', /not a host name or IP address/],
	['127.0.0.1:35697?x=1', /contains a query/],
	['127.0.0.1:35697#f', /contains a fragment/],
	['127.0.0.1:18012@127.0.0.1:35697', /contains a user name or password/],
	['u:p@127.0.0.1:35697', /contains a user name or password/],
	['127.0.0.1:35697/some/path', /contains a path/],
	['ftp://127.0.0.1:35697', /only http:\/\/ or https:\/\//],
	['127.0.0.1:0', /outside 1–65535/],
	['127.1:35697', /not a host name or IP address/],
])('%s is refused naming what is wrong and the fix', async (endpoint, problem) => {
	const { sent, refusal } = await sentFor(endpoint);
	expect(sent).toHaveLength(0);
	expect(refusal?.message).toMatch(problem);
	expect(refusal?.message).toMatch(/^VOD SearchMedia failed: InvalidEndpoint – The Endpoint of the Alibaba Cloud API credential /);
	expect(refusal?.details.hint).toMatch(/^Set the Endpoint of the Alibaba Cloud API credential to a host name or IP address/);
	expect(refusal?.message).not.toContain('u:p');
});

test('a Region that is not a region ID is refused too (it becomes part of the host)', async () => {
	const { sent, refusal } = await sentFor('', 'x.example.com/');
	expect(sent).toHaveLength(0);
	expect(refusal?.details.code).toBe('InvalidRegion');
});

test.each([
	['http', 'http://'],
	['Http', 'http://'],
	[' HTTP ', 'http://'],
	['https', 'https://'],
	['HTTPS', 'https://'],
	['', 'https://'],
])('Protocol %j is read case-insensitively', async (protocol, scheme) => {
	const { sent, refusal } = await sentFor('127.0.0.1:35697', 'cn-shanghai', protocol);
	expect(refusal?.message).toBeUndefined();
	expect(sent[0].url.startsWith(scheme)).toBe(true);
});

test.each(['ftp', 'HTTP2', 'htps'])('Protocol %j is refused naming the Protocol field', async (protocol) => {
	const { sent, refusal } = await sentFor('127.0.0.1:35697', 'cn-shanghai', protocol);
	expect(sent).toHaveLength(0);
	expect(refusal?.details.code).toBe('InvalidProtocol');
	expect(refusal?.message).toMatch(/The Protocol of the Alibaba Cloud API credential is neither HTTPS nor HTTP/);
	expect(refusal?.details.hint).toMatch(/^Set the Protocol of the Alibaba Cloud API credential to HTTPS/);
});

describe('in the nodes', () => {
	let emulator: Emulator;
	beforeAll(async () => {
		emulator = await startEmulator();
	});
	afterAll(async () => await emulator?.stop());

	test('Media → Get and Job Status items fail naming the Endpoint, and VOD sees no call', async () => {
		const port = emulator.vodEndpoint.split(':')[1];
		const credentials = emulatorCredentials({ ...emulator, vodEndpoint: `u:p@127.0.0.1:${port}/some/path` });
		const result = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('VOD', { resource: 'media', operation: 'get', videoId: 'abc123' }, undefined, { onError: 'continueRegularOutput' }),
				jobStatusNode('Status', { mode: 'once', lookUpBy: 'jobId', jobId: 'ffffffffffffffffffffffffffffffff' }, undefined, {
					onError: 'continueRegularOutput',
				}),
			],
			connections: connect(chain('Start', 'VOD'), 'Start', 'Status'),
			credentials,
		});
		// Job Status puts a failed lookup on its Failed output
		for (const [name, output] of [['VOD', 0], ['Status', 1]] as const) {
			const [item] = result.output(name, output);
			expect(`${String(item.json.error)} ${String(item.json.description ?? '')}`).toMatch(
				/The Endpoint of the Alibaba Cloud API credential contains a user name or password.*Set the Endpoint/,
			);
		}
		expect(emulator.state.vodCalls).toEqual({});
	});

	test.each(['localhost.', '127.0.0.1.'])('Job Status with the Endpoint %s:PORT', async (host) => {
		const port = emulator.vodEndpoint.split(':')[1];
		const result = await runWorkflow({
			nodes: [
				startNode(),
				jobStatusNode('Status', { mode: 'once', lookUpBy: 'jobId', jobId: 'ffffffffffffffffffffffffffffffff' }, undefined, {
					onError: 'continueRegularOutput',
				}),
			],
			connections: chain('Start', 'Status'),
			credentials: emulatorCredentials({ ...emulator, vodEndpoint: `${host}:${port}` }),
		});
		const [item] = result.output('Status', 1);
		if (host === 'localhost.') {
			// accepted and looked up as typed (this machine's resolver may not know "localhost." itself)
			expect(item.json.code).not.toBe('InvalidEndpoint');
			expect(item.json.status ?? String(item.json.error)).toMatch(/NOT_FOUND|localhost\./);
		} else {
			expect(String(item.json.error)).toMatch(/IP address with a trailing dot/);
		}
	});
});
