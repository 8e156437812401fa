/**
 * Upload from URL behind redirects, with real loopback servers: two servers on different ports are two
 * origins. The user's headers (Authorization and a custom secret header) reach only the origin the user
 * named; a presigned target on the other origin still downloads byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import fc from 'fast-check';

import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { startEmulator, type Emulator } from '../emulator';
import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { propertyParams } from '../support/property';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const file = randomBytes(300 * 1024);
const SECRET_HEADERS = [
	{ name: 'Authorization', value: 'Bearer let-me-in' },
	{ name: 'X-Secret-Token', value: 'sekrit-42' },
];

interface Host {
	origin: string;
	seen: Array<{ path: string; headers: IncomingHttpHeaders }>;
	server: Server;
}

/**
 * `/file.mp4` serves the file to a request carrying the secret headers; `/presigned/file.mp4?sig=ok`
 * serves it to anyone with the signature; `/to/clip.mp4?u=<url>` answers 302 to <url>; `/loop/a` ⇄ `/loop/b`;
 * `/chain/<n>` redirects to `/chain/<n+1>` forever.
 */
async function startHost(): Promise<Host> {
	const seen: Host['seen'] = [];
	const server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://x');
		seen.push({ path: req.url ?? '', headers: req.headers });
		const redirect = (location: string, status = 302) => res.writeHead(status, { location }).end();
		if (url.pathname === '/to/clip.mp4') return void redirect(url.searchParams.get('u')!, Number(url.searchParams.get('s') ?? 302));
		if (url.pathname === '/loop/a') return void redirect('/loop/b');
		if (url.pathname === '/loop/b') return void redirect('/loop/a');
		if (url.pathname.startsWith('/chain/')) return void redirect(`/chain/${Number(url.pathname.slice(7)) + 1}`, 307);
		const path = decodeURIComponent(url.pathname);
		const allowed =
			(path === '/file.mp4' &&
				req.headers.authorization === 'Bearer let-me-in' &&
				req.headers['x-secret-token'] === 'sekrit-42') ||
			(path === '/presigned/file.mp4' && url.searchParams.get('sig') === 'ok');
		if (!allowed) return void res.writeHead(403).end('forbidden');
		res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': file.length }).end(file);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

let emulator: Emulator;
let named: Host;
let other: Host;

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {});
	emulator = await startEmulator();
	named = await startHost();
	other = await startHost();
});
afterAll(async () => {
	for (const host of [named, other]) {
		host?.server.closeAllConnections();
		await new Promise<void>((resolve) => (host ? host.server.close(() => resolve()) : resolve()));
	}
	await emulator?.stop();
});
beforeEach(() => {
	emulator.reset();
	named.seen.length = 0;
	other.seen.length = 0;
});

async function upload(url: string, parameters: INodeParameters = {}) {
	const result = await runWorkflow({
		nodes: [
			startNode(),
			vodNode(
				'VOD',
				{
					resource: 'upload',
					operation: 'uploadFromUrl',
					url,
					title: 'Redirected',
					referenceIdMode: 'none',
					requestHeaders: { header: SECRET_HEADERS },
					...parameters,
				},
				undefined,
				{ onError: 'continueRegularOutput' },
			),
		],
		connections: chain('Start', 'VOD'),
		credentials: emulatorCredentials(emulator),
		startItems: [{ json: {} }],
	});
	return result.output('VOD')[0].json;
}

function storedMd5(json: IDataObject) {
	const object = emulator.state.objects.get(`${json.bucket}/${json.objectKey}`);
	if (!object) throw new Error(`nothing stored for ${JSON.stringify(json)}`);
	return md5(readFileSync(object.path));
}

const leaked = (host: Host) =>
	host.seen.filter((r) => r.headers.authorization !== undefined || r.headers['x-secret-token'] !== undefined);

