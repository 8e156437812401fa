import { inputProblem } from './items';

/**
 * One form of a source URL for everything that compares URLs: de-duplication within a run, the lookups
 * by URL (Skip Already Submitted, Job Status, Cancel) and matching VOD's answers back to items.
 * docs/source-urls.md says why this form and not another.
 */

const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g;
/** RFC 3986 §2.3: encoding these never changes what a URL names. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const ENCODED_HTTP_URL = /^https?%3A/i;

function normalisePercentEncoding(text: string) {
	return text.replace(PERCENT_ENCODED, (_match, hex: string) => {
		const char = String.fromCharCode(parseInt(hex, 16));
		return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
	});
}

/**
 * The canonical spelling of an http(s) URL: WHATWG parsing (lower-case scheme and host, no default port,
 * dot segments resolved, spaces and non-ASCII percent-encoded), then RFC 3986 §6.2.2 percent-encoding
 * normalisation (hex in upper case, unreserved characters decoded), without the fragment (never sent to
 * the server). Reserved characters keep their spelling: `x%2Cy` and `x,y` are different URLs.
 * Throws a TypeError for text that is not a URL.
 */
export function canonicalUrl(text: string): string {
	const url = new URL(text.trim());
	url.hash = '';
	let href = url.href;
	// A decoded character can never form a new percent-encoding or dot segment; the second pass proves it.
	for (let pass = 0; pass < 2; pass++) {
		const next = new URL(normalisePercentEncoding(href)).href;
		if (next === href) break;
		href = next;
	}
	return href;
}

/**
 * A URL as VOD echoes it (SourceURL, UploadURL, callbacks), in canonical form. VOD stores the URL it
 * decoded from UploadURLs; should it ever echo the encoded entry instead, that is decoded once first.
 */
export function urlKey(text: string): string {
	let value = text.trim();
	if (ENCODED_HTTP_URL.test(value)) {
		try {
			value = decodeURIComponent(value);
		} catch {
			// keep it as it came
		}
	}
	try {
		return canonicalUrl(value);
	} catch {
		return value;
	}
}

export function sameUrl(a: string, b: string): boolean {
	return urlKey(a) === urlKey(b);
}

/**
 * The URL with every percent-encoding decoded, repeatedly: two URLs with the same loose key could be
 * confused by a party that decodes once too often (a comma-separated UploadURLs list, a gateway), so
 * one UploadMediaByURL call never carries two of them.
 */
export function looseUrlKey(text: string): string {
	let value = urlKey(text);
	for (let pass = 0; pass < 5; pass++) {
		let next: string;
		try {
			next = decodeURIComponent(value);
		} catch {
			break;
		}
		if (next === value) break;
		value = next;
	}
	return value;
}

/**
 * A source URL as outputs show it: without user:password@, which errors and logs leave out as well
 * (they show origin and path). The query stays: it is what tells one source from another.
 */
export function withoutUserinfo(text: string): string {
	if (!URL.canParse(text)) return text;
	const url = new URL(text);
	url.username = '';
	url.password = '';
	return url.href;
}

/** Whether a URL carries user:password@ (or a user name alone). */
export function hasUserinfo(text: string): boolean {
	if (!URL.canParse(text)) return false;
	const url = new URL(text);
	return url.username !== '' || url.password !== '';
}

const LIST_SEPARATOR = /[\s,;]+(?=https?:\/\/)/i;

/** The URLs in a field that holds a list of them (separated by commas, semicolons or white space); [] for one URL. */
export function urlsInList(text: string): string[] {
	const parts = text.trim().split(LIST_SEPARATOR);
	return parts.length > 1 ? parts : [];
}

/** One item carries one file: a list of URLs in one field is refused with the way to split it. */
export function refuseUrlList(text: string, field: string) {
	const urls = urlsInList(text);
	if (urls.length === 0) return;
	throw inputProblem(
		`${field} holds ${urls.length} URLs (${urls[0].split('?')[0]}, …); one item takes one URL`,
		`Give each URL its own item: split the list with n8n's Split Out node (or return one item per URL from a Code node) before this node`,
	);
}

/**
 * Query parameters that sign a URL for a limited time on their own: OSS V1/V4, S3 V2/V4, GCS V4,
 * CloudFront, Alibaba CDN type A, Tencent COS and Tencent CSS (txSecret).
 */
const SIGNING_PARAMETERS = new Set([
	'signature',
	'x-oss-signature',
	'x-amz-signature',
	'x-goog-signature',
	'q-signature',
	'auth_key',
	'txsecret',
	'expires',
	'x-oss-expires',
	'x-amz-expires',
	'x-goog-expires',
	'key-pair-id',
]);

/**
 * Names too common to mean a signature alone, and the companions that make them one: Azure SAS (`sig`
 * with `se`/`sp`/`sv`), Tencent CDN type A (`sign` with `t`).
 */
const SIGNING_PAIRS: Array<[name: string, companions: string[]]> = [
	['sig', ['se', 'sp', 'sv']],
	['sign', ['t']],
];

/**
 * Whether the URL carries a time-limited signature: its query changes every time it is issued, so an
 * earlier job of the same file has another URL, and a lookup by URL cannot find it.
 */
export function isSignedUrl(text: string): boolean {
	try {
		const names = new Set([...new URL(text).searchParams.keys()].map((name) => name.toLowerCase()));
		const signedAlone = [...names].some((name) => SIGNING_PARAMETERS.has(name));
		return (
			signedAlone ||
			SIGNING_PAIRS.some(([name, companions]) => names.has(name) && companions.some((c) => names.has(c)))
		);
	} catch {
		return false;
	}
}
