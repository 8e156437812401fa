import { randomBytes } from 'node:crypto';

import type { Operation, OperationContext } from '../context';
import { errors, VodError } from '../errors';
import { newMedia, objectUrl, uploadAddress, uploadAuth, videoObjectKey } from '../media';
import type { Media } from '../model';
import { DEFAULT_APP_ID } from '../store';
import {
	AUDIO_EXTENSIONS,
	VIDEO_EXTENSIONS,
	checkMetadata,
	extensionOf,
	parseUserData,
	required,
	splitList,
} from '../validate';

const REFERENCE_ID = /^[A-Za-z0-9_-]{6,64}$/;
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'heic', 'webp']);
const ATTACHED_EXTENSIONS: Record<string, string[]> = {
	watermark: ['png', 'gif', 'apng', 'mov'],
	subtitle: ['srt', 'ass', 'stl', 'ttml', 'vtt'],
	material: ['jpg', 'gif', 'png', 'mp4', 'mat', 'zip', 'apk'],
};

function checkStorage(ctx: OperationContext) {
	const location = ctx.params.get('StorageLocation');
	if (location !== undefined && location !== ctx.store.storageLocation) {
		throw new VodError('InvalidStorage.NotFound', 'The StorageLocation does not exist.', 404);
	}
}

function commonFields(ctx: OperationContext) {
	const { params } = ctx;
	const meta = {
		Title: params.get('Title'),
		Description: params.get('Description'),
		Tags: params.get('Tags'),
	};
	checkMetadata(meta);
	const cateId = params.get('CateId') ?? splitList(params.get('CateIds'))[0];
	if (cateId !== undefined && !/^\d+$/.test(cateId)) throw errors.invalidParameter('CateId');
	const userData = params.get('UserData');
	parseUserData(userData);
	checkStorage(ctx);
	return {
		description: meta.Description,
		tags: meta.Tags,
		cateId: cateId !== undefined ? Number(cateId) : undefined,
		coverUrl: params.get('CoverURL'),
		appId: params.get('AppId') ?? DEFAULT_APP_ID,
		templateGroupId: params.get('TemplateGroupId'),
		userData,
	};
}

function credentials(ctx: OperationContext, media: Media) {
	return {
		UploadAddress: uploadAddress(ctx.state, media),
		UploadAuth: uploadAuth(ctx.state, ctx.caller, media),
	};
}

export const CreateUploadVideo: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const fileName = required(params, 'FileName');
	const title = required(params, 'Title');
	const ext = extensionOf(fileName);
	if (!VIDEO_EXTENSIONS.has(ext) && !AUDIO_EXTENSIONS.has(ext)) {
		throw new VodError('InvalidFileName.Extension', "The specified FileName's extension is illegal.");
	}
	const common = commonFields(ctx);
	const referenceId = params.get('ReferenceId');
	if (referenceId !== undefined) {
		if (!REFERENCE_ID.test(referenceId)) {
			throw errors.invalidParameter('ReferenceId', '6 to 64 characters: letters, digits, - and _.');
		}
		if (store.mediaByReference(caller.accountId, referenceId)) {
			throw new VodError('InvalidParameter.ReferenceId', 'The specified ReferenceId already exists.');
		}
	}
	const media = newMedia(ctx.state, caller, {
		...common,
		mediaType: AUDIO_EXTENSIONS.has(ext) ? 'audio' : 'video',
		objectKey: videoObjectKey(ext),
		title,
		fileName,
		referenceId,
		size: params.has('FileSize') ? Number(params.get('FileSize')) : undefined,
	});
	return { VideoId: media.mediaId, ...credentials(ctx, media) };
};

/** The media a VideoId (or ReferenceId) names, owned by the caller, or InvalidVideo.NotFound. */
export function findVideo(ctx: OperationContext, required = true) {
	const { params, store, caller } = ctx;
	const videoId = params.get('VideoId');
	const referenceId = params.get('ReferenceId');
	if (videoId === undefined && referenceId === undefined) {
		if (!required) return undefined;
		throw errors.missingParameter('VideoId');
	}
	const media =
		videoId !== undefined
			? store.media.get(videoId)
			: store.mediaByReference(caller.accountId, referenceId!);
	if (!media || media.accountId !== caller.accountId) throw errors.videoNotFound();
	return media;
}

export const RefreshUploadVideo: Operation = (ctx) => {
	const media = findVideo(ctx)!;
	if (media.mediaType !== 'video' && media.mediaType !== 'audio') throw errors.videoNotFound();
	media.modificationTime = Date.now();
	return { VideoId: media.mediaId, ...credentials(ctx, media) };
};

export const CreateUploadImage: Operation = (ctx) => {
	const { params, caller } = ctx;
	const imageType = required(params, 'ImageType');
	if (imageType !== 'default' && imageType !== 'cover') {
		throw errors.invalidParameter('ImageType', 'Use default or cover.');
	}
	const ext = (params.get('ImageExt') ?? 'png').toLowerCase();
	if (!IMAGE_EXTENSIONS.has(ext)) throw errors.invalidParameter('ImageExt');
	const common = commonFields(ctx);
	const original = params.get('OriginalFileName');
	const media = newMedia(ctx.state, caller, {
		...common,
		mediaType: 'image',
		objectKey: `image/${imageType}/${randomBytes(16).toString('hex').toUpperCase()}.${ext}`,
		title: params.get('Title') ?? original ?? 'image',
		fileName: original,
		imageType,
	});
	const url = objectUrl(ctx.state, media);
	return { ImageId: media.mediaId, ImageURL: url, FileURL: url, ...credentials(ctx, media) };
};

export const CreateUploadAttachedMedia: Operation = (ctx) => {
	const { params, caller } = ctx;
	const businessType = required(params, 'BusinessType');
	const allowed = ATTACHED_EXTENSIONS[businessType];
	if (!allowed) throw errors.invalidParameter('BusinessType', 'Use watermark, subtitle or material.');
	const fileName = params.get('FileName');
	const ext = (params.get('MediaExt') ?? (fileName ? extensionOf(fileName) : '')).toLowerCase();
	if (!ext) throw errors.missingParameter('MediaExt');
	if (!allowed.includes(ext)) throw errors.invalidParameter('MediaExt');
	if (splitList(params.get('CateIds')).length > 5) throw errors.invalidParameter('CateIds', 'At most 5.');
	const common = commonFields(ctx);
	const media = newMedia(ctx.state, caller, {
		...common,
		mediaType: 'attached',
		objectKey: `attached/${businessType}/${randomBytes(16).toString('hex')}.${ext}`,
		title: params.get('Title') ?? fileName ?? businessType,
		fileName,
		businessType,
	});
	const url = objectUrl(ctx.state, media);
	return { MediaId: media.mediaId, MediaURL: url, FileURL: url, ...credentials(ctx, media) };
};
