/**
 * Scrubbing of secrets from anything that may leave the transport (error messages, descriptions,
 * log lines). The SDK's error objects carry the last request (with the STS token header) and the
 * response body, so the transport never forwards them; it copies the few fields it needs through
 * these functions instead.
 */

export const REDACTED = '[redacted]';

/** Shorter values are not scrubbed: replacing one- or two-letter strings would mangle every message. */
const MIN_SECRET_LENGTH = 4;
/** Shorter base64 fragments are not scrubbed: they would match ordinary words. */
const MIN_BASE64_LENGTH = 8;

function escapeRegExp(text: string) {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Hex digits in either case: "2f" → "[2][fF]". */
function hexPattern(value: number, digits: number) {
	return [...value.toString(16).padStart(digits, '0')]
		.map((digit) => `[${digit}${digit.toUpperCase()}]`)
		.join('');
}

function percentPattern(bytes: Buffer, twice: boolean) {
	return [...bytes].map((byte) => `%${twice ? '25' : ''}${hexPattern(byte, 2)}`).join('');
}

/**
 * One character of a secret as it may come back: raw, percent-encoded once or twice (either hex case,
 * as gateways differ), "+" for a space, or escaped inside a JSON string.
 */
function characterPattern(character: string): string {
	const bytes = Buffer.from(character, 'utf8');
	const forms = [escapeRegExp(character), percentPattern(bytes, false), percentPattern(bytes, true)];
	if (character === ' ') forms.push('\\+');
	const json = JSON.stringify(character).slice(1, -1);
	if (json !== character) forms.push(escapeRegExp(json));
	const code = character.codePointAt(0)!;
	if (code <= 0xffff) forms.push(`\\\\u${hexPattern(code, 4)}`);
	return `(?:${forms.join('|')})`;
}

/**
 * The parts of base64 text that can only come from the secret, wherever it sits in the encoded data
 * (three alignments), in the standard and the URL alphabet: gateways echo `Authorization: Basic …`.
 */
function base64Fragments(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const fragments: string[] = [];
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const fragment = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
		if (fragment.length >= MIN_BASE64_LENGTH) {
			fragments.push(fragment, fragment.replace(/\+/g, '-').replace(/\//g, '_'));
		}
	}
	return fragments;
}

/**
 * Every form in which a secret can show up in text, as one pattern: the value as given and trimmed (a key
 * pasted with a trailing newline is echoed without it), each character raw or encoded, and its base64.
 */
function secretPattern(secret: string): string | undefined {
	const values = [...new Set([secret, secret.trim()])].filter((value) => value.length >= MIN_SECRET_LENGTH);
	if (values.length === 0) return undefined;
	const spelled = values.map((value) => [...value].map(characterPattern).join(''));
	const base64 = values.flatMap(base64Fragments).map(escapeRegExp);
	return [...spelled, ...base64].join('|');
}

export function secretsOf(credentials: {
	accessKeySecret?: string;
	securityToken?: string;
}): string[] {
	return [credentials.accessKeySecret, credentials.securityToken].filter(
		(value): value is string => typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH,
	);
}

const KEYED_LEFTOVER =
	/((?:x-acs-security-token|securitytoken|accesskeysecret|access_key_secret)["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi;

/** A function that scrubs every secret, in any of the forms above, from a text (the pattern built once). */
function redactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
	const patterns = secrets
		.filter((secret): secret is string => typeof secret === 'string')
		// longest first, so a secret containing another goes whole
		.sort((a, b) => b.length - a.length)
		.map(secretPattern)
		.filter((pattern): pattern is string => pattern !== undefined);
	const matcher = patterns.length ? new RegExp(patterns.join('|'), 'gu') : undefined;
	return (text) =>
		// Header- and query-style leftovers the SDK could put into a message, whatever their value.
		(matcher ? text.replace(matcher, REDACTED) : text).replace(KEYED_LEFTOVER, `$1${REDACTED}`);
}

export function redactText(text: string, secrets: ReadonlyArray<string | undefined>): string {
	return redactor(secrets)(text);
}

function redactWith<T>(value: T, redact: (text: string) => string, seen: WeakSet<object>): T {
	if (typeof value === 'string') return redact(value) as T;
	if (value === null || typeof value !== 'object') {
		return (typeof value === 'function' || typeof value === 'symbol' ? undefined : value) as T;
	}
	if (seen.has(value as object)) return undefined as T;
	seen.add(value as object);
	if (Array.isArray(value)) return value.map((entry) => redactWith(entry, redact, seen)) as T;
	const copy: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
		copy[key] = redactWith(entry, redact, seen);
	}
	return copy as T;
}

/** Deep copy of plain data with every string redacted; functions, symbols and cycles are dropped. */
export function redactValue<T>(value: T, secrets: ReadonlyArray<string | undefined>): T {
	return redactWith(value, redactor(secrets), new WeakSet<object>());
}
