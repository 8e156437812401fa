import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * VOD HTTP callback authentication (VOD docs, "HTTP callback authentication"):
 *   X-VOD-TIMESTAMP = Unix seconds (10 digits)
 *   X-VOD-SIGNATURE = md5(`${callbackUrl}|${timestamp}|${authKey}`), 32 lowercase hex chars
 * The signature covers the URL VOD called and the timestamp, never the body: the timestamp window and the
 * delivery de-duplication are what stop a captured callback from being replayed.
 */

export const VOD_TIMESTAMP_HEADER = 'x-vod-timestamp';
export const VOD_SIGNATURE_HEADER = 'x-vod-signature';

/** VOD's AuthKey: up to 32 letters and digits. */
export const VOD_AUTH_KEY_PATTERN = /^[A-Za-z0-9]{1,32}$/;

const SIGNATURE_PATTERN = /^[0-9a-f]{32}$/i;
const TIMESTAMP_PATTERN = /^\d{1,13}$/;

export function computeCallbackSignature(callbackUrl: string, timestamp: string, authKey: string) {
	return createHash('md5').update(`${callbackUrl}|${timestamp}|${authKey}`, 'utf8').digest('hex');
}

export type CallbackRejection =
	| 'missingHeaders'
	| 'malformedTimestamp'
	| 'staleTimestamp'
	| 'malformedSignature'
	| 'badSignature'
	| 'noKey';

export type CallbackVerification =
	| { ok: true; keyIndex: number; callbackUrl: string; timestampSeconds: number }
	| { ok: false; reason: CallbackRejection };

export interface VerifyCallbackInput {
	/** X-VOD-TIMESTAMP as received */
	timestamp: string | undefined;
	/** X-VOD-SIGNATURE as received */
	signature: string | undefined;
	/** the URL strings VOD may have signed; the first that matches wins */
	callbackUrls: string[];
	/** keys to try in order (current, then previous); empty entries are skipped */
	authKeys: Array<string | undefined>;
	nowMs: number;
	/** accepted distance between the timestamp and now, either direction (clock skew) */
	maxAgeSeconds: number;
}

/** VOD sends seconds; a 13-digit value is taken as milliseconds (as n8n's Stripe helper does). */
export function parseCallbackTimestamp(timestamp: string): number | undefined {
	if (!TIMESTAMP_PATTERN.test(timestamp)) return undefined;
	const value = Number(timestamp);
	return timestamp.length >= 13 ? Math.floor(value / 1000) : value;
}

function constantTimeEqualHex(expectedHex: string, actualHex: string) {
	const expected = Buffer.from(expectedHex, 'utf8');
	const actual = Buffer.from(actualHex.toLowerCase(), 'utf8');
	// Both are 32 hex chars by construction; the length check only guards timingSafeEqual's contract.
	return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Checks a callback's headers. Every (url, key) pair is compared in constant time and all pairs are tried
 * even after a match, so the time taken does not tell which key or URL matched.
 */
export function verifyCallbackSignature(input: VerifyCallbackInput): CallbackVerification {
	const timestamp = input.timestamp?.trim();
	const signature = input.signature?.trim();
	if (!timestamp || !signature) return { ok: false, reason: 'missingHeaders' };

	const timestampSeconds = parseCallbackTimestamp(timestamp);
	if (timestampSeconds === undefined) return { ok: false, reason: 'malformedTimestamp' };
	if (Math.abs(input.nowMs / 1000 - timestampSeconds) > input.maxAgeSeconds) {
		return { ok: false, reason: 'staleTimestamp' };
	}
	if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, reason: 'malformedSignature' };

	const keys = input.authKeys.map((key) => key?.trim() ?? '');
	if (!keys.some((key) => key !== '')) return { ok: false, reason: 'noKey' };

	let match: { keyIndex: number; callbackUrl: string } | undefined;
	for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
		if (keys[keyIndex] === '') continue;
		for (const callbackUrl of input.callbackUrls) {
			const expected = computeCallbackSignature(callbackUrl, timestamp, keys[keyIndex]);
			if (constantTimeEqualHex(expected, signature) && !match) match = { keyIndex, callbackUrl };
		}
	}
	if (!match) return { ok: false, reason: 'badSignature' };
	return { ok: true, ...match, timestampSeconds };
}

/** Local check of a callback key as VOD accepts it (SetMessageCallback AuthKey). */
export function authKeyProblem(key: unknown, label: string): string | undefined {
	if (typeof key !== 'string' || key.trim() === '') return `${label} is empty`;
	if (!VOD_AUTH_KEY_PATTERN.test(key.trim())) {
		return `${label} must be 1 to 32 letters and digits, as VOD accepts it (it has ${key.trim().length} characters${/[^A-Za-z0-9]/.test(key.trim()) ? ', some of them not letters or digits' : ''})`;
	}
	return undefined;
}
