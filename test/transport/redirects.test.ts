/**
 * A VOD or OSS request is never sent on to the host a redirect names (outside pass, findings 1 and 2: a 302 or
 * 307 from the endpoint took the signed request, the STS token and the part's bytes to another host). A
 * loopback "endpoint" answers with a redirect to a second loopback server that records whatever reaches it;
 * the nodes run in-process with n8n-core's engine against the emulator. Nothing may reach the second server,
 * and the item fails naming the status, the Location's host (not its path or query) and the fix.
 */
import http from 'node:http';

import type { INodeExecutionData } from 'n8n-workflow';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { chain, runWorkflow, startNode, vodNode } from '../harness';
import { listenOnLoopback, OSS_REQUESTS, startInFront, stopServer, uploadTwoParts, type InFront } from '../support/inFront';

const REDIRECTS = [301, 302, 303, 307, 308];
const QUERY_SECRET = 'QUERYSECRET-in-the-location';

let emulator: Emulator;
let thief: http.Server;
let thiefHost: string;
const stolen: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; bytes: number }> = [];
/** the endpoint: answers the requests it is told to with a redirect, passes the others on to the emulator's OSS */
let endpoint: InFront;

const redirectWith = (status: number, when: (req: http.IncomingMessage) => boolean = () => true) => {
	endpoint.answer = (req) =>
		when(req) ? { status, headers: { location: `http://${thiefHost}/steal.mp4?token=${QUERY_SECRET}` } } : undefined;
};

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {});
	emulator = await startEmulator();
	thief = http.createServer((req, res) => {
		let bytes = 0;
		req.on('data', (chunk: Buffer) => (bytes += chunk.length));
		req.on('end', () => {
			stolen.push({ method: req.method, url: req.url, headers: req.headers, bytes });
			res.writeHead(403).end();
		});
	});
	thiefHost = await listenOnLoopback(thief);
	endpoint = await startInFront(emulator.ossEndpoint);
});

afterAll(async () => {
	await endpoint?.stop();
	await stopServer(thief);
	await emulator?.stop();
	jest.restoreAllMocks();
});

beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
	emulator.state.vod.ossEndpoint = emulator.ossEndpoint;
	stolen.length = 0;
	endpoint.answered.length = 0;
});

/** The user's own STS credential: its token is what a followed redirect carried off. */
function stsCredential(vodEndpoint: string) {
	const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
	return {
		alibabaCloudVodApi: {
			...emulatorApiCredential(emulator),
			accessKeyId: sts.accessKeyId,
			accessKeySecret: sts.accessKeySecret,
			securityToken: sts.securityToken,
			endpoint: vodEndpoint,
		},
	};
}

function errorText(item: INodeExecutionData) {
	return `${String(item.json.error)} ${String(item.json.description ?? '')}`;
}

function expectRefusalNamingTheRedirect(text: string, status: number) {
	expect(text).toContain(`HTTP ${status}`);
	expect(text).toContain(`a redirect to ${thiefHost}`);
	expect(text).toMatch(/Endpoint/);
	expect(text).not.toContain('steal.mp4');
	expect(text).not.toContain(QUERY_SECRET);
}

describe('VOD API calls', () => {
	test.each(REDIRECTS)('Media → Get answered %i: not followed, not retried, the item names the redirect', async (status) => {
		redirectWith(status);
		const credentials = stsCredential(endpoint.host);
		const result = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('VOD', { resource: 'media', operation: 'get', videoId: 'abc123' }, undefined, {
					onError: 'continueRegularOutput',
				}),
			],
			connections: chain('Start', 'VOD'),
			credentials,
		});
		const [item] = result.output('VOD');
		const text = errorText(item);
		expectRefusalNamingTheRedirect(text, status);
		expect(text).not.toContain(credentials.alibabaCloudVodApi.securityToken);
		expect(stolen).toEqual([]);
		expect(endpoint.answered).toHaveLength(1);
	});
});

describe('OSS requests of an upload', () => {
	const cases = Object.keys(OSS_REQUESTS).flatMap((operation) => REDIRECTS.map((status) => [operation, status] as const));

	test.each(cases)('%s answered %i: nothing reaches the other host, the upload fails and is aborted', async (operation, status) => {
		redirectWith(status, OSS_REQUESTS[operation]);
		emulator.state.vod.ossEndpoint = `http://${endpoint.host}`;
		const result = await uploadTwoParts(stsCredential(emulator.vodEndpoint).alibabaCloudVodApi, 'continueRegularOutput');
		const [item] = result.output('VOD');
		const text = errorText(item);
		expectRefusalNamingTheRedirect(text, status);
		expect(stolen).toEqual([]);
		expect(endpoint.answered).toHaveLength(1); // a refusal, not retried
		const uploads = [...emulator.ossUploads.values()];
		if (operation === 'InitiateMultipartUpload') {
			expect(uploads).toHaveLength(0);
		} else {
			expect(uploads.map((upload) => upload.status)).toEqual(['aborted']);
			expect(text).toMatch(/aborted/);
		}
	});
});
