import type { Operation } from '../context';
import { isoSeconds } from '../encoding';
import { errors, VodError } from '../errors';
import { signedObjectUrl } from '../media';
import type { Media } from '../model';
import { REGION } from '../store';
import { extensionOf, intParam, splitList } from '../validate';
import { findVideo } from './upload-auth';

const MAX_DELETE = 20;

function isVideo(media: Media) {
	return media.mediaType === 'video' || media.mediaType === 'audio';
}

function fileName(media: Media) {
	return media.fileName ?? media.objectKey.split('/').pop()!;
}

/** GetVideoInfo's `Video`; SearchMedia reuses it with plain-array Snapshots. */
export function videoFields(media: Media) {
	return {
		VideoId: media.mediaId,
		Title: media.title,
		Description: media.description,
		Duration: media.duration ?? 0,
		CoverURL: media.coverUrl,
		Status: media.status,
		CreationTime: isoSeconds(media.creationTime),
		ModificationTime: isoSeconds(media.modificationTime),
		Size: media.size ?? 0,
		CateId: media.cateId,
		Tags: media.tags,
		TemplateGroupId: media.templateGroupId,
		StorageLocation: media.storageLocation,
		RegionId: REGION,
		AppId: media.appId,
		UserData: media.userData,
		ReferenceId: media.referenceId,
		StorageClass: 'Standard',
		DownloadSwitch: 'on',
		AuditStatus: 'Normal',
	};
}

export const GetVideoInfo: Operation = (ctx) => {
	const media = findVideo(ctx)!;
	if (!isVideo(media)) throw errors.videoNotFound();
	return { Video: { ...videoFields(media), Snapshots: { Snapshot: [] } } };
};

export const GetMezzanineInfo: Operation = (ctx) => {
	const media = findVideo(ctx)!;
	if (!isVideo(media)) throw errors.videoNotFound();
	const authTimeout = intParam(ctx.params, 'AuthTimeout', 3600, 1, 7 * 24 * 3600);
	const object = ctx.state.objects.get(`${media.bucket}/${media.objectKey}`);
	return {
		Mezzanine: {
			VideoId: media.mediaId,
			FileName: fileName(media),
			FileURL: signedObjectUrl(ctx.state, media.bucket, media.objectKey, authTimeout),
			Size: object?.size ?? media.size ?? 0,
			Duration: String(media.duration ?? 0),
			CreationTime: isoSeconds(media.creationTime),
			Status: media.status === 'Normal' ? 'Normal' : media.status,
			OutputType: ctx.params.get('OutputType') ?? 'oss',
			PreprocessStatus: 'UnPreprocess',
			StorageClass: 'Standard',
			FileMD5: object?.md5,
			VideoStreamList: [],
			AudioStreamList: [],
		},
	};
};

/** No transcoding in the emulator: the source file is the one stream (Definition OD). */
export const GetPlayInfo: Operation = (ctx) => {
	const media = findVideo(ctx)!;
	if (!isVideo(media)) throw errors.videoNotFound();
	const object = ctx.state.objects.get(`${media.bucket}/${media.objectKey}`);
	if (media.status !== 'Normal' || !object) {
		throw new VodError('InvalidVideo.NoneStream', 'The video has no stream to play.', 404);
	}
	const format = extensionOf(media.objectKey);
	const formats = splitList(ctx.params.get('Formats')).map((f) => f.toLowerCase());
	const authTimeout = intParam(ctx.params, 'AuthTimeout', 1800, 1, 30 * 24 * 3600);
	const created = isoSeconds(media.creationTime);
	const playInfo =
		formats.length === 0 || formats.includes(format)
			? [
					{
						PlayURL: signedObjectUrl(ctx.state, media.bucket, media.objectKey, authTimeout),
						Definition: 'OD',
						Format: format,
						Size: object.size,
						Duration: String(media.duration ?? 0),
						Bitrate: '0',
						Width: 0,
						Height: 0,
						Fps: '0',
						Encrypt: 0,
						StreamType: media.mediaType === 'audio' ? 'audio' : 'video',
						Status: 'Normal',
						CreationTime: created,
						ModificationTime: isoSeconds(media.modificationTime),
					},
				]
			: [];
	return {
		VideoBase: {
			VideoId: media.mediaId,
			Title: media.title,
			CoverURL: media.coverUrl,
			Duration: String(media.duration ?? 0),
			Status: media.status,
			CreationTime: created,
			MediaType: media.mediaType === 'audio' ? 'audio' : 'video',
			StorageClass: 'Standard',
		},
		PlayInfoList: { PlayInfo: playInfo },
	};
};

export const DeleteVideo: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const videoIds = splitList(params.get('VideoIds'));
	const referenceIds = splitList(params.get('ReferenceIds'));
	if (videoIds.length === 0 && referenceIds.length === 0) throw errors.missingParameter('VideoIds');
	if (videoIds.length > MAX_DELETE) throw errors.invalidParameter('VideoIds', `At most ${MAX_DELETE}.`);
	if (referenceIds.length > MAX_DELETE) throw errors.invalidParameter('ReferenceIds', `At most ${MAX_DELETE}.`);
	const nonExist: string[] = [];
	const forbidden: string[] = [];
	const nonExistReference: string[] = [];
	const remove = (media: Media) => {
		store.deleteMedia(media.mediaId);
		ctx.state.objects.delete(`${media.bucket}/${media.objectKey}`);
	};
	for (const id of videoIds) {
		const media = store.media.get(id);
		if (!media || !isVideo(media)) nonExist.push(id);
		else if (media.accountId !== caller.accountId) forbidden.push(id);
		else remove(media);
	}
	for (const ref of referenceIds) {
		const media = store.mediaByReference(caller.accountId, ref);
		if (media && isVideo(media)) remove(media);
		else nonExistReference.push(ref);
	}
	return { NonExistVideoIds: nonExist, ForbiddenVideoIds: forbidden, NonExistReferenceIds: nonExistReference };
};
