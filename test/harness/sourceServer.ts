import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that stands for the user's media host: `/files/<anything>` answers a small
 * generated file (`?size=<bytes>`, default 2048), `/missing/<anything>` answers 404, `/flaky/<anything>` answers
 * 404 to its first request and the file afterwards (a source that was down once), `/stall/<anything>`
 * announces `?size=<bytes>` (default 4 MiB), sends the first `?sent=<bytes>` (default 0) and then stays
 * silent with the connection open, until the client closes it or the server stops. Counts requests per path
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
	/** the bytes `/files/<path>?size=<size>` serves, as an MD5 hex */
	md5Of(path: string, size: number): string;
	/** stalled answers whose connection the client has not closed yet */
	openStalls(): number;
	stop(): Promise<void>;
}

const fileBytes = (pathname: string, size: number) => Buffer.alloc(size, pathname.length % 251);

export async function startSourceServer(routes: Record<string, SourceRoute> = {}): Promise<SourceServer> {
	const requests = new Map<string, number>();
	const headers = new Map<string, IncomingHttpHeaders>();
	let openStalls = 0;
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
		headers.set(url.pathname, req.headers);
		const route = Object.entries(routes).find(([prefix]) => url.pathname.startsWith(prefix));
		if (route) {
			route[1](req, res, url);
			return;
		}
		if (url.pathname.startsWith('/stall/')) {
			const sent = Number(url.searchParams.get('sent') ?? 0);
			const type = /\.png$/i.test(url.pathname) ? 'image/png' : 'video/mp4';
			openStalls++;
			req.socket.once('close', () => openStalls--);
			res.writeHead(200, { 'content-type': type, 'content-length': Number(url.searchParams.get('size') ?? 4 * 1024 * 1024) });
			if (sent > 0) res.write(Buffer.alloc(sent, 4));
			else res.flushHeaders();
			return;
		}
		const flakyFirst = url.pathname.startsWith('/flaky/') && requests.get(url.pathname) === 1;
		if (!/^\/(files|flaky)\//.test(url.pathname) || flakyFirst) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		const size = Number(url.searchParams.get('size') ?? 2048);
		res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
		res.end(req.method === 'HEAD' ? undefined : fileBytes(url.pathname, size));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		baseUrl,
		url: (path) => `${baseUrl}${path.startsWith('/') ? '' : '/'}${path}`,
		requests,
		headers,
		md5Of: (path, size) => createHash('md5').update(fileBytes(path, size)).digest('hex'),
		openStalls: () => openStalls,
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
