import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import type { EmulatorState } from '../state';
import { checkNonce, checkTimestamp, lookupSecret, type Caller } from './auth';
import { percentEncode } from './encoding';
import { errors } from './errors';

export const ACS3 = 'ACS3-HMAC-SHA256';
const AUTH_PATTERN = /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)$/;

export interface SignedRequest {
	method: string;
	pathname: string;
	query: Array<[string, string]>; // decoded
	headers: IncomingHttpHeaders;
	body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string) {
	const value = headers[name];
	return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Canonical query: keys sorted (byte order), `key=` + RFC3986(value), joined by `&`. Keys are not
 * encoded, exactly like openapi-util's getAuthorizationQueryString.
 */
export function canonicalQuery(query: Array<[string, string]>) {
	return [...query]
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([key, value]) => `${key}=${percentEncode(value)}`)
		.join('&');
}

export function canonicalRequest(req: SignedRequest, signedHeaders: string[], payloadHash: string) {
	const canonicalHeaders = signedHeaders
		.map((name) => `${name}:${(header(req.headers, name) ?? '').trim()}\n`)
		.join('');
	const uri = req.pathname.replace('+', '%20').replace('*', '%2A').replace('%7E', '~');
	return [
		req.method,
		uri,
		canonicalQuery(req.query),
		canonicalHeaders,
		signedHeaders.join(';'),
		payloadHash,
	].join('\n');
}

export function signAcs3(canonical: string, secret: string) {
	const stringToSign = `${ACS3}\n${createHash('sha256').update(canonical).digest('hex')}`;
	return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** Verifies an ACS3-HMAC-SHA256 request; throws the gateway's error otherwise. */
export function verifyAcs3(state: EmulatorState, req: SignedRequest): Caller {
	const authorization = header(req.headers, 'authorization') ?? '';
	const match = AUTH_PATTERN.exec(authorization.trim());
	if (!match) {
		throw errors.incompleteSignature(
			'Authorization must be "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>".',
		);
	}
	const [, accessKeyId, signedHeaderList, signature] = match;
	const signedHeaders = signedHeaderList.split(';');
	for (const required of ['host', 'x-acs-date', 'x-acs-signature-nonce']) {
		if (!signedHeaders.includes(required)) {
			throw errors.incompleteSignature(`SignedHeaders must include ${required}.`);
		}
	}
	const sorted = [...signedHeaders].sort();
	if (sorted.join(';') !== signedHeaderList || signedHeaders.some((h) => h !== h.toLowerCase())) {
		throw errors.incompleteSignature('SignedHeaders must be lowercase and sorted.');
	}

	checkTimestamp(header(req.headers, 'x-acs-date'), 'x-acs-date');
	const nonce = header(req.headers, 'x-acs-signature-nonce');
	if (!nonce) throw errors.missingParameter('x-acs-signature-nonce');

	const { secret, caller } = lookupSecret(state, accessKeyId, header(req.headers, 'x-acs-security-token'));

	const bodyHash = createHash('sha256').update(req.body).digest('hex');
	const claimedHash = header(req.headers, 'x-acs-content-sha256');
	if (claimedHash !== undefined && claimedHash.toLowerCase() !== bodyHash) {
		throw errors.signatureDoesNotMatch();
	}
	const expected = signAcs3(canonicalRequest(req, signedHeaders, bodyHash), secret);
	const given = Buffer.from(signature.toLowerCase());
	if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
		throw errors.signatureDoesNotMatch();
	}
	checkNonce(state, accessKeyId, nonce);
	return caller;
}
