/** Records the VOD half of the emulator keeps. Field names follow VOD's wire names where they surface. */

export type UrlJobStatus =
	| 'PENDING'
	| 'DOWNLOADING'
	| 'DOWNLOAD_SUCCESS'
	| 'DOWNLOAD_FAIL'
	| 'UPLOADING'
	| 'UPLOAD_SUCCESS'
	| 'UPLOAD_FAIL'
	| 'SUCCESS'
	| 'CANCELED';

export interface UploadMetadata {
	Title?: string;
	FileSize?: string;
	Description?: string;
	CoverURL?: string;
	CateId?: string;
	Tags?: string;
	TemplateGroupId?: string;
	WorkflowId?: string;
	FileExtension?: string;
}

export interface UrlJob {
	jobId: string;
	uploadUrl: string; // the entry as submitted in UploadURLs, URL-decoded
	accountId: string;
	status: UrlJobStatus;
	creationTime: number;
	completeTime?: number;
	errorCode?: string;
	errorMessage?: string;
	fileSize?: number;
	mediaId: string; // VOD assigns the media id when the job is accepted
	userData?: string;
	metadata: UploadMetadata;
	appId: string;
	templateGroupId?: string;
	storageLocation: string;
	sessionId?: string;
}

export type MediaType = 'video' | 'audio' | 'image' | 'attached';

export interface Media {
	mediaId: string;
	mediaType: MediaType;
	accountId: string;
	title: string;
	description?: string;
	tags?: string;
	cateId?: number;
	coverUrl?: string;
	status: string; // Uploading, Normal, UploadFail, ...
	creationTime: number;
	modificationTime: number;
	size?: number;
	bucket: string;
	objectKey: string;
	storageLocation: string;
	appId: string;
	templateGroupId?: string;
	userData?: string;
	referenceId?: string;
	source: 'url' | 'upload' | 'register' | 'seed';
	jobId?: string;
	sourceUrl?: string;
	fileName?: string; // original file name given by the client
	imageType?: string;
	businessType?: string;
	duration?: number;
}

export interface CallbackAttempt {
	eventType: string;
	url: string;
	attempt: number; // 1..3
	at: string; // ISO
	statusCode?: number;
	error?: string;
	ok: boolean;
	timestamp?: string; // X-VOD-TIMESTAMP sent
	signature?: string; // X-VOD-SIGNATURE sent
	payload: Record<string, unknown>;
}

export interface MessageCallbackSettings {
	CallbackType: 'HTTP' | 'MNS';
	CallbackURL: string;
	EventTypeList: string; // comma list or ALL
	AuthSwitch: 'on' | 'off';
	AuthKey: string;
	AppId?: string;
	MnsEndpoint?: string;
	MnsQueueName?: string;
}

export interface JobSettings {
	/** false: jobs stay PENDING until finish-jobs (control API) or runJobs() */
	autoRun: boolean;
	/** pause before each state step (PENDING→DOWNLOADING→UPLOADING→SUCCESS) */
	stepDelayMs: number;
	/** jobs downloading at once */
	concurrency: number;
	/** jobs over this size fail with FileSizeExceeded (VOD: 20 GB) */
	maxFileSize: number;
	/**
	 * How UploadURLs entries are read. 'documented' (default): decoded once, echoed decoded. The others
	 * are what an undocumented VOD behaviour or a gateway could do, for proving the node copes:
	 * 'decodeRepeatedly' decodes until nothing changes (x%2Cy and x,y become one URL);
	 * 'echoAsSent' stores the decoded URL but echoes SourceURL/UploadURL still encoded.
	 */
	urlHandling: 'documented' | 'decodeRepeatedly' | 'echoAsSent';
}

export interface CallbackSettings {
	/** reproduce VOD's sample quirks: keys with trailing spaces, numbers as strings */
	quirks: boolean;
	attempts: number;
	timeoutMs: number;
	retryDelayMs: number;
}
