import type { EmulatorState, StoredObject } from '../state';
import type { CallbackSender } from './callbacks';
import { isoSeconds } from './encoding';
import { objectUrl, setMediaStatus } from './media';
import { parseUserData } from './validate';

/**
 * When an object lands at a media's upload address (OSS upload or URL-pull job), the media becomes
 * Normal and VOD sends FileUploadComplete / ImageUploadComplete / AttachedMediaUploadComplete.
 */
export function watchUploads(state: EmulatorState, callbacks: CallbackSender) {
	state.onObjectCompleted((object: StoredObject) => {
		const media = state.vod.mediaAt(object.bucket, object.key);
		if (!media) return;
		const now = Date.now();
		setMediaStatus(media, 'Normal', now);
		media.size = object.size;
		let userData: ReturnType<typeof parseUserData> = {};
		try {
			userData = parseUserData(media.userData);
		} catch {
			// validated when the upload was created
		}
		const fileUrl = objectUrl(state, media);
		const common = { Status: 'success', EventTime: isoSeconds(now) };
		let event: string;
		let payload: Record<string, unknown>;
		if (media.mediaType === 'image') {
			event = 'ImageUploadComplete';
			payload = { ...common, EventType: event, ImageId: media.mediaId, FileURL: fileUrl, AppId: media.appId, Size: object.size };
		} else if (media.mediaType === 'attached') {
			event = 'AttachedMediaUploadComplete';
			payload = { ...common, EventType: event, MediaId: media.mediaId, FileURL: fileUrl, AppId: media.appId, Size: object.size };
		} else {
			event = 'FileUploadComplete';
			payload = { ...common, EventType: event, VideoId: media.mediaId, Size: object.size, FileUrl: fileUrl };
		}
		if (userData.extend !== undefined) payload.Extend = userData.extend;
		callbacks.send(event, payload, userData.callbackUrl);
	});
}
