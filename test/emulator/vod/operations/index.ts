import type { Operation } from '../context';
import { DeleteVideo, GetMezzanineInfo, GetPlayInfo, GetVideoInfo } from './media-info';
import { GetMessageCallback, SetMessageCallback } from './message-callback';
import { RegisterMedia } from './register-media';
import { SearchMedia } from './search-media';
import { CreateUploadAttachedMedia, CreateUploadImage, CreateUploadVideo, RefreshUploadVideo } from './upload-auth';
import { CancelUrlUploadJobs, GetURLUploadInfos, UploadMediaByURL } from './url-upload';

/** Every VOD action the emulator answers; anything else is InvalidAction.NotFound. */
export const operations: Record<string, Operation | undefined> = {
	UploadMediaByURL,
	GetURLUploadInfos,
	CancelUrlUploadJobs,
	CreateUploadVideo,
	RefreshUploadVideo,
	CreateUploadImage,
	CreateUploadAttachedMedia,
	GetVideoInfo,
	GetMezzanineInfo,
	GetPlayInfo,
	SearchMedia,
	RegisterMedia,
	DeleteVideo,
	SetMessageCallback,
	GetMessageCallback,
};
