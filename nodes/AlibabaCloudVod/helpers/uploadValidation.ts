import { createHash } from 'node:crypto';

import { ItemInputError } from './items';
import { checkText, derivedFileName, LIMITS } from './metadataValidation';
import { refuseUrlList } from './sourceUrl';
import { refuseMalformedEscape } from './urlValidation';

/** VOD's upload formats (Upload Medias overview; CreateUploadImage / CreateUploadAttachedMedia). */
export const VIDEO_EXTENSIONS = [
	'mp4', 'ts', '3gp', 'mpg', 'mpeg', 'mpe', 'dat', 'vob', 'asf', 'avi', 'wmv', 'flv', 'f4v', 'rm',
	'rmvb', 'mov', 'mkv', 'm3u8', 'dv', 'gif', 'm2t', 'm4v', 'mj2', 'mjpeg', 'mts', 'ogg', 'qt', 'swf',
	'webm',
];
export const AUDIO_EXTENSIONS = [
	'mp3', 'wma', 'wav', 'aac', 'ra', 'm4a', 'flac', 'ape', 'ac3', 'amr', 'caf', 'acm',
];
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'heic', 'webp'];
export const ATTACHED_EXTENSIONS: Record<string, string[]> = {
	watermark: ['png', 'gif', 'apng', 'mov'],
	subtitle: ['srt', 'ass', 'stl', 'ttml', 'vtt'],
	material: ['jpg', 'gif', 'png', 'mp4', 'mat', 'zip', 'apk'],
};

export function extensionOf(fileName: string): string {
	const base = fileName.split(/[\\/]/).pop() ?? '';
	const dot = base.lastIndexOf('.');
	return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** The last path segment of a URL, decoded, without query or fragment ("" when there is none). */
export function fileNameFromUrl(url: string): string {
	try {
		const segment = new URL(url).pathname.split('/').pop() ?? '';
		return decodeURIComponent(segment);
	} catch {
		return '';
	}
}

/**
 * Characters that end a path in a URL (query, fragment). VOD takes the format from FileName's extension;
 * the emulator, like a parser that reads FileName as a path, stops at them and finds none — VOD documents
 * no such character in FileName, so the node never sends one.
 */
const URL_PATH_END = /[#?]/;

/** A file name taken from the source, cleaned as `derivedFileName` and without # or ?, read as "_". */
export function derivedUploadFileName(name: string): string {
	return derivedFileName(name).replace(new RegExp(URL_PATH_END.source, 'g'), '_');
}

/** A file name VOD accepts for the given extension list; the fix names the formats. */
export function checkFileName(
	raw: unknown,
	allowed: string[],
	what: string,
	hint = 'Set File Name (e.g. "intro.mp4")',
): string {
	const value = typeof raw === 'string' ? raw.trim() : '';
	if (value === '') {
		throw new ItemInputError('File Name is empty and the source does not name the file', `${hint}.`);
	}
	checkText('File Name', value, LIMITS.fileNameBytes);
	const cut = URL_PATH_END.exec(value)?.[0];
	if (cut) {
		throw new ItemInputError(
			`File Name "${value.slice(0, 120)}" contains "${cut}", which VOD may read as the end of the name (as in a web address), losing the extension`,
			`Replace "${cut}" in File Name, e.g. with "_" ("${value.slice(0, 120).replace(new RegExp(URL_PATH_END.source, 'g'), '_')}").`,
		);
	}
	const ext = extensionOf(value);
	if (!ext) {
		throw new ItemInputError(
			`File Name "${value.slice(0, 120)}" has no extension; VOD needs one to know the format`,
			`${hint}, with one of the ${what} extensions: ${allowed.join(', ')}.`,
		);
	}
	if (!allowed.includes(ext)) {
		throw new ItemInputError(
			`".${ext}" is not a ${what} format VOD accepts`,
			`Use a file with one of: ${allowed.join(', ')}; or correct File Name if the extension is wrong.`,
		);
	}
	return value;
}

/** A source URL the node can download. */
export function checkSourceUrl(raw: unknown): string {
	const value = typeof raw === 'string' ? raw.trim() : '';
	if (value === '') {
		throw new ItemInputError('URL is empty', 'Give the http(s) address of the file to upload.');
	}
	refuseUrlList(value, 'URL');
	const url = URL.canParse(value) ? new URL(value) : undefined;
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw new ItemInputError(
			`URL "${value.slice(0, 200)}" is not an http(s) URL`,
			'Give the full address, starting with https:// or http://',
		);
	}
	refuseMalformedEscape(url, value, 'URL');
	return url.toString();
}

/**
 * A Reference ID derived from what identifies the source, so a re-run of the same item finds the
 * video it already made: "n8n-" + 40 characters of base64url SHA-256 (VOD allows 6–64 of [A-Za-z0-9_-]).
 */
export function deriveReferenceId(parts: Array<string | number | undefined>): string {
	const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
	return `n8n-${digest.slice(0, 40)}`;
}
