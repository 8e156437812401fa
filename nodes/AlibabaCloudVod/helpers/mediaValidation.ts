/**
 * Checks on media identifiers and metadata, run before any call so an invalid item is never sent.
 * Each check throws `ItemInputError` (message: what is wrong; fix: how to put it right); the operation
 * turns it into an error that names the item.
 */

import { ItemInputError } from './items';
import { codePointName, describeNonText, utf8Bytes } from './metadataValidation';


/** A character a media ID never holds; `.` and `/` would turn the ID into a path in the request. */
const NOT_IN_MEDIA_ID = /[^A-Za-z0-9_-]/u;

/**
 * VOD's media IDs are 32 lowercase hex characters in every documented sample, but VOD does not document
 * the format, so only what no media ID holds is refused: anything but letters, digits, - and _ (a path
 * such as "../id", white space, control characters, a comma list), a URL pasted instead of an ID, a list
 * or object mapped in whole, and an absurd length. One item is one media.
 */
export function checkVideoId(raw: unknown, label = 'Video ID'): string {
	const example = 'e.g. 93ab850b4f6f54b6e91d24d81d44****';
	if (Array.isArray(raw) && raw.length > 0) {
		throw new ItemInputError(
			`${label} is ${describeNonText(raw)}, not one media ID`,
			`One item acts on one media: split the list into items first (Split Out node), then map the ID, ${example}.`,
		);
	}
	if (raw !== undefined && typeof raw !== 'string' && typeof raw !== 'number' && !Array.isArray(raw)) {
		throw new ItemInputError(
			`${label} is ${describeNonText(raw)}, not a media ID`,
			`Map the ID field inside it, e.g. {{ $json.videoId }} (32 characters, ${example}).`,
		);
	}
	const value = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
	if (value === '') {
		throw new ItemInputError(
			`${label} is empty`,
			`Give the ${label} of the media (32 characters, ${example}), or map it from an earlier node.`,
		);
	}
	if (/^[a-z]+:\/\//i.test(value)) {
		throw new ItemInputError(
			`${label} "${value.slice(0, 200)}" is a URL, not a media ID`,
			`Give the media's ID (as returned by URL Upload, Upload or Search), not its address.`,
		);
	}
	if (/[\s,;]/.test(value)) {
		throw new ItemInputError(
			`${label} "${JSON.stringify(value.slice(0, 80)).slice(1, -1)}" is not a single media ID`,
			'Give one ID per item, without spaces or commas. To act on many media, send one item per ID (Split Out node).',
		);
	}
	const bad = NOT_IN_MEDIA_ID.exec(value)?.[0];
	if (bad !== undefined || value.length > 128) {
		throw new ItemInputError(
			bad !== undefined
				? `${label} "${JSON.stringify(value.slice(0, 80)).slice(1, -1)}" contains "${JSON.stringify(bad).slice(1, -1)}" (${codePointName(bad)}), which no media ID holds`
				: `${label} is ${value.length} characters long; media IDs are 32`,
			`Give the media's ID as VOD returned it: letters and digits only (${example}).`,
		);
	}
	return value;
}

/** CreateUploadVideo's rule for ReferenceId: 6–64 characters of letters, digits, - and _. */
export function checkReferenceId(raw: unknown): string {
	const value = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
	if (!/^[A-Za-z0-9_-]{6,64}$/.test(value)) {
		throw new ItemInputError(
			value === '' ? 'Reference ID is empty' : `Reference ID "${value.slice(0, 80)}" is not valid`,
			'A Reference ID is the 6–64 character ID (letters, digits, - and _) you gave VOD when the media was created.',
		);
	}
	return value;
}

export function checkCategoryId(raw: unknown): number | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
	if (!Number.isSafeInteger(value) || value <= 0) {
		throw new ItemInputError(
			`Category ID "${String(raw)}" is not a category ID`,
			'Give the numeric ID of a VOD category (Media Assets → Categories in the VOD console), or leave it empty.',
		);
	}
	return value;
}

/** RegisterMedia FileURL: an http(s) URL of an OSS object, at most 1024 bytes. */
export function checkFileUrl(raw: unknown): string {
	const value = typeof raw === 'string' ? raw.trim() : '';
	if (value === '') {
		throw new ItemInputError(
			'File URL is empty',
			'Give the OSS URL of the file, e.g. https://my-bucket.oss-cn-shanghai.aliyuncs.com/videos/a.mp4',
		);
	}
	const url = URL.canParse(value) ? new URL(value) : undefined;
	if (!url) {
		throw new ItemInputError(
			`File URL "${value.slice(0, 200)}" is not a URL`,
			'Give the full OSS URL, starting with https://',
		);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new ItemInputError(
			`File URL "${value.slice(0, 200)}" is not an http(s) URL`,
			'Give the OSS URL of the object (https://<bucket>.oss-<region>.aliyuncs.com/<key>), not an oss:// path.',
		);
	}
	if (utf8Bytes(value) > 1024) {
		throw new ItemInputError(
			'File URL is longer than 1024 bytes',
			'VOD only registers files whose URL is at most 1024 bytes; shorten the object key.',
		);
	}
	return value;
}

/** Bucket host of an OSS URL: RegisterMedia wants all files of one call in the same storage location. */
export function storageLocationOf(fileUrl: string): string {
	try {
		return new URL(fileUrl).host.toLowerCase();
	} catch {
		return '';
	}
}

/**
 * The most seconds a signed URL may stay valid, by where it points. GetPlayInfo and GetMezzanineInfo
 * document the same rule: OSS URLs at most 2,592,000 (30 days; 129,600 for files in the user's own
 * bucket, which VOD enforces itself), CDN URLs without a maximum — there the node stops at ten years,
 * past which a signed URL is no time limit at all.
 */
export const MAX_AUTH_TIMEOUT = { oss: 2_592_000, cdn: 315_360_000 } as const;

/** Auth Timeout of GetPlayInfo and GetMezzanineInfo: whole seconds from 1 to the output type's maximum. */
export function checkAuthTimeout(raw: unknown, outputType: 'oss' | 'cdn'): number {
	const max = MAX_AUTH_TIMEOUT[outputType] ?? MAX_AUTH_TIMEOUT.oss;
	const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
		const shown = typeof raw === 'number' || typeof raw === 'string' ? `${raw}` : describeNonText(raw);
		throw new ItemInputError(
			`Auth Timeout ${shown} is not a whole number of seconds from 1 to ${max.toLocaleString('en-US')}`,
			outputType === 'oss'
				? `Give 1 to ${max.toLocaleString('en-US')} seconds (30 days; 129,600 for files in your own bucket), or remove the option.`
				: `Give 1 to ${max.toLocaleString('en-US')} seconds (ten years), or remove the option.`,
		);
	}
	return value;
}
