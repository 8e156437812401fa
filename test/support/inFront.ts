import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server in front answers itself; undefined passes the request on. */
export type FrontAnswer = { status: number; headers?: http.OutgoingHttpHeaders; body?: string | Buffer } | undefined;

export interface InFront {
	/** 127.0.0.1:port */
	host: string;
	/** the requests it answered itself, as "METHOD url" */
	answered: string[];
	answer: (req: http.IncomingMessage) => FrontAnswer;
	stop(): Promise<void>;
}

export async function listenOnLoopback(server: http.Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function stopServer(server: http.Server): Promise<void> {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
}

/**
 * A loopback server in front of `upstream` (an http origin, e.g. the emulator's OSS): it answers the requests
 * `answer` picks (a redirect, an error page) and passes every other one on unchanged.
 */
export async function startInFront(upstream: string): Promise<InFront> {
	const target = new URL(upstream);
	const front: InFront = { host: '', answered: [], answer: () => undefined, stop: async () => await stopServer(server) };
	const server = http.createServer((req, res) => {
		const own = front.answer(req);
		if (own) {
			front.answered.push(`${req.method} ${req.url}`);
			req.resume();
			res.writeHead(own.status, own.headers).end(own.body);
			return;
		}
		const onward = http.request(
			{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		onward.on('error', () => res.destroy());
		req.pipe(onward);
	});
	front.host = await listenOnLoopback(server);
	return front;
}
