/**
 * Upload from URL tells a compressed answer from the file as stored, whatever shape n8n hands the download
 * over in. n8n 1.x (axios 1.12) gives the HTTP message itself as the body, with its rawHeaders, unless it
 * unpacked the body; n8n 2.x (axios 1.18 in @n8n/backend-network) always gives a stream it made,
 * `stream.Readable.from(…)` over the message, without rawHeaders. Every answer here is a real download
 * through n8n-core's own httpRequest from a loopback server sending the Content-Encoding generated; the
 * 2.x shape is that body wrapped as axios 1.18 wraps it. (Outside test atk13, finding 1: in n8n 2.41.1
 * every upload from a URL was refused as "compressed".)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

import type { IExecuteFunctions, IN8nHttpFullResponse, INodeExecutionData } from 'n8n-workflow';

import fc from 'fast-check';

import { contentEncodingOf } from '../../nodes/AlibabaCloudVod/helpers/contentEncoding';
import { propertyParams } from '../support/property';
import { chain, functionNode, runWorkflow, startNode } from '../harness';
import { asAxios118Stream } from '../harness/n8n2Downloads';

let server: http.Server;
let base: string;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		const lines = new URL(req.url ?? '/', 'http://x').searchParams.getAll('ce');
		const headers: http.OutgoingHttpHeaders = { 'content-type': 'video/mp4', 'content-length': 1000 };
		if (lines.length > 0) res.setHeader('content-encoding', lines);
		res.writeHead(200, headers);
		res.end(Buffer.alloc(1000, 4));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

type Shape = 'message' | 'wrapped';

/** What the node sees of one download: the body n8n hands over (in the shape asked for) and its headers. */
async function download(ctx: IExecuteFunctions, lines: string[], shape: Shape) {
	const query = lines.map((line) => `ce=${encodeURIComponent(line)}`).join('&');
	const response = (await ctx.helpers.httpRequest({
		method: 'GET',
		url: `${base}/file.mp4?${query}`,
		headers: { 'Accept-Encoding': 'identity' },
		encoding: 'stream',
		returnFullResponse: true,
	})) as IN8nHttpFullResponse;
	const received = response.body as Readable;
	received.on('error', () => {});
	const body = shape === 'wrapped' ? asAxios118Stream(received) : received;
	return { body, received, reported: response.headers['content-encoding'] as string | undefined };
}

/** Runs `check` inside a workflow, where `this.helpers.httpRequest` is n8n-core's own. */
async function inN8n(check: (ctx: IExecuteFunctions) => Promise<void>) {
	let failure: unknown;
	const result = await runWorkflow({
		nodes: [startNode(), functionNode('Check')],
		connections: chain('Start', 'Check'),
		functions: {
			Check: async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
				try {
					await check(this);
				} catch (error) {
					failure = error;
				}
				return items;
			},
		},
	});
	if (failure) throw failure;
	expect(result.status).toBe('success');
}

const CODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'compress', 'x-compress', 'aes128gcm', 'exi', 'pack200-gzip'];
const spelled = (word: string, how: 'lower' | 'upper' | 'title') =>
	how === 'upper' ? word.toUpperCase() : how === 'title' ? word[0].toUpperCase() + word.slice(1) : word;
const token = fc
	.tuple(
		fc.oneof({ weight: 2, arbitrary: fc.constant('identity') }, { weight: 3, arbitrary: fc.constantFrom(...CODINGS) }),
		fc.constantFrom('lower', 'upper', 'title') as fc.Arbitrary<'lower' | 'upper' | 'title'>,
		fc.constantFrom('', ' '),
	)
	.map(([word, how, pad]) => `${pad}${spelled(word, how)}${pad}`);
/** Content-Encoding header lines: none, one, one listing two codings, or two lines. */
const headerLines = fc.oneof(
	fc.constant([] as string[]),
	token.map((one) => [one]),
	fc.tuple(token, token).map(([a, b]) => [`${a},${b}`]),
	fc.tuple(token, token).map(([a, b]) => [a, b]),
);
const notIdentity = (lines: string[]) =>
	lines
		.flatMap((line) => line.split(','))
		.map((coding) => coding.trim().toLowerCase())
		.filter((coding) => coding !== '' && coding !== 'identity');

describe('what the node can see of a Content-Encoding, in both shapes n8n hands a download over in', () => {
	test.each([
		['no Content-Encoding', []],
		['Content-Encoding: identity', ['identity']],
		['Content-Encoding: IDENTITY', ['IDENTITY']],
		['Content-Encoding: " Identity "', [' Identity ']],
	])('%s is the file as stored, in both shapes (n8n 2.x refused it as compressed)', async (_, lines) => {
		await inN8n(async (ctx) => {
			for (const shape of ['message', 'wrapped'] as const) {
				const { body, reported, received } = await download(ctx, lines, shape);
				expect({ shape, coding: contentEncodingOf(body, reported) }).toEqual({ shape, coding: undefined });
				received.destroy();
			}
		});
	});

	test.each([
		['a coding n8n does not unpack', ['aes128gcm'], 'aes128gcm'],
		['identity and a coding n8n does not unpack, on one line', ['identity, exi'], 'exi'],
		['identity then gzip, on two lines (n8n reports them joined and unpacks neither)', ['identity', 'gzip'], 'gzip'],
	])('%s is named, in both shapes', async (_, lines, named) => {
		await inN8n(async (ctx) => {
			for (const shape of ['message', 'wrapped'] as const) {
				const { body, reported, received } = await download(ctx, lines, shape);
				expect({ shape, coding: contentEncodingOf(body, reported) }).toEqual({ shape, coding: named });
				received.destroy();
			}
		});
	});

	test('property: never "compressed" for the file as stored; a coding n8n did not unpack is always named; one it unpacked only when n8n hands over the message', async () => {
		await inN8n(async (ctx) => {
			await fc.assert(
				fc.asyncProperty(headerLines, fc.constantFrom<Shape>('message', 'wrapped'), async (lines, shape) => {
					const { body, reported, received } = await download(ctx, lines, shape);
					received.destroy();
					const coding = contentEncodingOf(body, reported);
					const sent = notIdentity(lines);
					if (sent.length === 0) {
						expect(coding).toBeUndefined();
						return;
					}
					const leftPacked = notIdentity(reported === undefined ? [] : [reported]).length > 0;
					if (leftPacked || (shape === 'message' && 'rawHeaders' in received)) {
						// what n8n left packed is named, in whatever case the server sent it
						expect(coding?.toLowerCase()).toContain(sent[0]);
					} else {
						// n8n unpacked it and removed the header: the body is its unpacking stream, not the message
						expect('rawHeaders' in received).toBe(false);
						expect(coding).toBeUndefined();
					}
				}),
				propertyParams(60),
			);
		});
	});
});
