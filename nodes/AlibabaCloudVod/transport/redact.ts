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
/**
 * A run of this many bytes of a secret is scrubbed wherever it appears, so a server that truncates its echo
 * or cuts it in two cannot leak most of a long token. Twelve random characters are never ordinary text.
 */
const MIN_RUN_BYTES = 12;

function escapeRegExp(text: string) {
	return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Text read as bytes, each byte knowing the span of the original text it came from, so that a secret found
 * in a decoded reading is cut out of the text as it was written.
 */
interface Reading {
	bytes: number[];
	from: number[];
	to: number[];
}

function rawReading(text: string): Reading {
	const reading: Reading = { bytes: [], from: [], to: [] };
	let offset = 0;
	for (const character of text) {
		const end = offset + character.length;
		const code = character.charCodeAt(0);
		if (code < 0x80) {
			reading.bytes.push(code);
			reading.from.push(offset);
			reading.to.push(end);
			offset = end;
			continue;
		}
		for (const byte of Buffer.from(character, 'utf8')) {
			reading.bytes.push(byte);
			reading.from.push(offset);
			reading.to.push(end);
		}
		offset = end;
	}
	return reading;
}

const isHex = (byte: number | undefined) =>
	byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66));

const NAMED_ENTITIES: Record<string, string> = {
	amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", sol: '/', bsol: '\\', plus: '+', equals: '=', num: '#',
	percnt: '%', colon: ':', semi: ';', quest: '?', comma: ',', period: '.', lowbar: '_', hyphen: '-', nbsp: '\u00a0',
};
const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * One decoding pass over a reading: at each position `decode` may read an escape (its length in bytes and
 * what it stands for); everything else is kept as it is.
 */
function decodePass(
	reading: Reading,
	decode: (ascii: string, at: number) => { length: number; bytes: Buffer } | undefined,
): Reading {
	const ascii = Buffer.from(reading.bytes).toString('latin1');
	const out: Reading = { bytes: [], from: [], to: [] };
	for (let at = 0; at < reading.bytes.length; ) {
		const escape = decode(ascii, at);
		if (escape) {
			for (const byte of escape.bytes) {
				out.bytes.push(byte);
				out.from.push(reading.from[at]);
				out.to.push(reading.to[at + escape.length - 1]);
			}
			at += escape.length;
		} else {
			out.bytes.push(reading.bytes[at]);
			out.from.push(reading.from[at]);
			out.to.push(reading.to[at]);
			at++;
		}
	}
	return out;
}

const percentDecoded = (reading: Reading) =>
	decodePass(reading, (ascii, at) =>
		ascii[at] === '%' && isHex(reading.bytes[at + 1]) && isHex(reading.bytes[at + 2])
			? { length: 3, bytes: Buffer.from(ascii.slice(at + 1, at + 3), 'hex') }
			: undefined,
	);

const JSON_ESCAPE = /^\\(?:u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|(["\\/bfnrt]))/;
const jsonDecoded = (reading: Reading) =>
	decodePass(reading, (ascii, at) => {
		if (ascii[at] !== '\\') return undefined;
		const match = JSON_ESCAPE.exec(ascii.slice(at, at + 12));
		if (!match) return undefined;
		const text = match[3] !== undefined
			? JSON_ESCAPES[match[3]]
			: String.fromCharCode(...[match[1], match[2]].filter(Boolean).map((hex) => parseInt(hex, 16)));
		return { length: match[0].length, bytes: Buffer.from(text, 'utf8') };
	});

const HTML_ENTITY = /^&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z]{2,6}));/;
const htmlDecoded = (reading: Reading) =>
	decodePass(reading, (ascii, at) => {
		if (ascii[at] !== '&') return undefined;
		const match = HTML_ENTITY.exec(ascii.slice(at, at + 12));
		if (!match) return undefined;
		const code = match[1] !== undefined ? parseInt(match[1], 16) : match[2] !== undefined ? Number(match[2]) : undefined;
		const text = code !== undefined ? (code <= 0x10ffff ? String.fromCodePoint(code) : undefined) : NAMED_ENTITIES[match[3].toLowerCase()];
		return text === undefined ? undefined : { length: match[0].length, bytes: Buffer.from(text, 'utf8') };
	});

/** How deep escapes may be stacked: %-encoded three times over an HTML or JSON escape. */
const MAX_DECODING_PASSES = 4;
/** Bounds the work on a text dense with every kind of escape (the stacks that matter come first). */
const MAX_READINGS = 32;
const PASSES = [percentDecoded, jsonDecoded, htmlDecoded];

/**
 * Every reading of a text a server could have produced from a secret: the text, and what each stack of
 * up to four %-, JSON- and HTML-decoding passes makes of it, breadth first. A pass that changes nothing
 * adds nothing, so plain text has one reading.
 */
function readingsOf(text: string): Reading[] {
	const first = rawReading(text);
	const seen = new Set([Buffer.from(first.bytes).toString('latin1')]);
	const readings = [first];
	let frontier = [first];
	for (let depth = 0; depth < MAX_DECODING_PASSES && frontier.length > 0; depth++) {
		const next: Reading[] = [];
		for (const reading of frontier) {
			for (const pass of PASSES) {
				const decoded = pass(reading);
				const key = Buffer.from(decoded.bytes).toString('latin1');
				if (seen.has(key) || readings.length + next.length >= MAX_READINGS) continue;
				seen.add(key);
				next.push(decoded);
			}
		}
		readings.push(...next);
		frontier = next;
	}
	return readings;
}

