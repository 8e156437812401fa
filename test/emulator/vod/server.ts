import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import type { EmulatorState } from '../state';
import type { Caller } from './auth';
import { Params, type VodServices } from './context';
import { parsePairs } from './encoding';
import { errorBody, errors, newRequestId, VodError } from './errors';
import { pickFault } from './faults';
import { operations } from './operations';
import { ACS3, verifyAcs3 } from './signature-acs3';
import { verifyRpc } from './signature-rpc';

const VERSION = '2017-03-21';
const MAX_BODY = 2 * 1024 * 1024;

export type ControlHandler = (
	req: http.IncomingMessage,
	res: http.ServerResponse,
	path: string,
	body: Buffer,
) => Promise<void>;

function readBody(req: http.IncomingMessage) {
	return new Promise<Buffer>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY) {
				reject(new VodError('InvalidParameter', 'The request body is too large.', 413));
				req.destroy();
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, requestId: string) {
	const text = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json;charset=utf-8',
		'content-length': Buffer.byteLength(text),
		'x-acs-request-id': requestId,
	});
	res.end(text);
}

/** The VOD RPC endpoint (POST or GET `/`), plus the emulator's control API under `/__control/`. */
export function createVodServer(
	state: EmulatorState,
	services: VodServices,
	control?: ControlHandler,
): http.Server {
	return http.createServer((req, res) => {
		handle(state, services, control, req, res).catch((error) => {
			const requestId = newRequestId();
			if (!res.headersSent) {
				sendJson(res, 500, errorBody(requestId, 'InternalError', String(error?.message ?? error)), requestId);
			} else {
				res.destroy();
			}
		});
	});
}

async function handle(
	state: EmulatorState,
	services: VodServices,
	control: ControlHandler | undefined,
	req: http.IncomingMessage,
	res: http.ServerResponse,
) {
	const requestId = newRequestId();
	const rawUrl = req.url ?? '/';
	const q = rawUrl.indexOf('?');
	const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
	const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
	let body: Buffer;
	try {
		body = await readBody(req);
	} catch (error) {
		if (error instanceof VodError) sendJson(res, error.status, errorBody(requestId, error.code, error.message), requestId);
		return;
	}

	if (pathname.startsWith('/__control/') && control) {
		await control(req, res, pathname.slice('/__control/'.length), body);
		return;
	}

	const query = parsePairs(rawQuery);
	const contentType = String(req.headers['content-type'] ?? '');
	const form = contentType.includes('application/x-www-form-urlencoded') ? parsePairs(body.toString('utf8')) : [];
	const params = new Params([...query, ...form]);
	const method = (req.method ?? 'GET').toUpperCase();

	const fail = (error: VodError) =>
		sendJson(res, error.status, errorBody(requestId, error.code, error.message), requestId);

	const headerAction = req.headers['x-acs-action'];
	const action = (typeof headerAction === 'string' ? headerAction : undefined) ?? params.get('Action');
	if (action) state.vod.countCall(action);

	const latency = state.faults.vod?.latencyMs;
	if (latency) await sleep(latency);

	try {
		if (pathname !== '/') throw errors.unknownAction(pathname);
		let caller: Caller;
		const authorization = req.headers.authorization;
		if (authorization?.startsWith(ACS3)) {
			caller = verifyAcs3(state, { method, pathname, query, headers: req.headers, body });
		} else if (authorization) {
			throw errors.incompleteSignature('Unsupported Authorization scheme; use ACS3-HMAC-SHA256.');
		} else if (params.has('Signature')) {
			caller = verifyRpc(state, method, [...query, ...form]);
		} else {
			throw errors.incompleteSignature('The request carries neither an Authorization header nor a Signature.');
		}
		if (!action) throw errors.missingParameter('Action');
		const version = (req.headers['x-acs-version'] as string | undefined) ?? params.get('Version');
		if (!version) throw errors.missingParameter('Version');
		if (version !== VERSION) {
			throw new VodError('InvalidVersion', `Specified parameter Version "${version}" is not valid.`, 400);
		}
		const operation = Object.prototype.hasOwnProperty.call(operations, action) ? operations[action] : undefined;
		if (!operation) throw errors.unknownAction(action);

		const fault = pickFault(state, action);
		if (fault.drop === 'before') {
			req.socket.destroy();
			return;
		}
		if (fault.error) throw fault.error;
		const result = await operation({
			action,
			requestId,
			params,
			caller,
			state,
			store: state.vod,
			services,
		});
		if (fault.drop === 'after') {
			req.socket.destroy();
			return;
		}
		sendJson(res, 200, { RequestId: requestId, ...result }, requestId);
	} catch (error) {
		if (error instanceof VodError) fail(error);
		else throw error;
	}
}
