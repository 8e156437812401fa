/**
 * Checks on media identifiers and metadata, run before any call so an invalid item is never sent.
 * Each check throws `ItemInputError` (message: what is wrong; fix: how to put it right); the operation
 * turns it into an error that names the item.
 */

import { ItemInputError } from './items';
import { utf8Bytes } from './metadataValidation';


/**
 * VOD VideoIds are 32 lowercase hex characters, but older and other-type media ids differ, so only what
 * would break the request is refused: nothing given, whitespace or commas inside (VideoIds is a comma
 * list), a URL pasted instead of an id, or an absurd length.
 */
export function checkVideoId(raw: unknown, label = 'Video ID'): string {
	const value = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
	if (value === '') {
		throw new ItemInputError(
			`${label} is empty`,
			`Give the ${label} of the media (32 characters, e.g. 93ab850b4f6f54b6e91d24d81d44****), or map it from an earlier node.`,
		);
	}
	if (/^[a-z]+:\/\//i.test(value)) {
		throw new ItemInputError(
			`${label} "${value}" is a URL, not a media ID`,
			`Give the media's ID (as returned by URL Upload, Upload or Search), not its address.`,
		);
	}
	if (/[\s,]/.test(value) || value.length > 128) {
		throw new ItemInputError(
			`${label} "${value.slice(0, 80)}" is not a single media ID`,
			'Give one ID per item, without spaces or commas. To act on many media, send one item per ID.',
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
