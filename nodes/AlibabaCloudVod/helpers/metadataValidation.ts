/**
 * The one set of rules for the metadata VOD stores with a media — Title, Description, Tags, UserData and its
 * Extend — used by every operation (URL Upload, Upload, Media) and by the local emulator, so that an item one
 * operation accepts is never refused by another. Why each rule is what it is: docs/architecture.md,
 * "Metadata rules".
 */

import { ItemInputError } from './items';

/** VOD's documented limits, in UTF-8 bytes. */
export const LIMITS = {
	titleBytes: 128,
	descriptionBytes: 1024,
	tags: 16,
	tagBytes: 32,
	extendBytes: 512,
	/** not documented by VOD; the common file-system limit */
	fileNameBytes: 255,
};

export function utf8Bytes(value: string): number {
	return Buffer.byteLength(value, 'utf8');
}

/**
 * VOD refuses emoji in titles, descriptions and tags. Read as: every character that takes 4 bytes in UTF-8
 * (all pictographic emoji, flags, skin tones, and rare CJK extension ideographs, which stores limited to
 * 3-byte UTF-8 refuse the same way), plus the few 3-byte characters that display as emoji by default (✅, ⌚)
 * and the emoji variation selector. Text symbols such as ™ © ® stay allowed.
 */
const FORBIDDEN_CHARACTER = /[\u{10000}-\u{10FFFF}\p{Emoji_Presentation}\u{FE0F}\u{20E3}]/u;
/** A whole emoji sequence (a flag is two characters, a family several joined by U+200D), to name it. */
const FORBIDDEN_RUN = /[\u{10000}-\u{10FFFF}\p{Emoji_Presentation}\u{FE0F}\u{20E3}\u{200D}]+/u;

/** The first run of characters VOD would refuse, or undefined. */
export function forbiddenCharacter(value: string): string | undefined {
	return FORBIDDEN_CHARACTER.test(value) ? FORBIDDEN_RUN.exec(value)?.[0] : undefined;
}

/**
 * Characters that are not text: C0 and C1 control characters (NUL, line breaks, escape…) and lone
 * surrogates (half of a 4-byte character, which UTF-8 cannot encode at all). A Description may hold tabs
 * and line breaks; every other field is one line.
 */
const NOT_TEXT = /[\p{Cc}\p{Cs}]/u;
const NOT_TEXT_MULTILINE = /[^\P{Cc}\t\n\r]|\p{Cs}/u;

/** The first character of `value` that is not text, or undefined. */
export function controlCharacter(value: string, { multiline = false } = {}): string | undefined {
	return (multiline ? NOT_TEXT_MULTILINE : NOT_TEXT).exec(value)?.[0];
}

/** Removes what no derived name may hold: control characters, lone surrogates, characters VOD refuses. */
function withoutRefusedCharacters(value: string): string {
	return value
		.replace(new RegExp(NOT_TEXT.source, 'gu'), ' ')
		.replace(new RegExp(FORBIDDEN_CHARACTER.source, 'gu'), '')
		.replace(/\s+/g, ' ');
}

