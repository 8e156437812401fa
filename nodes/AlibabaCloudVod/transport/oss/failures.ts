import { withoutErrorCodes } from '../../helpers/uploadMessages';
import { redactText } from '../redact';

export type UploadFailureKind = 'source' | 'storage' | 'cancelled';

/** What a failed upload left behind, and what made it fail underneath. */
export interface UploadFailureFacts {
	/** the multipart upload was aborted: OSS dropped its parts */
	aborted?: boolean;
	/** a CompleteMultipartUpload went out and its outcome is unknown: OSS may hold the file */
	maybeStored?: boolean;
	/** the failure underneath, e.g. VOD's refusal of RefreshUploadVideo (its code and fix) */
	cause?: unknown;
}

/** What went wrong, how far it got, and whether the unfinished multipart upload was cleaned up. */
export class StreamUploadError extends Error {
	readonly aborted?: boolean;

	readonly maybeStored?: boolean;

	constructor(
		message: string,
		readonly kind: UploadFailureKind,
		readonly bytes: number,
		readonly uploadId?: string,
		facts: UploadFailureFacts = {},
	) {
		super(message, { cause: facts.cause });
		this.name = 'StreamUploadError';
		this.aborted = facts.aborted;
		this.maybeStored = facts.maybeStored;
	}
}

/** The fields of a failed OSS request (`OssRequestError`, shaped as ali-oss shapes its errors). */
export interface OssFailure {
	status?: number;
	code?: string;
	name?: string;
	message?: string;
	requestId?: string;
}

const CREDENTIAL_CODES = new Set([
	'SecurityTokenExpired',
	'InvalidAccessKeyId',
	'InvalidSecurityToken',
	'AccessDeniedByExpiredToken',
]);
const TRANSIENT_CODES = new Set([
	'RequestTimeout',
	'ServiceUnavailable',
	'InternalError',
	'SlowDown',
	'RequestTimeTooSkewed',
	'ConnectionTimeoutError',
	'ResponseTimeoutError',
	'RequestError',
	'ResponseError',
]);

export type FailureKind = 'credentials' | 'transient' | 'fatal';

/** Renew and try again, try again after a wait, or give up. */
export function classifyOssFailure(error: OssFailure): FailureKind {
	if (error.code && CREDENTIAL_CODES.has(error.code)) return 'credentials';
	if (error.status === 403 && /expired/i.test(error.message ?? '')) return 'credentials';
	if (error.code && TRANSIENT_CODES.has(error.code)) return 'transient';
	const status = error.status;
	if (status === undefined || status <= 0 || status >= 500 || status === 429 || status === 408) {
		return 'transient';
	}
	return 'fatal';
}

/** OSS error → a short text that names the code and request id and carries no credentials */
export function describeOssFailure(error: OssFailure, secrets: readonly string[]): string {
	const firstLine = String(error.message ?? error).split('\n')[0].slice(0, 300);
	const parts = [error.code && error.code !== firstLine ? `${error.code}: ${firstLine}` : firstLine];
	if (error.status && error.status > 0) parts.push(`HTTP ${error.status}`);
	if (error.requestId) parts.push(`request id ${error.requestId}`);
	return withoutErrorCodes(redactText(parts.join(', '), secrets));
}
