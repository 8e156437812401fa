import type { Operation } from '../context';
import { errors } from '../errors';
import { newMedia } from '../media';
import { AUDIO_EXTENSIONS, checkMetadata, extensionOf, parseJson, required } from '../validate';

const MAX_FILES = 10;

/**
 * The (bucket, key) an OSS URL names: `https://<bucket>.oss-<region>.aliyuncs.com/<key>` or the
 * emulator's path style `http://127.0.0.1:<port>/<bucket>/<key>`.
 */
export function parseOssUrl(fileUrl: string): { bucket: string; key: string } | undefined {
	let url: URL;
	try {
		url = new URL(fileUrl);
	} catch {
		return undefined;
	}
	const path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
	const virtual = /^([a-z0-9-]{3,63})\.oss-[a-z0-9-]+(-internal)?\.aliyuncs\.com$/.exec(url.hostname);
	if (virtual) return path ? { bucket: virtual[1], key: path } : undefined;
	const slash = path.indexOf('/');
	if (slash <= 0 || slash === path.length - 1) return undefined;
	return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

export const RegisterMedia: Operation = (ctx) => {
	const { params, store, state, caller } = ctx;
	const list = parseJson('RegisterMetadatas', required(params, 'RegisterMetadatas'));
	if (!Array.isArray(list) || list.length === 0) {
		throw errors.invalidParameter('RegisterMetadatas', 'It must be a non-empty JSON array.');
	}
	if (list.length > MAX_FILES) throw errors.invalidParameter('RegisterMetadatas', `At most ${MAX_FILES} files.`);
	for (const entry of list as Array<Record<string, string>>) {
		if (!entry?.FileURL) throw errors.missingParameter('FileURL');
		if (Buffer.byteLength(entry.FileURL) > 1024) throw errors.invalidParameter('FileURL');
		if (!entry.Title) throw errors.missingParameter('Title');
		checkMetadata(entry);
	}
	const registered: Array<{ FileURL: string; MediaId: string; NewRegister: boolean }> = [];
	const failed: string[] = [];
	for (const entry of list as Array<Record<string, string>>) {
		const target = parseOssUrl(entry.FileURL);
		const object = target && state.objects.get(`${target.bucket}/${target.key}`);
		if (!target || !object) {
			failed.push(entry.FileURL);
			continue;
		}
		const existing = store.mediaAt(target.bucket, target.key);
		if (existing) {
			registered.push({ FileURL: entry.FileURL, MediaId: existing.mediaId, NewRegister: false });
			continue;
		}
		const ext = extensionOf(target.key);
		const media = newMedia(state, caller, {
			mediaType: AUDIO_EXTENSIONS.has(ext) ? 'audio' : 'video',
			bucket: target.bucket,
			objectKey: target.key,
			storageLocation: `${target.bucket}.oss-cn-shanghai.aliyuncs.com`,
			title: entry.Title,
			description: entry.Description,
			tags: entry.Tags,
			coverUrl: entry.CoverURL,
			cateId: entry.CateId ? Number(entry.CateId) : undefined,
			templateGroupId: params.get('TemplateGroupId'),
			userData: params.get('UserData'),
			status: 'Normal',
			size: object.size,
			source: 'register',
		});
		registered.push({ FileURL: entry.FileURL, MediaId: media.mediaId, NewRegister: true });
	}
	return { RegisteredMediaList: registered, FailedFileURLs: failed };
};