describe('Upload from URL: redirects', () => {
	it('a redirect to another origin carries neither Authorization nor the custom header; the presigned target downloads byte for byte', async () => {
		for (const status of [301, 302, 303, 307, 308]) {
			named.seen.length = 0;
			other.seen.length = 0;
			const target = `${other.origin}/presigned/file.mp4?sig=ok`;
			const json = await upload(`${named.origin}/to/clip.mp4?s=${status}&u=${encodeURIComponent(target)}`);
			expect(json.error).toBeUndefined();
			expect(other.seen).toHaveLength(1);
			expect(leaked(other)).toEqual([]);
			expect(named.seen[0].headers.authorization).toBe('Bearer let-me-in');
			expect(json.bytes).toBe(file.length);
			expect(storedMd5(json)).toBe(md5(file));
		}
	});

	it('a same-origin redirect keeps the headers', async () => {
		const json = await upload(`${named.origin}/to/clip.mp4?u=${encodeURIComponent('/file.mp4')}`);
		expect(json.error).toBeUndefined();
		expect(named.seen.map((r) => r.path)).toEqual([expect.stringMatching(/^\/to\//), '/file.mp4']);
		expect(named.seen[1].headers['x-secret-token']).toBe('sekrit-42');
		expect(storedMd5(json)).toBe(md5(file));
	});

	it('a target that wanted the headers fails with a fix that says why they were not sent', async () => {
		const json = await upload(`${named.origin}/to/clip.mp4?u=${encodeURIComponent(`${other.origin}/file.mp4`)}`);
		expect(leaked(other)).toEqual([]);
		expect(json.error).toMatch(/answered HTTP 403/);
		expect(json.description).toMatch(/redirected to http:\/\/127\.0\.0\.1:\d+, which gets none of the Request Headers/);
		expect(emulator.state.vodCalls.CreateUploadVideo ?? 0).toBe(0);
	});

	it('after a detour through another origin the named origin gets the headers again, the other host none', async () => {
		// named → other → named: the other host sees nothing; the named origin gets the headers back.
		const back = `${other.origin}/to/clip.mp4?u=${encodeURIComponent(`${named.origin}/file.mp4`)}`;
		const json = await upload(`${named.origin}/to/clip.mp4?u=${encodeURIComponent(back)}`);
		expect(leaked(other)).toEqual([]);
		expect(json.error).toBeUndefined();
		expect(storedMd5(json)).toBe(md5(file));
	});

	it('a redirect loop and an endless chain end with a clear error, nothing created', async () => {
		const loop = await upload(`${named.origin}/loop/a`);
		expect(loop.error).toMatch(/^\[item 0\] URL http:\/\/127\.0\.0\.1:\d+\/loop\/a redirects in a loop/);
		const endless = await upload(`${named.origin}/chain/0`);
		expect(endless.error).toMatch(/was redirected more than 10 times/);
		expect(named.seen.filter((r) => r.path.startsWith('/chain/'))).toHaveLength(11);
		expect(emulator.state.vodCalls.CreateUploadVideo ?? 0).toBe(0);
	});

	it('a re-run under another spelling of the URL finds the video it made (Reference ID from the canonical URL)', async () => {
		const first = await upload(`${named.origin}/file.mp4`, { referenceIdMode: 'derive' });
		const again = await upload(`${named.origin.toUpperCase()}/%66ile.mp4#t=1`, { referenceIdMode: 'derive' });
		expect(first.alreadyUploaded).toBe(false);
		expect(again).toMatchObject({ videoId: first.videoId, referenceId: first.referenceId, alreadyUploaded: true });
		expect(emulator.state.vodCalls.CreateUploadVideo).toBe(1);
	});

	it('random redirect chains between the two origins: the other never sees a header, the file always arrives (generated)', async () => {
		const hop = fc.record({ toOther: fc.boolean(), status: fc.constantFrom(301, 302, 303, 307, 308), relative: fc.boolean() });
		// a whole workflow per case: a hundredth of the larger run's cases, at least 15
		const params = propertyParams<[Array<{ toOther: boolean; status: number; relative: boolean }>]>(1500);
		params.numRuns = Math.max(15, Math.floor((params.numRuns ?? 1500) / 100));
		await fc.assert(
			fc.asyncProperty(fc.array(hop, { maxLength: 8 }), async (hops) => {
				named.seen.length = 0;
				other.seen.length = 0;
				// Built from the end: the last host serves the file (with headers at home, presigned abroad).
				const hosts = [named, ...hops.map((h) => (h.toOther ? other : named))];
				const last = hosts.at(-1)!;
				let target = last === named ? '/file.mp4' : '/presigned/file.mp4?sig=ok';
				for (let i = hosts.length - 1; i >= 0; i--) {
					const from = hosts[i - 1];
					const absolute = !(hops[i - 1]?.relative && from === hosts[i]);
					const location = absolute ? `${hosts[i].origin}${target}` : target;
					if (i === 0) target = location;
					else target = `/to/clip.mp4?s=${hops[i - 1].status}&u=${encodeURIComponent(location)}`;
				}
				const json = await upload(target.startsWith('http') ? target : `${named.origin}${target}`);
				expect(json.error).toBeUndefined();
				expect(leaked(other)).toEqual([]);
				expect(named.seen.every((r) => r.headers['x-secret-token'] === 'sekrit-42')).toBe(true);
				expect(named.seen.length + other.seen.length).toBe(hosts.length);
				expect(storedMd5(json)).toBe(md5(file));
			}),
			params,
		);
	});
});
