/**
 * OSS half of the local Alibaba Cloud emulator: a real HTTP server that verifies OSS V1 and V4
 * header signatures (and V1 signed URLs), STS tokens and their scope, and stores objects on disk
 * under `state.dataDir` (streamed, never buffered).
 *
 * Addressing: bucket from the Host's first label (what ali-oss sends, also against an IP
 * endpoint), or path style `/<bucket>/<key>` when the Host is an IP, `localhost` or a bare
 * `oss-<region>` endpoint. See addressing.ts.
 *
 * Access: every request must be signed by an account in `state.accounts` (full access) or by an
 * STS credential from `state.issueSts` (only its bucket + objectKey). Anonymous GET is refused
 * (VOD buckets are private); use `presignObjectUrl` (presign.ts) for plain-HTTP downloads.
 *
 * Operations: PutObject, GetObject/HeadObject (one byte range), DeleteObject,
 * InitiateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts.
 * Faults from `state.faults.oss`: latencyMs (every request), error503Rate and dropRate (PutObject
 * and UploadPart), and `at` (one fault at the Nth request of an operation, see TargetedFault).
 *
 * For tests, the returned server carries:
 *   - `ossUploads`: Map<uploadId, MultipartUploadRecord> — every multipart upload seen, with status
 *     (active / completed / aborted), its parts (size, ETag, who uploaded them) and times;
 *   - `ossRequests`: OssRequestRecord[] — one entry per request (operation, uploadId, partNumber,
 *     AccessKeyId, status, error code, injected fault);
 *   - `ossReset()`: forgets both (objects live in `state.objects`).
 * `ossRegistryOf(state)` gives the same registry to code that only holds the state (e.g. tests that
 * start the whole emulator with startEmulator()).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

import type { EmulatorState } from '../state';
import { resolveTarget, type OssTarget } from './addressing';
import { authenticate, authorize } from './auth';
import { ConnectionDropped } from './body';
import type { OssContext } from './context';
import { newRequestId, OssError, ossErrors, sendError } from './errors';
import { applyTargetedFault } from './faults';
import {
	abortMultipartUpload,
	completeMultipartUpload,
	initiateMultipartUpload,
	listParts,
	uploadPart,
} from './multipart';
import { deleteObject, getObject, putObject } from './objects';
import {
	OssRegistry,
	type MultipartUploadRecord,
	type OssOperation,
	type OssRequestRecord,
} from './registry';

export { presignObjectUrl } from './presign';
export type { MultipartUploadRecord, OssRegistry, OssRequestRecord, PartRecord } from './registry';

export interface OssServer extends Server {
	ossUploads: Map<string, MultipartUploadRecord>;
	ossRequests: OssRequestRecord[];
	ossReset(): void;
}

/** Registry per state, for callers that only hold the EmulatorState (test code, not a node). */
const registries = new WeakMap<EmulatorState, OssRegistry>();

export function ossRegistryOf(state: EmulatorState): OssRegistry | undefined {
	return registries.get(state);
}

type Handler = (ctx: OssContext) => Promise<void>;

/** The operation a request asks for, from its method and sub-resources. */
function route(method: string, target: OssTarget): { operation: OssOperation; handler?: Handler } {
	const q = target.query;
	if (!target.bucket || !target.key) return { operation: 'Unsupported' };
	switch (method) {
		case 'PUT':
			if (q.has('uploadId') || q.has('partNumber')) return { operation: 'UploadPart', handler: uploadPart };
			return { operation: 'PutObject', handler: putObject };
		case 'POST':
			if (q.has('uploads')) return { operation: 'InitiateMultipartUpload', handler: initiateMultipartUpload };
			if (q.has('uploadId')) return { operation: 'CompleteMultipartUpload', handler: completeMultipartUpload };
			return { operation: 'Unsupported' };
		case 'DELETE':
			if (q.has('uploadId')) return { operation: 'AbortMultipartUpload', handler: abortMultipartUpload };
			return { operation: 'DeleteObject', handler: deleteObject };
		case 'GET':
			if (q.has('uploadId')) return { operation: 'ListParts', handler: listParts };
			return { operation: 'GetObject', handler: (ctx) => getObject(ctx, false) };
		case 'HEAD':
			return { operation: 'HeadObject', handler: (ctx) => getObject(ctx, true) };
		default:
			return { operation: 'Unsupported' };
	}
}

async function handle(
	state: EmulatorState,
	registry: OssRegistry,
	req: IncomingMessage,
	res: ServerResponse,
) {
	const requestId = newRequestId();
	const method = req.method ?? 'GET';
	const record: OssRequestRecord = {
		requestId,
		method,
		operation: 'Unsupported',
		at: new Date().toISOString(),
	};
	res.setHeader('x-oss-request-id', requestId);
	res.setHeader('Server', 'AliyunOSS');
	res.on('close', () => {
		if (res.writableFinished) record.status = res.statusCode;
		registry.log(record);
	});
	try {
		const latency = state.faults.oss?.latencyMs;
		if (latency) await sleep(latency);
		const target = resolveTarget(req);
		const { operation, handler } = route(method, target);
		Object.assign(record, {
			operation,
			bucket: target.bucket,
			key: target.key,
			uploadId: target.query.get('uploadId'),
		});
		const count = registry.countCall(operation);
		const principal = authenticate(state, req, target);
		record.accessKeyId = principal.accessKeyId;
		record.signatureVersion = principal.signatureVersion;
		if (!handler) {
			throw ossErrors.notImplemented(`${method} ${target.rawPath} (${[...target.query.keys()].join(',')})`);
		}
		authorize(principal, target.bucket, target.key);
		await applyTargetedFault(state.faults.oss?.at, count, req, res, record);
		await handler({
			state,
			registry,
			req,
			res,
			target,
			bucket: target.bucket as string,
			key: target.key as string,
			principal,
			record,
		});
	} catch (error) {
		// The client is gone (node detaches the socket from a finished request): nobody to answer.
		if (error instanceof ConnectionDropped || !req.socket || req.socket.destroyed) return;
		if (res.headersSent) {
			res.destroy();
			return;
		}
		const ossError =
			error instanceof OssError
				? error
				: new OssError(500, 'InternalError', `The emulator failed: ${(error as Error).message}`);
		record.errorCode = ossError.code;
		sendError(req, res, ossError, requestId);
	}
}

/** Creates (does not start) the OSS server; the caller listens, e.g. on 127.0.0.1:0. */
export function createOssServer(state: EmulatorState): OssServer {
	const registry = new OssRegistry();
	registries.set(state, registry);
	const server = createServer((req, res) => {
		void handle(state, registry, req, res);
	}) as OssServer;
	server.ossUploads = registry.uploads;
	server.ossRequests = registry.requests;
	server.ossReset = () => registry.clear();
	return server;
}
