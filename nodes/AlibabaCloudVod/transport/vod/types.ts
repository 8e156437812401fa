import type {
	IExecuteFunctions,
	IHookFunctions,
	ILoadOptionsFunctions,
	IPollFunctions,
	IWebhookFunctions,
	Logger,
} from 'n8n-workflow';

/**
 * Request and response shapes of the VOD 2017-03-21 operations the nodes use, in VOD's wire names
 * (see the generated `@alicloud/vod20170321` models). Every value VOD takes in the query is a string
 * or a number; JSON-valued parameters (UploadMetadatas, UserData, RegisterMetadatas) are JSON strings.
 */

/** The decrypted `alibabaCloudVodApi` credential. */
export interface AlibabaCloudApiCredentials {
	accessKeyId: string;
	accessKeySecret: string;
	securityToken?: string;
	region: string;
	/** host[:port]; empty means vod.<region>.aliyuncs.com */
	endpoint?: string;
	/** as typed in the credential; read case-insensitively where the endpoint is resolved (endpoint.ts) */
	protocol?: string;
}

/** Any n8n context that can read credentials, name its node and send a request through n8n. */
export type VodContext =
	| IExecuteFunctions
	| IPollFunctions
	| IHookFunctions
	| IWebhookFunctions
	| ILoadOptionsFunctions;

export interface VodRetryPolicy {
	/** total attempts including the first one */
	maxAttempts: number;
	/** backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] */
	baseDelayMs: number;
	maxDelayMs: number;
}

export interface VodRequestOptions {
	/**
	 * The caller declares that repeating the call is harmless, so a call whose outcome is unknown
	 * (connection dropped or timed out after the request was sent, HTTP 500) may be retried.
	 * When omitted, the per-action default of `isIdempotentCall` applies.
	 */
	idempotent?: boolean;
	retry?: Partial<VodRetryPolicy>;
	/** stops the backoff and the call in flight */
	signal?: AbortSignal;
	logger?: Logger;
	/** one try, from sending to the end of the answer */
	timeoutMs?: number;
	/** n8n only: stamped on the NodeApiError so the error names the item */
	itemIndex?: number;
}

/** A query value as VOD takes it; undefined and empty values are left out of the request. */
export type VodParamValue = string | number | boolean | undefined;
export type VodParams = Record<string, VodParamValue>;

export interface VodResponseBase {
	RequestId: string;
}

// ---- URL upload --------------------------------------------------------------------------------

/** One element of UploadMetadatas (sent as a JSON string) */
export interface UploadMetadata {
	SourceURL: string;
	Title: string;
	FileSize?: string;
	Description?: string;
	CoverURL?: string;
	CateId?: string;
	Tags?: string;
	TemplateGroupId?: string;
	WorkflowId?: string;
	FileExtension?: string;
}

export interface UploadMediaByURLRequest {
	/** comma-separated, at most 20, each URL-encoded */
	UploadURLs: string;
	/** JSON string of UploadMetadata[] */
	UploadMetadatas?: string;
	TemplateGroupId?: string;
	WorkflowId?: string;
	StorageLocation?: string;
	/** JSON string: MessageCallback, Extend, AccelerateConfig */
	UserData?: string;
	AppId?: string;
	/** dedup key (≤50 chars, [A-Za-z0-9_-]); VOD rejects a SessionId used in the last 10 minutes */
	SessionId?: string;
}

export interface UploadJob {
	JobId: string;
	SourceURL: string;
}

export interface UploadMediaByURLResponse extends VodResponseBase {
	UploadJobs: UploadJob[];
}

export interface GetURLUploadInfosRequest {
	/** comma-separated, at most 10; wins over UploadURLs */
	JobIds?: string;
	/** comma-separated URL-encoded URLs, at most 10 */
	UploadURLs?: string;
}

export type URLUploadStatus =
	| 'PENDING'
	| 'PROCESSING'
	| 'DOWNLOADING'
	| 'DOWNLOAD_SUCCESS'
	| 'DOWNLOAD_FAIL'
	| 'UPLOADING'
	| 'UPLOAD_SUCCESS'
	| 'UPLOAD_FAIL'
	| 'SUCCESS'
	| (string & {});

export interface URLUploadInfo {
	JobId: string;
	UploadURL: string;
	MediaId?: string;
	Status: URLUploadStatus;
	CreationTime?: string;
	CompleteTime?: string;
	ErrorCode?: string;
	ErrorMessage?: string;
	FileSize?: string;
	UserData?: string;
	RegisteredMediaId?: string;
}

export interface GetURLUploadInfosResponse extends VodResponseBase {
	URLUploadInfoList?: URLUploadInfo[];
	NonExists?: string[];
}

export interface CancelUrlUploadJobsRequest {
	JobIds?: string;
	/** note VOD's spelling: UploadUrls */
	UploadUrls?: string;
}

