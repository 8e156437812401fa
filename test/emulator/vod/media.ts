import { randomBytes } from 'node:crypto';

import { presignObjectUrl } from '../oss/presign';
import type { EmulatorState } from '../state';
import type { Caller } from './auth';
import { hexId, DEFAULT_APP_ID } from './store';
import type { Media, MediaType } from './model';

/** `sv/<id>/<id>.<ext>` as VOD names video objects. */
export function videoObjectKey(ext: string) {
	const id = `${randomBytes(4).toString('hex')}-${randomBytes(6).toString('hex').slice(0, 11)}`;
	return `sv/${id}/${id}.${ext}`;
}

export function newMedia(
	state: EmulatorState,
	caller: Caller,
	fields: Partial<Media> & { mediaType: MediaType; objectKey: string; title: string },
): Media {
	const now = Date.now();
	const media: Media = {
		mediaId: hexId(),
		accountId: caller.accountId,
		status: 'Uploading',
		creationTime: now,
		modificationTime: now,
		bucket: state.vod.bucket,
		storageLocation: state.vod.storageLocation,
		appId: DEFAULT_APP_ID,
		source: 'upload',
		...fields,
	};
	state.vod.addMedia(media);
	return media;
}

/**
 * Changes a media's status the way VOD does: every status change also moves ModificationTime, which is
 * what SearchMedia's `ModificationTime` range and sort see (the poll trigger relies on it).
 */
export function setMediaStatus(media: Media, status: string, at = Date.now()): Media {
	media.status = status;
	// never backwards: a change stamped in the past would hide from a poller that already looked there
	media.modificationTime = Math.max(at, media.modificationTime);
	return media;
}

/** Sets the status of a stored media by id (tests); throws when the id is unknown. */
export function changeMediaStatus(state: EmulatorState, mediaId: string, status: string, at?: number) {
	const media = state.vod.media.get(mediaId);
	if (!media) throw new Error(`no media ${mediaId}`);
	return setMediaStatus(media, status, at);
}

/** A V1 query-signed GET URL for the object on the OSS emulator (path style; see oss/presign.ts). */
export function signedObjectUrl(state: EmulatorState, bucket: string, key: string, ttlSeconds: number) {
	const [accessKeyId, accessKeySecret] = state.accounts.entries().next().value ?? ['', ''];
	return presignObjectUrl({
		endpoint: state.vod.ossEndpoint,
		bucket,
		key,
		credentials: { accessKeyId, accessKeySecret },
		expiresInSeconds: ttlSeconds,
	});
}

/** Unsigned object URL, as callbacks carry it. */
export function objectUrl(state: EmulatorState, media: Media) {
	const path = media.objectKey.split('/').map(encodeURIComponent).join('/');
	return `${state.vod.ossEndpoint}/${media.bucket}/${path}`;
}

export function uploadAddress(state: EmulatorState, media: Media) {
	const address = { Endpoint: state.vod.ossEndpoint, Bucket: media.bucket, FileName: media.objectKey };
	return Buffer.from(JSON.stringify(address)).toString('base64');
}

/** Issues a fresh STS triple for the media's object and encodes it as VOD's UploadAuth. */
export function uploadAuth(state: EmulatorState, caller: Caller, media: Media) {
	const sts = state.issueSts(media.bucket, media.objectKey, media.mediaId);
	state.vod.stsOwners.set(sts.accessKeyId, caller.accountId);
	const ttl = Math.round((sts.expiresAt - Date.now()) / 1000);
	const auth = {
		SecurityToken: sts.securityToken,
		AccessKeyId: sts.accessKeyId,
		ExpireUTCTime: new Date(sts.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
		AccessKeySecret: sts.accessKeySecret,
		Expiration: String(ttl),
		Region: 'cn-shanghai',
	};
	return Buffer.from(JSON.stringify(auth)).toString('base64');
}