/**
 * What a secret is compared as: letters in one case (a server may change it), without white space and "+"
 * (a secret pasted with a newline, wrapped across lines, or form-encoded). Byte i of the key came from
 * byte `index[i]` of the reading.
 */
function comparable(bytes: ArrayLike<number>): { key: string; index: number[] } {
	let key = '';
	const index: number[] = [];
	for (let i = 0; i < bytes.length; i++) {
		const byte = bytes[i];
		const ignorable =
			byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x2b ||
			(byte === 0xc2 && bytes[i + 1] === 0xa0);
		if (ignorable) {
			if (byte === 0xc2) i++;
			continue;
		}
		key += String.fromCharCode(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);
		index.push(i);
	}
	return { key, index };
}

/** Where runs of at least `minRun` characters of `secret` occur in `text`, as [start, end) of `text`. */
function runsOf(text: string, secret: string, minRun: number): Array<[number, number]> {
	const run = Math.min(minRun, secret.length);
	const starts = new Map<string, number[]>();
	for (let i = 0; i + run <= secret.length; i++) {
		const gram = secret.slice(i, i + run);
		const list = starts.get(gram);
		if (list) list.push(i);
		else starts.set(gram, [i]);
	}
	const found: Array<[number, number]> = [];
	for (let at = 0; at + run <= text.length; ) {
		let longest = 0;
		for (const start of starts.get(text.slice(at, at + run)) ?? []) {
			let length = run;
			while (at + length < text.length && start + length < secret.length && text[at + length] === secret[start + length]) length++;
			longest = Math.max(longest, length);
		}
		if (longest > 0) {
			found.push([at, at + longest]);
			at += longest;
		} else {
			at++;
		}
	}
	return found;
}

/** What one secret is looked for as, prepared once for every text the redactor sees. */
interface SecretForms {
	key: string;
	hex: string;
	base64: RegExp | undefined;
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

function secretForms(secret: string): SecretForms | undefined {
	const { key } = comparable(Buffer.from(secret, 'utf8'));
	if (key.length < MIN_SECRET_LENGTH) return undefined;
	const values = [...new Set([secret, secret.trim()])];
	const fragments = values.flatMap(base64Fragments).map(escapeRegExp);
	return {
		key,
		hex: Buffer.from(secret.trim(), 'utf8').toString('hex'),
		base64: fragments.length ? new RegExp(fragments.join('|'), 'g') : undefined,
	};
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

/** Joins overlapping spans and cuts them out of the text. */
function cutOut(text: string, spans: Array<[number, number]>): string {
	if (spans.length === 0) return text;
	spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
	let out = '';
	let kept = 0;
	for (const [start, end] of spans) {
		if (end <= kept) continue;
		out += text.slice(kept, Math.max(start, kept)) + (start >= kept ? REDACTED : '');
		kept = end;
	}
	return out + text.slice(kept);
}

export interface RedactOptions {
	/**
	 * Scrub runs of at least 12 bytes of a secret, not only the whole value (default). Off for values that
	 * are not random — a Referer header shares its first characters with the URL the message names.
	 */
	partialRuns?: boolean;
}

/**
 * A function that scrubs every secret from a text: the secret as given or trimmed, in any letter case,
 * split by white space, percent-encoded up to three times, JSON- or HTML-escaped, in hex or base64, and —
 * unless turned off — any run of 12 or more of its bytes (a truncated echo).
 */
function redactor(
	secrets: ReadonlyArray<string | undefined>,
	{ partialRuns = true }: RedactOptions = {},
): (text: string) => string {
	const forms = secrets
		.filter((secret): secret is string => typeof secret === 'string')
		.map(secretForms)
		.filter((form): form is SecretForms => form !== undefined);
	return (text) => {
		const spans: Array<[number, number]> = [];
		if (forms.length > 0) {
			const readings = readingsOf(text).map((reading) => ({ reading, ...comparable(reading.bytes) }));
			const hexText = comparable(rawReading(text).bytes);
			const raw = rawReading(text);
			for (const form of forms) {
				const minRun = partialRuns ? MIN_RUN_BYTES : form.key.length;
				for (const { reading, key, index } of readings) {
					for (const [start, end] of runsOf(key, form.key, minRun)) {
						spans.push([reading.from[index[start]], reading.to[index[end - 1]]]);
					}
				}
				for (const [start, end] of runsOf(hexText.key, form.hex, partialRuns ? 2 * MIN_RUN_BYTES : form.hex.length)) {
					spans.push([raw.from[hexText.index[start]], raw.to[hexText.index[end - 1]]]);
				}
				for (const match of form.base64 ? text.matchAll(form.base64) : []) {
					spans.push([match.index, match.index + match[0].length]);
				}
			}
		}
		// Header- and query-style leftovers the SDK could put into a message, whatever their value.
		return cutOut(text, spans).replace(KEYED_LEFTOVER, `$1${REDACTED}`);
	};
}

export function redactText(
	text: string,
	secrets: ReadonlyArray<string | undefined>,
	options?: RedactOptions,
): string {
	return redactor(secrets, options)(text);
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
