import { errors, VodError } from './errors';
import type { Params } from './context';
import { controlCharacter, forbiddenCharacter, LIMITS } from '../../../nodes/AlibabaCloudVod/helpers/metadataValidation';

export function required(params: Params, name: string) {
	const value = params.get(name);
	if (value === undefined) throw errors.missingParameter(name);
	return value;
}

export function splitList(value: string | undefined) {
	return (value ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s.length > 0);
}

export function checkText(name: string, value: string | undefined, maxBytes: number) {
	if (value === undefined) return;
	if (Buffer.byteLength(value, 'utf8') > maxBytes) {
		throw new VodError('LengthExceededMax', `The specified ${name} has exceeded ${maxBytes} bytes.`);
	}
	// the node's rule, so the emulator refuses exactly what the node refuses before sending
	if (
		forbiddenCharacter(value) !== undefined ||
		controlCharacter(value, { multiline: name === 'Description' }) !== undefined
	) {
		throw new VodError('IllegalCharacters', `The specified ${name} contains illegal characters.`);
	}
}

export function checkTags(value: string | undefined) {
	if (value === undefined) return;
	const tags = splitList(value);
	if (tags.length > LIMITS.tags) throw new VodError('TagsExceededMax', 'The specified Tags count has exceeded 16.');
	for (const tag of tags) checkText('Tags', tag, LIMITS.tagBytes);
}

/** Title ≤128 bytes, Description ≤1024, Tags ≤16 × 32 bytes, no emoji. */
export function checkMetadata(meta: { Title?: string; Description?: string; Tags?: string }) {
	checkText('Title', meta.Title, LIMITS.titleBytes);
	checkText('Description', meta.Description, LIMITS.descriptionBytes);
	checkTags(meta.Tags);
}

export function parseJson(name: string, value: string | undefined): unknown {
	if (value === undefined) return undefined;
	try {
		return JSON.parse(value);
	} catch {
		throw errors.invalidParameter(name, 'It must be a JSON string.');
	}
}

export function intParam(params: Params, name: string, fallback: number, min: number, max: number) {
	const raw = params.get(name);
	if (raw === undefined) return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < min || value > max) {
		throw errors.invalidParameter(name, `It must be an integer from ${min} to ${max}.`);
	}
	return value;
}

export const VIDEO_EXTENSIONS = new Set(
	'mp4 ts 3gp mpg mpeg mpe dat vob asf avi wmv flv f4v rm rmvb mov mkv m3u8 dv gif m2t m4v mj2 mjpeg mts ogg qt swf webm'.split(' '),
);
export const AUDIO_EXTENSIONS = new Set('mp3 wma wav aac ra m4a flac ape ac3 amr caf acm'.split(' '));

/** Lowercased extension of a file name or URL path ('' when none). */
export function extensionOf(pathOrUrl: string) {
	let path = pathOrUrl;
	try {
		path = new URL(pathOrUrl).pathname;
	} catch {
		path = pathOrUrl.split(/[?#]/)[0];
	}
	const last = path.split('/').pop() ?? '';
	const dot = last.lastIndexOf('.');
	return dot > 0 && dot < last.length - 1 ? last.slice(dot + 1).toLowerCase() : '';
}

/** UserData arrives as a JSON string whose nested values may themselves be JSON strings. */
export function parseUserData(raw: string | undefined): { callbackUrl?: string; extend?: string } {
	if (!raw) return {};
	let data: Record<string, unknown>;
	try {
		data = JSON.parse(raw);
	} catch {
		throw errors.invalidParameter('UserData', 'It must be a JSON string.');
	}
	if (!data || typeof data !== 'object') return {};
	let callback = data.MessageCallback as unknown;
	if (typeof callback === 'string') {
		try {
			callback = JSON.parse(callback);
		} catch {
			callback = undefined;
		}
	}
	const callbackUrl =
		callback && typeof callback === 'object'
			? ((callback as Record<string, unknown>).CallbackURL as string | undefined)
			: undefined;
	const extendValue = data.Extend;
	const extend =
		extendValue === undefined
			? undefined
			: typeof extendValue === 'string'
				? extendValue
				: JSON.stringify(extendValue);
	if (extend !== undefined && Buffer.byteLength(extend) > LIMITS.extendBytes) {
		throw errors.invalidParameter('UserData', 'Extend must not exceed 512 bytes.');
	}
	return { callbackUrl, extend };
}