export function codePointName(character: string): string {
	return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Clips on a character boundary: never half a UTF-8 sequence or half a surrogate pair. */
function clipToBytes(value: string, maxBytes: number): string {
	let kept = '';
	let bytes = 0;
	for (const character of value) {
		bytes += utf8Bytes(character);
		if (bytes > maxBytes) break;
		kept += character;
	}
	return kept;
}

/**
 * A title the node makes up itself (from a file name or URL) must never make the item fail: characters VOD
 * refuses are dropped and the rest is clipped to 128 bytes. A title the user typed is checked instead.
 */
export function derivedTitle(source: string, fallback: string): string {
	const title = clipToBytes(withoutRefusedCharacters(source).trim(), LIMITS.titleBytes).trim();
	return title || clipToBytes(withoutRefusedCharacters(fallback).trim(), LIMITS.titleBytes);
}

/**
 * The title of a media whose user gave none, in every operation: its file name as stored (the same
 * cleaning as `derivedFileName`, so a decoded "/" reads "_" in both) without the extension.
 */
export function titleFromFileName(name: string, fallback: string): string {
	const fileName = derivedFileName(name);
	const dot = fileName.lastIndexOf('.');
	return derivedTitle(dot > 0 ? fileName.slice(0, dot) : fileName, fallback);
}

/**
 * A file name taken from the source (binary data or URL) rather than typed: the same cleaning as a derived
 * title, keeping the extension, so that a source named "🎬 intro.mp4" uploads as "intro.mp4".
 */
export function derivedFileName(name: string): string {
	const dot = name.lastIndexOf('.');
	const extension = dot >= 0 ? withoutRefusedCharacters(name.slice(dot)).replace(/[\s\\/]/g, '') : '';
	const base = withoutRefusedCharacters(dot >= 0 ? name.slice(0, dot) : name)
		// a decoded %2F in a URL's last segment is not a folder
		.replace(/[\\/]/g, '_')
		.trim();
	const kept = clipToBytes(base, LIMITS.fileNameBytes - utf8Bytes(extension)).trim();
	return (kept || 'media') + extension;
}

/** How a value that is not text reads in a message: its type, and for a list how many values it holds. */
export function describeNonText(raw: unknown): string {
	if (raw === null) return 'null (the mapped field has no value on this item)';
	if (Array.isArray(raw)) return `a list of ${raw.length} value${raw.length === 1 ? '' : 's'}`;
	if (typeof raw === 'object') return 'an object';
	return `the ${typeof raw} ${String(raw)}`;
}

/**
 * What a text field holds: text as given, a number as its digits; undefined for nothing. A list, an object
 * or a boolean is a mapping mistake, named rather than sent as "[object Object]".
 */
function textValue(field: string, raw: unknown): string {
	if (raw === undefined || raw === null) return '';
	if (typeof raw === 'string') return raw;
	if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
	throw new ItemInputError(
		`${field} is ${describeNonText(raw)}, not text`,
		`Map the text inside it (e.g. {{ $json.video.title }}), or join a list into one text first.`,
	);
}

/** Title, Description or a tag: trimmed; undefined when empty (and not required). */
export function checkText(
	field: string,
	raw: unknown,
	maxBytes: number,
	{ required = false, multiline = false } = {},
): string | undefined {
	const value = textValue(field, raw).trim();
	if (value === '') {
		if (required) {
			throw new ItemInputError(`${field} is empty`, `Give a ${field} of at most ${maxBytes} bytes.`);
		}
		return undefined;
	}
	const control = controlCharacter(value, { multiline });
	if (control !== undefined) {
		const surrogate = /\p{Cs}/u.test(control);
		throw new ItemInputError(
			surrogate
				? `${field} contains half of a character (${codePointName(control)}, a lone surrogate), which is not valid text`
				: `${field} contains the control character ${codePointName(control)}, which is not text`,
			surrogate
				? `Fix the source of the ${field}: it was cut in the middle of an emoji or other 4-byte character.`
				: `Remove line breaks, NUL and other control characters from the ${field}${multiline ? ' (tabs and line breaks are fine)' : ''}.`,
		);
	}
	const bytes = utf8Bytes(value);
	if (bytes > maxBytes) {
		throw new ItemInputError(
			`${field} is ${bytes} bytes long; VOD accepts at most ${maxBytes} bytes (UTF-8)`,
			`Shorten the ${field}. Chinese, Japanese and Korean characters take 3 bytes each.`,
		);
	}
	const refused = forbiddenCharacter(value);
	if (refused !== undefined) {
		throw new ItemInputError(
			`${field} contains "${refused}" (${codePointName(refused)}), an emoji or 4-byte character, which VOD refuses`,
			`Remove emoji and flags from the ${field}; symbols such as ™ © ® are fine.`,
		);
	}
	return value;
}

/** Description: up to 1024 bytes, and the one field that may hold tabs and line breaks. */
export function checkDescription(raw: unknown): string | undefined {
	return checkText('Description', raw, LIMITS.descriptionBytes, { multiline: true });
}

/**
 * Tags: comma-separated, at most 16, each at most 32 bytes; returned normalised ("a,b,c"). `sourceKeyTag`:
 * the tag Submit adds for Options → Source Key, appended and counted.
 */
export function checkTags(raw: unknown, sourceKeyTag?: string): string | undefined {
	const list: unknown[] = Array.isArray(raw) ? raw : textValue('Tags', raw).split(',');
	const tags = list
		.map((tag) => textValue('A tag', tag).trim())
		.filter((tag) => tag !== '');
	// Submit's Source Key travels as one more tag, so it counts toward VOD's limit.
	if (sourceKeyTag) tags.push(sourceKeyTag);
	if (tags.length === 0) return undefined;
	if (tags.length > LIMITS.tags) {
		const ofKey = sourceKeyTag ? ` (${tags.length - 1} in Tags and the one Source Key adds)` : '';
		throw new ItemInputError(
			`${tags.length} tags given${ofKey}; VOD accepts at most ${LIMITS.tags}`,
			sourceKeyTag
				? `Keep at most ${LIMITS.tags - 1} comma-separated tags in Tags: Source Key takes one of VOD's ${LIMITS.tags}.`
				: `Keep at most ${LIMITS.tags} comma-separated tags.`,
		);
	}
	for (const tag of tags) checkText(`Tag "${tag.slice(0, 40)}"`, tag, LIMITS.tagBytes);
	return tags.join(',');
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON object given as text or as data; null stays null (the caller decides what it means). */
function jsonObject(raw: unknown, field: string, example: string): Record<string, unknown> | null {
	let value = raw;
	let valid = true;
	if (typeof raw === 'string') {
		try {
			value = JSON.parse(raw);
		} catch {
			valid = false;
		}
	}
	if (!valid) throw new ItemInputError(`${field} is not valid JSON`, `Give a JSON object, e.g. ${example}`);
	if (value === null || isObject(value)) return value;
	throw new ItemInputError(
		`${field} is not a JSON object`,
		`Give a JSON object, e.g. ${example} (wrap a list or value in a named field).`,
	);
}

function isUnset(raw: unknown) {
	return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/**
 * Extend: the caller's own JSON object VOD echoes back in callbacks and job status, at most 512 bytes as
 * sent. `{}` and null count as not set. Returns the parsed object.
 */
export function checkExtend(raw: unknown): Record<string, unknown> | undefined {
	if (isUnset(raw)) return undefined;
	const value = jsonObject(raw, 'Extend', '{"sourceId":"42"}');
	if (value === null || Object.keys(value).length === 0) return undefined;
	const bytes = utf8Bytes(JSON.stringify(value));
	if (bytes > LIMITS.extendBytes) {
		throw new ItemInputError(
			`Extend is ${bytes} bytes; VOD accepts at most ${LIMITS.extendBytes}`,
			'Keep only the IDs you need to match the callback to your records, and look the rest up in your own store.',
		);
	}
	return value;
}

/**
 * A URL VOD stores or calls on the user's behalf (Cover URL, Callback URL): http(s) only, so a javascript:,
 * data: or file: URL never reaches a player page or VOD. Undefined when not given.
 */
export function checkHttpUrl(field: string, raw: unknown, fix = `Give a full URL for ${field}, starting with https://`): string | undefined {
	const url = textValue(field, raw).trim();
	if (!url) return undefined;
	if (!URL.canParse(url) || !/^https?:$/i.test(new URL(url).protocol)) {
		throw new ItemInputError(`${field} "${url.slice(0, 200)}" is not an http(s) URL`, fix);
	}
	return url;
}

function checkCallbackUrl(raw: unknown): string | undefined {
	return checkHttpUrl(
		'Callback URL',
		raw,
		'Give the address VOD should notify, e.g. the production URL of an Alibaba Cloud VOD Trigger.',
	);
}

/** VOD's UserData built from the node's Callback URL and Extend fields, as one JSON string. */
export function buildUserData(callbackUrl: unknown, extend: unknown): string | undefined {
	const data: Record<string, unknown> = {};
	const url = checkCallbackUrl(callbackUrl);
	if (url) data.MessageCallback = { CallbackURL: url, CallbackType: 'http' };
	const extendValue = checkExtend(extend);
	if (extendValue) data.Extend = extendValue;
	return Object.keys(data).length === 0 ? undefined : JSON.stringify(data);
}

/**
 * UserData given whole (Register): a JSON object whose MessageCallback and Extend follow the same rules as
 * the separate fields. VOD's docs show both nested as objects and as JSON strings, so both are read.
 */
export function checkUserData(raw: unknown): string | undefined {
	if (isUnset(raw)) return undefined;
	const parsed = jsonObject(raw, 'User Data', '{"Extend":{"sourceId":"42"}}');
	if (parsed === null) return undefined;
	// a copy: the parameter's own object is not changed
	const data = { ...parsed };
	// sent compact, so the 512 bytes checked are the bytes VOD receives
	const extend = checkExtend(data.Extend);
	if (extend) data.Extend = extend;
	else delete data.Extend;
	if (!isUnset(data.MessageCallback)) {
		const callback = jsonObject(data.MessageCallback, 'MessageCallback in User Data', '{"CallbackURL":"https://…"}');
		checkCallbackUrl(callback?.CallbackURL);
	}
	return JSON.stringify(data);
}
