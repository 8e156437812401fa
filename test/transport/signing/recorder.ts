/**
 * A loopback HTTP server that records each request exactly as it arrived (method, raw URL, headers,
 * body) and answers with what the test says. The official clients are pointed at it, so the request
 * they really send, with the time and nonce they really chose, is what the package is compared with.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import type { IHttpRequestMethods } from 'n8n-workflow';

export interface RecordedRequest {
	method: string;
	/** raw request target, e.g. `/key?uploadId=1` */
	url: string;
	pathname: string;
	/** decoded query pairs, in wire order */
	query: Array<[string, string]>;
	/** lowercase names; repeated headers joined with `,` */
	headers: Record<string, string>;
	body: Buffer;
}

export interface Answer {
	status?: number;
	headers?: Record<string, string>;
	body?: string;
}

export interface Recorder {
	/** `127.0.0.1:port` */
	host: string;
	origin: string;
	requests: RecordedRequest[];
	/** the one request recorded since the last take */
	take(): RecordedRequest;
	stop(): Promise<void>;
}

function decode(text: string) {
	return decodeURIComponent(text.replace(/\+/g, ' '));
}

export function parseTarget(url: string): Pick<RecordedRequest, 'pathname' | 'query'> {
	const q = url.indexOf('?');
	const raw = q < 0 ? '' : url.slice(q + 1);
	const query: Array<[string, string]> = raw
		.split('&')
		.filter(Boolean)
		.map((pair) => {
			const eq = pair.indexOf('=');
			return eq < 0 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
		});
	return { pathname: decodeURIComponent(q < 0 ? url : url.slice(0, q)), query };
}

function headersOf(req: IncomingMessage): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
	}
	return headers;
}

export async function startRecorder(answer: (request: RecordedRequest) => Answer): Promise<Recorder> {
	const requests: RecordedRequest[] = [];
	// Long Unicode parameters make long request lines; Node's default limit is 16 KiB.
	const server: Server = createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const url = req.url ?? '/';
			const recorded: RecordedRequest = {
				method: req.method ?? 'GET',
				url,
				...parseTarget(url),
				headers: headersOf(req),
				body: Buffer.concat(chunks),
			};
			requests.push(recorded);
			const reply = answer(recorded);
			res.writeHead(reply.status ?? 200, reply.headers ?? {});
			res.end(reply.body ?? '');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		host: `127.0.0.1:${port}`,
		origin: `http://127.0.0.1:${port}`,
		requests,
		take() {
			if (requests.length !== 1) throw new Error(`expected one recorded request, found ${requests.length}`);
			return requests.pop() as RecordedRequest;
		},
		stop: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

export interface SentRequest {
	method: IHttpRequestMethods;
	url: string;
	headers: Record<string, string>;
	body?: Buffer | string;
}

/** Sends a request through n8n's own request helper (n8n-core httpRequest), as the nodes will. */
export async function sendWithN8n(request: SentRequest) {
	return (await httpRequest({
		method: request.method,
		url: request.url,
		headers: request.headers,
		body: request.body,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		encoding: 'text',
		json: false,
	})) as { statusCode: number; headers: Record<string, string>; body: string };
}

/** Decoded query pairs sorted by name, for comparing two requests' parameters. */
export function sortedPairs(pairs: Array<[string, string]>) {
	return [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
