import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that stands for the user's media host: `/files/<anything>` answers a small
 * generated file (`?size=<bytes>`, default 2048), `/missing/<anything>` answers 404, `/flaky/<anything>` answers
 * 404 to its first request and the file afterwards (a source that was down once), `/stall/<anything>`
 * announces `?size=<bytes>` (default 4 MiB), sends the first `?sent=<bytes>` (default 0) and then stays
 * silent with the connection open, until the client closes it or the server stops. Counts requests per path.
 */
export interface SourceServer {
	baseUrl: string;
	url(path: string): string;
	requests: Map<string, number>;
	/** the bytes `/files/<path>?size=<size>` serves, as an MD5 hex */
	md5Of(path: string, size: number): string;
	/** stalled answers whose connection the client has not closed yet */
	openStalls(): number;
	stop(): Promise<void>;
}

const fileBytes = (pathname: string, size: number) => Buffer.alloc(size, pathname.length % 251);

export async function startSourceServer(): Promise<SourceServer> {
	const requests = new Map<string, number>();
	let openStalls = 0;
	const server: Server = createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
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
		md5Of: (path, size) => createHash('md5').update(fileBytes(path, size)).digest('hex'),
		openStalls: () => openStalls,
		stop: async () =>
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
