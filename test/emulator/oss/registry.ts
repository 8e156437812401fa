/**
 * What the OSS emulator remembers besides the stored objects (which live in EmulatorState): every
 * multipart upload it ever saw, and a log of the requests it answered. Tests read both to prove
 * e.g. that a resumed upload kept its uploadId or that a failed one was aborted.
 */

export interface PartRecord {
	partNumber: number;
	etag: string; // quoted uppercase MD5 hex, as sent in the ETag header
	md5: string; // hex
	size: number;
	path: string; // part file (removed once the upload completes or is aborted)
	lastModified: string; // ISO
	accessKeyId: string; // who uploaded it (tests can see a credential refresh mid-upload)
}

export type UploadStatus = 'active' | 'completing' | 'completed' | 'aborted';

export interface MultipartUploadRecord {
	uploadId: string;
	bucket: string;
	key: string;
	contentType?: string;
	status: UploadStatus;
	initiatedAt: string;
	initiatedBy: string; // AccessKeyId
	parts: Map<number, PartRecord>;
	/** UploadPart requests that stored a part (re-uploads of a number count again). */
	partUploads: number;
	completedAt?: string;
	/** Part numbers the object was assembled from, in order. */
	completedParts?: number[];
	etag?: string;
	abortedAt?: string;
}

export type OssOperation =
	| 'PutObject'
	| 'GetObject'
	| 'HeadObject'
	| 'DeleteObject'
	| 'InitiateMultipartUpload'
	| 'UploadPart'
	| 'CompleteMultipartUpload'
	| 'AbortMultipartUpload'
	| 'ListParts'
	| 'Unsupported';

export interface OssRequestRecord {
	requestId: string;
	method: string;
	operation: OssOperation;
	at: string; // ISO, when the request arrived
	bucket?: string;
	key?: string;
	uploadId?: string;
	partNumber?: number;
	accessKeyId?: string;
	signatureVersion?: string;
	status?: number; // HTTP status answered (undefined when the connection was cut)
	errorCode?: string;
	fault?: 'error503' | 'drop' | 'unavailable' | 'tokenExpired' | 'dropBefore' | 'dropAfter';
}

const MAX_LOGGED_REQUESTS = 100_000;

export class OssRegistry {
	readonly uploads = new Map<string, MultipartUploadRecord>();
	readonly requests: OssRequestRecord[] = [];
	/** ETag per `${bucket}/${key}` (multipart objects carry `"<md5 of part md5s>-<n>"`). */
	readonly etags = new Map<string, string>();
	/** requests per operation since the last clear (what `faults.oss.at` counts) */
	readonly callCounts = new Map<string, number>();

	countCall(operation: OssOperation) {
		const count = (this.callCounts.get(operation) ?? 0) + 1;
		this.callCounts.set(operation, count);
		return count;
	}

	log(record: OssRequestRecord) {
		this.requests.push(record);
		if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, 1000);
	}

	clear() {
		this.uploads.clear();
		this.requests.length = 0;
		this.etags.clear();
		this.callCounts.clear();
	}
}
