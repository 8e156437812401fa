import type { IncomingMessage, ServerResponse } from 'node:http';

import { targetedFault, type TargetedFault } from '../state';
import { ConnectionDropped } from './body';
import type { OssContext } from './context';
import { OssError, ossErrors } from './errors';
import type { OssRequestRecord } from './registry';

/** Reads the request body to its end, so that the client reads the answer rather than a broken pipe. */
async function drain(req: IncomingMessage) {
	req.resume();
	await new Promise((resolve) => req.once('end', resolve).once('close', resolve));
}

/**
 * Faults for body-carrying writes (PutObject, UploadPart), from `state.faults.oss`:
 * error503Rate answers 503 ServiceUnavailable (after draining the body, so the client reads the
 * answer rather than a broken pipe); dropRate returns how many body bytes to read before the
 * connection is destroyed (half the declared length, else the first chunk).
 */
export async function bodyWriteFaults(ctx: OssContext): Promise<{ dropAfterBytes?: number }> {
	const faults = ctx.state.faults.oss ?? {};
	if (ctx.state.roll(faults.error503Rate)) {
		ctx.record.fault = 'error503';
		await drain(ctx.req);
		throw ossErrors.serviceUnavailable();
	}
	if (ctx.state.roll(faults.dropRate)) {
		ctx.record.fault = 'drop';
		const declared = Number(ctx.req.headers['content-length']);
		return { dropAfterBytes: declared > 1 ? Math.floor(declared / 2) : 1 };
	}
	return {};
}

/**
 * The fault `state.faults.oss.at` sets for this request (the `count`-th of its operation): an error is
 * thrown, or the connection destroyed, before the operation runs; with `dropAfter` the operation runs
 * and its answer destroys the connection instead of being sent.
 */
export async function applyTargetedFault(
	faults: TargetedFault[] | undefined,
	count: number,
	req: IncomingMessage,
	res: ServerResponse,
	record: OssRequestRecord,
) {
	const fault = targetedFault(faults, record.operation, count);
	if (!fault) return;
	record.fault = fault.kind;
	if (fault.kind === 'dropBefore') {
		req.socket?.destroy();
		throw new ConnectionDropped();
	}
	if (fault.kind === 'dropAfter') {
		const drop = (() => {
			req.socket?.destroy();
			return res;
		}) as unknown as ServerResponse['end'];
		res.write = drop as unknown as ServerResponse['write'];
		res.end = drop;
		return;
	}
	await drain(req);
	if (fault.kind === 'tokenExpired') {
		throw new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.');
	}
	throw ossErrors.serviceUnavailable();
}
