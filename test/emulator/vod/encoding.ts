import { unescape as qsUnescape } from 'node:querystring';

/** RFC 3986 percent-encoding as Alibaba's signers do it (encodeURIComponent plus `!'()*`). */
export function percentEncode(value: string) {
	return encodeURIComponent(value)
		.replace(/!/g, '%21')
		.replace(/'/g, '%27')
		.replace(/\(/g, '%28')
		.replace(/\)/g, '%29')
		.replace(/\*/g, '%2A');
}

/**
 * Decodes a wire query or form string into ordered pairs. Clients differ in what they leave raw
 * (Node's querystring keeps `*()!'`, pop-core escapes them), so signatures are checked on the decoded
 * values re-encoded, never on the wire bytes.
 */
export function parsePairs(raw: string): Array<[string, string]> {
	const pairs: Array<[string, string]> = [];
	if (!raw) return pairs;
	for (const part of raw.split('&')) {
		if (!part) continue;
		const eq = part.indexOf('=');
		const key = eq < 0 ? part : part.slice(0, eq);
		const value = eq < 0 ? '' : part.slice(eq + 1);
		pairs.push([decode(key), decode(value)]);
	}
	return pairs;
}

function decode(s: string) {
	return qsUnescape(s.replace(/\+/g, ' '));
}

/** `YYYY-MM-DDThh:mm:ssZ` (seconds precision, UTC) as VOD writes times. */
export function isoSeconds(ms: number) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Parses an ISO-8601 UTC timestamp as the gateway accepts it; NaN when malformed. */
export function parseTimestamp(value: string) {
	return ISO_SECONDS.test(value) ? Date.parse(value) : NaN;
}
