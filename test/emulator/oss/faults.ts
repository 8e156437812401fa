import type { OssContext } from './context';
import { ossErrors } from './errors';

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
		ctx.req.resume();
		await new Promise((resolve) => ctx.req.once('end', resolve).once('close', resolve));
		throw ossErrors.serviceUnavailable();
	}
	if (ctx.state.roll(faults.dropRate)) {
		ctx.record.fault = 'drop';
		const declared = Number(ctx.req.headers['content-length']);
		return { dropAfterBytes: declared > 1 ? Math.floor(declared / 2) : 1 };
	}
	return {};
}
