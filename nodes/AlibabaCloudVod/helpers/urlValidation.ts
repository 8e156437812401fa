import { inputProblem } from './items';
import { derivedTitle, titleFromFileName } from './metadataValidation';
import { refuseUrlList } from './sourceUrl';

/** Audio and video formats VOD pulls by URL (UploadMediaByURL accepts only audio and video). */
export const URL_UPLOAD_VIDEO_EXTENSIONS = [
	'mp4',
	'ts',
	'3gp',
	'mpg',
	'mpeg',
	'mpe',
	'dat',
	'vob',
	'asf',
	'avi',
	'wmv',
	'flv',
	'f4v',
	'rm',
	'rmvb',
	'mov',
	'mkv',
	'm3u8',
	'dv',
	'gif',
	'm2t',
	'm4v',
	'mj2',
	'mjpeg',
	'mts',
	'ogg',
	'qt',
	'swf',
	'webm',
];
export const URL_UPLOAD_AUDIO_EXTENSIONS = [
	'mp3',
	'wma',
	'wav',
	'aac',
	'ra',
	'm4a',
	'flac',
	'ape',
	'ac3',
	'amr',
	'caf',
	'acm',
];
const SUPPORTED = new Set([...URL_UPLOAD_VIDEO_EXTENSIONS, ...URL_UPLOAD_AUDIO_EXTENSIONS]);

/** A Source URL that is not text: name what it is and how to map the URL out of it, never "empty". */
function notTextProblem(raw: unknown) {
	const map = 'Map the field that holds the file URL into Source URL, e.g. {{ $json.url }}';
	if (raw === null) {
		return inputProblem(
			'The Source URL is null (the mapped field has no value on this item)',
			`${map}, or filter out items without a URL before this node`,
		);
	}
	if (Array.isArray(raw)) {
		return inputProblem(
			`The Source URL is a list of ${raw.length} values, not one URL`,
			'One item is one file: split the list into items first (Split Out node), then map {{ $json.url }}',
		);
	}
	if (typeof raw === 'object') {
		return inputProblem(
			'The Source URL is an object, not a URL',
			'Map the URL inside it into Source URL, e.g. {{ $json.source.url }}',
		);
	}
	return inputProblem(`The Source URL is the ${typeof raw} ${String(raw)}, not a URL`, map);
}

/** A % not followed by two hex digits: WHATWG URL parsing keeps it, VOD's decoding fails on it. */
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Parses an http(s) URL, or says what is wrong with it. */
export function parseSourceUrl(raw: unknown): URL {
	if (typeof raw !== 'string' && raw !== undefined) throw notTextProblem(raw);
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (!text) {
		throw inputProblem(
			'The Source URL is empty',
			'Map the field that holds the file URL into Source URL, e.g. {{ $json.url }}',
		);
	}
	refuseUrlList(text, 'The Source URL');
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw inputProblem(
			`The Source URL "${text}" is not a valid URL`,
			'Give a full URL such as https://example.com/videos/intro.mp4',
		);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw inputProblem(
			`The Source URL "${text}" uses ${url.protocol.replace(':', '')}; VOD pulls only http and https URLs`,
			'Publish the file over HTTP(S), e.g. a signed OSS or CDN URL',
		);
	}
	refuseMalformedEscape(url, text, 'The Source URL');
	return url;
}

/** Refuses a URL with a "%" not followed by two hex digits, which neither VOD nor most servers decode. */
export function refuseMalformedEscape(url: URL, text: string, field: string) {
	const badEscape = MALFORMED_ESCAPE.exec(url.href);
	if (badEscape) {
		throw inputProblem(
			`${field} "${text}" has a "%" that does not start an escape (${url.href.slice(badEscape.index, badEscape.index + 3)}): VOD cannot decode it`,
			'Write a literal % in a URL as %25, and an escaped character as % and two hex digits (%20 for a space)',
		);
	}
}

function lastSegment(url: URL) {
	const segment = url.pathname.split('/').pop() ?? '';
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** The extension of the file name in the URL's path, lower case, or '' */
export function extensionOf(url: URL) {
	const name = lastSegment(url);
	const dot = name.lastIndexOf('.');
	return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The default title: the file name in the URL's path, as Upload derives it from a file name. */
export function titleFromUrl(url: URL) {
	const name = lastSegment(url);
	return name.trim() ? titleFromFileName(name, url.hostname) : derivedTitle(url.hostname, url.hostname);
}

/** The extension VOD will use: File Extension wins over the one in the URL (as in VOD). */
export function checkExtension(url: URL, fileExtension: string) {
	const given = fileExtension.trim().replace(/^\./, '').toLowerCase();
	const ext = given || extensionOf(url);
	if (!ext) {
		throw inputProblem(
			`The Source URL "${url.href}" has no file extension`,
			'Set Options → File Extension (e.g. mp4), or use a URL whose path ends in the file name',
		);
	}
	if (!SUPPORTED.has(ext)) {
		throw inputProblem(
			`".${ext}" is not an audio or video format VOD can pull by URL (${given ? 'File Extension' : url.href})`,
			`Use one of: ${[...SUPPORTED].join(', ')}. Images and other files need the Upload resource`,
		);
	}
	return ext;
}

export { checkHttpUrl } from './metadataValidation';