export interface CancelUrlUploadJobsResponse extends VodResponseBase {
	CanceledJobs?: string[];
	NonExists?: string[];
}

// ---- Upload credentials ------------------------------------------------------------------------

export interface CreateUploadVideoRequest {
	FileName: string;
	Title: string;
	FileSize?: number;
	Description?: string;
	CoverURL?: string;
	CateId?: number;
	Tags?: string;
	TemplateGroupId?: string;
	WorkflowId?: string;
	StorageLocation?: string;
	UserData?: string;
	AppId?: string;
	/** 6–64 chars [A-Za-z0-9_-], unique per account: makes a retried create safe */
	ReferenceId?: string;
}

/** UploadAddress / UploadAuth are Base64 JSON; see helpers for decoding. */
export interface CreateUploadVideoResponse extends VodResponseBase {
	VideoId: string;
	UploadAddress: string;
	UploadAuth: string;
}

export interface RefreshUploadVideoRequest {
	VideoId?: string;
	ReferenceId?: string;
}

export interface RefreshUploadVideoResponse extends VodResponseBase {
	VideoId: string;
	UploadAddress: string;
	UploadAuth: string;
}

export interface CreateUploadImageRequest {
	ImageType: 'default' | 'cover' | (string & {});
	ImageExt?: string;
	OriginalFileName?: string;
	Title?: string;
	Description?: string;
	Tags?: string;
	CateId?: number;
	StorageLocation?: string;
	UserData?: string;
	AppId?: string;
}

export interface CreateUploadImageResponse extends VodResponseBase {
	ImageId: string;
	ImageURL?: string;
	FileURL?: string;
	UploadAddress: string;
	UploadAuth: string;
}

export interface CreateUploadAttachedMediaRequest {
	BusinessType: 'watermark' | 'subtitle' | 'material' | (string & {});
	MediaExt?: string;
	FileName?: string;
	FileSize?: string;
	Title?: string;
	Description?: string;
	Tags?: string;
	/** comma-separated, at most 5 */
	CateIds?: string;
	StorageLocation?: string;
	UserData?: string;
	AppId?: string;
}

export interface CreateUploadAttachedMediaResponse extends VodResponseBase {
	MediaId: string;
	MediaURL?: string;
	FileURL?: string;
	UploadAddress: string;
	UploadAuth: string;
}

// ---- Media -------------------------------------------------------------------------------------

export interface GetVideoInfoRequest {
	VideoId?: string;
	ReferenceId?: string;
}

export interface VideoInfo {
	VideoId: string;
	Title?: string;
	Description?: string;
	Duration?: number;
	CoverURL?: string;
	Status?: string;
	CreationTime?: string;
	ModificationTime?: string;
	Size?: number;
	Snapshots?: { Snapshot?: string[] };
	CateId?: number;
	CateName?: string;
	Tags?: string;
	TemplateGroupId?: string;
	StorageLocation?: string;
	RegionId?: string;
	AppId?: string;
	AuditStatus?: string;
	DownloadSwitch?: string;
	UserData?: string;
	StorageClass?: string;
	RestoreStatus?: string;
	RestoreExpiration?: string;
	ReferenceId?: string;
	[key: string]: unknown;
}

export interface GetVideoInfoResponse extends VodResponseBase {
	Video: VideoInfo;
}

export interface GetMezzanineInfoRequest {
	VideoId?: string;
	ReferenceId?: string;
	/** seconds the returned FileURL stays valid (default 3600) */
	AuthTimeout?: number;
	OutputType?: 'oss' | 'cdn';
	AdditionType?: string;
}

export interface Mezzanine {
	VideoId: string;
	FileName?: string;
	FileURL?: string;
	Size?: number;
	Duration?: string;
	Bitrate?: string;
	Fps?: string;
	Width?: number;
	Height?: number;
	CreationTime?: string;
	Status?: string;
	OutputType?: string;
	PreprocessStatus?: string;
	StorageClass?: string;
	FileMD5?: string;
	CRC64?: string;
	VideoStreamList?: Array<Record<string, string>>;
	AudioStreamList?: Array<Record<string, string>>;
	[key: string]: unknown;
}

export interface GetMezzanineInfoResponse extends VodResponseBase {
	Mezzanine: Mezzanine;
}

export interface GetPlayInfoRequest {
	VideoId: string;
	Formats?: string;
	AuthTimeout?: number;
	OutputType?: 'oss' | 'cdn';
	StreamType?: string;
	Definition?: string;
	ResultType?: 'Single' | 'Multiple';
	PlayConfig?: string;
	ReAuthInfo?: string;
}

export interface PlayInfo {
	PlayURL: string;
	Definition?: string;
	Format?: string;
	Bitrate?: string;
	Duration?: string;
	Size?: number;
	Width?: number;
	Height?: number;
	Fps?: string;
	Encrypt?: number;
	EncryptType?: string;
	StreamType?: string;
	JobId?: string;
	Status?: string;
	CreationTime?: string;
	ModificationTime?: string;
	[key: string]: unknown;
}

