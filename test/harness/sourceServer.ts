import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that stands for the user's media host: `/files/<anything>` answers a small
 * generated file (`?size=<bytes>`, default 2048), `/missing/<anything>` answers 404, `/flaky/<anything>` answers
 * 404 to its first request and the file afterwards (a source that was down once). Counts requests per path
 * and keeps the headers of the last one.
 * A test adds the answers only it needs as `routes`: the first route whose path prefix starts the request's
 * path answers it, before the paths above. `stop()` closes open connections too (a route may leave one open).
 */
export type SourceRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

export interface SourceServer {
	baseUrl: string;
	url(path: string): string;
	requests: Map<string, number>;
	/** the headers of the last request for each path */
	headers: Map<string, IncomingHttpHeaders>;
	stop(): Promise<void>;
}

export async function startSourceServer(routes: Record<string, SourceRoute> = {}): Promise<SourceServer> {
	const requests = new Map<string, number>();
	const headers = new Map<string, IncomingHttpHeaders>();
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
		headers.set(url.pathname, req.headers);
		const route = Object.entries(routes).find(([prefix]) => url.pathname.startsWith(prefix));
		if (route) {
			route[1](req, res, url);
			return;
		}
		const flakyFirst = url.pathname.startsWith('/flaky/') && requests.get(url.pathname) === 1;
		if (!/^\/(files|flaky)\//.test(url.pathname) || flakyFirst) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		const size = Number(url.searchParams.get('size') ?? 2048);
		const body = Buffer.alloc(size, url.pathname.length % 251);
		res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
		res.end(req.method === 'HEAD' ? undefined : body);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		baseUrl,
		url: (path) => `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`,
		requests,
		headers,
		stop: async () =>
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}

/**
 * Routes that serve files from disk by name (`files` may be filled after the server started), in place of
 * the generated `/files/`: `/files/<name>` the file; `/private/<name>` the same, only with
 * `Authorization: Bearer let-me-in`; `/cut/<name>` half the file, then a broken connection. An unknown name
 * answers 404.
 */
export function diskRoutes(files: Record<string, string>): Record<string, SourceRoute> {
	const serve =
		(kind: 'files' | 'private' | 'cut'): SourceRoute =>
		(req, res, url) => {
			const path = files[decodeURIComponent(url.pathname.slice(kind.length + 2))];
			if (!path) return void res.writeHead(404).end('not found');
			if (kind === 'private' && req.headers.authorization !== 'Bearer let-me-in') {
				return void res.writeHead(401).end('who are you?');
			}
			const size = statSync(path).size;
			res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'video/mp4' });
			if (kind !== 'cut') return void createReadStream(path).pipe(res);
			const half = createReadStream(path, { end: Math.floor(size / 2) - 1 });
			half.pipe(res, { end: false });
			half.on('end', () => setTimeout(() => res.destroy(), 20));
		};
	return { '/files/': serve('files'), '/private/': serve('private'), '/cut/': serve('cut') };
}
