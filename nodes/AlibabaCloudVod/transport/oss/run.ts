import { formatBytes } from '../../helpers/uploadFormat';
import { withoutErrorCodes } from '../../helpers/uploadMessages';
import type { HttpRequester } from '../http';
import { redactText, secretsOf } from '../redact';
import type { CredentialKeeper } from './credentialKeeper';
import { StreamUploadError, type UploadFailureKind } from './failures';
import type { OssObjectTarget } from './requests';
import type { UploadAddress } from './uploadCredentials';

export interface UploadLogger {
	info(message: string): void;
	warn(message: string): void;
	debug(message: string): void;
}

export interface UploadRunSettings {
	http: HttpRequester;
	address: UploadAddress;
	keeper: CredentialKeeper;
	timeoutMs: number;
	maxAttempts: number;
	backoffMs: number;
	signal?: AbortSignal;
	logger?: UploadLogger;
	/** what the source says it holds, when it says */
	totalBytes?: number;
	/** how to name the source in errors, e.g. "binary field 'data'" */
	sourceLabel: string;
	/** the node's own credential's secrets: an echo of them is scrubbed too */
	credentialSecrets: readonly string[];
}

/**
 * One upload as it goes: where it writes, with which credentials, how far it got, and the errors that
 * say so. Every piece of the upload (parts loop, retries, complete, abort) shares it.
 */
export class UploadRun {
	retries = 0;

	sourceBytes = 0;

	uploadedBytes = 0;

	uploadedParts = 0;

	uploadId: string | undefined;
	/** a CompleteMultipartUpload went out: OSS may have stored the object even if its answer never came */
	completeSent = false;

	constructor(readonly settings: UploadRunSettings) {}

	get key() {
		return this.settings.address.objectKey;
	}

	get cancelled() {
		return Boolean(this.settings.signal?.aborted);
	}

	/** where to send a request, signed with the credentials of now */
	target(): OssObjectTarget {
		const { address, keeper } = this.settings;
		const credentials = keeper.credentials;
		return {
			endpoint: address.endpoint,
			bucket: address.bucket,
			key: address.objectKey,
			region: credentials.region ?? 'cn-shanghai',
			credentials,
		};
	}

	/** every secret an error of the upload may echo: the upload's STS values and the node's credential's */
	secrets(): string[] {
		return [...secretsOf(this.settings.keeper.credentials), ...this.settings.credentialSecrets];
	}

	failure(message: string, kind: UploadFailureKind, cause?: unknown): StreamUploadError {
		return new StreamUploadError(message, kind, this.uploadedBytes, this.uploadId, { cause });
	}

	private ofTotal() {
		const total = this.settings.totalBytes;
		return total !== undefined ? ` of ${formatBytes(total)}` : '';
	}

	cancelledError(): StreamUploadError {
		return this.failure(`The upload was cancelled after ${formatBytes(this.uploadedBytes)}${this.ofTotal()}`, 'cancelled');
	}

	/** A failure of reading the source; a failure already described passes unchanged. */
	sourceFailure(caught: unknown): StreamUploadError {
		if (caught instanceof StreamUploadError) return caught;
		const cause = withoutErrorCodes(redactText(String((caught as Error)?.message ?? caught), this.secrets()));
		return this.failure(
			`The source (${this.settings.sourceLabel}) stopped after ${formatBytes(this.sourceBytes)}${this.ofTotal()}: ${cause}`,
			'source',
		);
	}
}
