import { createHmac, timingSafeEqual } from 'node:crypto';

import type { EmulatorState } from '../state';
import { checkNonce, checkTimestamp, lookupSecret, type Caller } from './auth';
import { percentEncode } from './encoding';
import { errors } from './errors';

/**
 * StringToSign of the RPC (HMAC-SHA1) scheme: every parameter of query and form body except
 * Signature, sorted, each name and value RFC3986-encoded.
 */
export function rpcStringToSign(method: string, params: Array<[string, string]>) {
	const canonical = params
		.filter(([key]) => key !== 'Signature')
		.map(([key, value]) => [percentEncode(key), percentEncode(value)])
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([key, value]) => `${key}=${value}`)
		.join('&');
	return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function signRpc(stringToSign: string, secret: string) {
	return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

export function verifyRpc(
	state: EmulatorState,
	method: string,
	params: Array<[string, string]>,
): Caller {
	const get = (name: string) => params.find(([key]) => key === name)?.[1];
	const signature = get('Signature');
	const accessKeyId = get('AccessKeyId');
	if (!accessKeyId) throw errors.missingParameter('AccessKeyId');
	if (!signature) throw errors.missingParameter('Signature');
	const signatureMethod = get('SignatureMethod');
	if (signatureMethod !== undefined && signatureMethod !== 'HMAC-SHA1') {
		throw errors.incompleteSignature('SignatureMethod must be HMAC-SHA1.');
	}
	checkTimestamp(get('Timestamp'), 'Timestamp');
	const nonce = get('SignatureNonce');
	if (!nonce) throw errors.missingParameter('SignatureNonce');

	const { secret, caller } = lookupSecret(state, accessKeyId, get('SecurityToken'));
	const expected = Buffer.from(signRpc(rpcStringToSign(method, params), secret));
	const given = Buffer.from(signature);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
		throw errors.signatureDoesNotMatch();
	}
	checkNonce(state, accessKeyId, nonce);
	return caller;
}
