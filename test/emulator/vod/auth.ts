import type { EmulatorState } from '../state';
import { errors } from './errors';
import { parseTimestamp } from './encoding';

const MAX_SKEW_MS = 15 * 60 * 1000;

export interface Caller {
	accessKeyId: string;
	/** the account the call is billed to (the AK itself, or the account that issued an STS AK) */
	accountId: string;
	sts: boolean;
}

/** The secret to verify a signature with, after the STS token (if any) is checked. */
export function lookupSecret(
	state: EmulatorState,
	accessKeyId: string,
	securityToken: string | undefined,
): { secret: string; caller: Caller } {
	const secret = state.accounts.get(accessKeyId);
	if (secret !== undefined) {
		return { secret, caller: { accessKeyId, accountId: accessKeyId, sts: false } };
	}
	const sts = state.sts.get(accessKeyId);
	if (!sts) throw errors.accessKeyNotFound();
	if (!securityToken || securityToken !== sts.securityToken) throw errors.securityTokenMismatch();
	if (sts.expiresAt < Date.now()) throw errors.securityTokenExpired();
	const owner = state.vod.stsOwners.get(accessKeyId) ?? accessKeyId;
	return { secret: sts.accessKeySecret, caller: { accessKeyId, accountId: owner, sts: true } };
}

export function checkTimestamp(value: string | undefined, name: string) {
	if (!value) throw errors.missingParameter(name);
	const at = parseTimestamp(value);
	if (Number.isNaN(at)) throw errors.timestampFormat();
	if (Math.abs(Date.now() - at) > MAX_SKEW_MS) throw errors.timestampExpired();
}

/** Records the nonce; call only once the signature is known good, so forgeries cannot burn nonces. */
export function checkNonce(state: EmulatorState, accessKeyId: string, nonce: string) {
	if (!state.vod.useNonce(accessKeyId, nonce)) throw errors.nonceUsed();
}