export interface GetPlayInfoResponse extends VodResponseBase {
	VideoBase?: {
		VideoId: string;
		Title?: string;
		CoverURL?: string;
		Duration?: string;
		Status?: string;
		CreationTime?: string;
		MediaType?: string;
		[key: string]: unknown;
	};
	PlayInfoList?: { PlayInfo?: PlayInfo[] };
}

export interface SearchMediaRequest {
	SearchType?: 'video' | 'audio' | 'image' | 'attached';
	Match?: string;
	Fields?: string;
	SortBy?: string;
	PageNo?: number;
	/** at most 100 */
	PageSize?: number;
	ScrollToken?: string;
}

export interface MediaListItem {
	MediaId: string;
	MediaType?: string;
	CreationTime?: string;
	Video?: Record<string, unknown>;
	Audio?: Record<string, unknown>;
	Image?: Record<string, unknown>;
	AttachedMedia?: Record<string, unknown>;
	[key: string]: unknown;
}

export interface SearchMediaResponse extends VodResponseBase {
	Total?: number;
	ScrollToken?: string;
	MediaList?: MediaListItem[];
}

/** One element of RegisterMetadatas (sent as a JSON string, at most 10) */
export interface RegisterMetadata {
	FileURL: string;
	Title: string;
	Description?: string;
	Tags?: string;
	CoverURL?: string;
	CateId?: number;
}

export interface RegisterMediaRequest {
	/** JSON string of RegisterMetadata[] */
	RegisterMetadatas: string;
	TemplateGroupId?: string;
	WorkflowId?: string;
	UserData?: string;
}

export interface RegisterMediaResponse extends VodResponseBase {
	RegisteredMediaList?: Array<{ FileURL: string; MediaId: string; NewRegister: boolean }>;
	FailedFileURLs?: string[];
}

export interface DeleteVideoRequest {
	/** comma-separated, at most 20 */
	VideoIds?: string;
	ReferenceIds?: string;
}

export interface DeleteVideoResponse extends VodResponseBase {
	NonExistVideoIds?: string[];
	ForbiddenVideoIds?: string[];
	NonExistReferenceIds?: string[];
}

// ---- Event notification ------------------------------------------------------------------------

export interface SetMessageCallbackRequest {
	CallbackType?: 'HTTP' | 'MNS';
	CallbackURL?: string;
	/** comma-separated event types, or ALL */
	EventTypeList?: string;
	AuthSwitch?: 'on' | 'off';
	AuthKey?: string;
	MnsEndpoint?: string;
	MnsQueueName?: string;
	AppId?: string;
}

export type SetMessageCallbackResponse = VodResponseBase;

export interface GetMessageCallbackRequest {
	AppId?: string;
}

export interface GetMessageCallbackResponse extends VodResponseBase {
	MessageCallback?: {
		CallbackType?: string;
		CallbackURL?: string;
		EventTypeList?: string;
		AuthSwitch?: string;
		AuthKey?: string;
		MnsEndpoint?: string;
		MnsQueueName?: string;
		AppId?: string;
	};
}

/** Action name → request/response types, for the generic call. */
export interface VodOperations {
	UploadMediaByURL: [UploadMediaByURLRequest, UploadMediaByURLResponse];
	GetURLUploadInfos: [GetURLUploadInfosRequest, GetURLUploadInfosResponse];
	CancelUrlUploadJobs: [CancelUrlUploadJobsRequest, CancelUrlUploadJobsResponse];
	CreateUploadVideo: [CreateUploadVideoRequest, CreateUploadVideoResponse];
	RefreshUploadVideo: [RefreshUploadVideoRequest, RefreshUploadVideoResponse];
	CreateUploadImage: [CreateUploadImageRequest, CreateUploadImageResponse];
	CreateUploadAttachedMedia: [CreateUploadAttachedMediaRequest, CreateUploadAttachedMediaResponse];
	GetVideoInfo: [GetVideoInfoRequest, GetVideoInfoResponse];
	GetMezzanineInfo: [GetMezzanineInfoRequest, GetMezzanineInfoResponse];
	GetPlayInfo: [GetPlayInfoRequest, GetPlayInfoResponse];
	SearchMedia: [SearchMediaRequest, SearchMediaResponse];
	RegisterMedia: [RegisterMediaRequest, RegisterMediaResponse];
	DeleteVideo: [DeleteVideoRequest, DeleteVideoResponse];
	SetMessageCallback: [SetMessageCallbackRequest, SetMessageCallbackResponse];
	GetMessageCallback: [GetMessageCallbackRequest, GetMessageCallbackResponse];
}

export type VodAction = keyof VodOperations;
