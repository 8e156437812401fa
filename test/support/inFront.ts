import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import { chain, functionNode, runWorkflow, startNode, vodNode, type WorkflowResult } from '../harness';

const MiB = 1024 * 1024;

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

/** The OSS requests of a multipart upload, as the server in front sees them. */
export const OSS_REQUESTS: Record<string, (req: http.IncomingMessage) => boolean> = {
	InitiateMultipartUpload: (req) => req.method === 'POST' && /[?&]uploads(&|=|$)/.test(req.url ?? ''),
	UploadPart: (req) => req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? ''),
	CompleteMultipartUpload: (req) => req.method === 'POST' && /[?&]uploadId=/.test(req.url ?? ''),
};

/**
 * Upload from Binary of 2 MiB random bytes in 1 MiB parts, one at a time and one attempt each (Initiate, two
 * parts, Complete), with the given credential and On Error setting.
 */
export async function uploadTwoParts(
	credential: ICredentialDataDecryptedObject,
	onError: 'continueRegularOutput' | 'stopWorkflow',
): Promise<WorkflowResult> {
	return await runWorkflow({
		nodes: [
			startNode(),
			functionNode('Make Binary'),
			vodNode(
				'VOD',
				{
					resource: 'upload',
					operation: 'uploadBinary',
					title: '',
					referenceIdMode: 'none',
					transferOptions: { partSizeMiB: 1, parallelParts: 1, maxAttempts: 1 },
				},
				undefined,
				{ onError },
			),
		],
		connections: chain('Start', 'Make Binary', 'VOD'),
		credentials: { alibabaCloudVodApi: credential },
		functions: {
			'Make Binary': async function (this: IExecuteFunctions) {
				return [{ json: {}, binary: { data: await this.helpers.prepareBinaryData(randomBytes(2 * MiB), 'clip.mp4') } }];
			},
		},
	});
}
