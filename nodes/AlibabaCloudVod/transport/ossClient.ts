import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';

import OSS from 'ali-oss';

import type { StsCredentials, UploadAddress } from '../helpers/uploadCredentials';

/** The ali-oss calls the upload uses (6.23: lib/common/multipart.js, lib/object.js). */
export interface OssResponse {
	status: number;
	headers: Record<string, string | undefined>;
}

export interface OssPartClient {
	options: { accessKeyId: string; accessKeySecret: string; stsToken?: string };
	put(
		name: string,
		content: Buffer,
		options?: { timeout?: number; mime?: string; headers?: Record<string, string> },
	): Promise<{ name: string; res: OssResponse }>;
	head(name: string, options?: { timeout?: number }): Promise<{ res: OssResponse }>;
	initMultipartUpload(
		name: string,
		options?: { timeout?: number; mime?: string; headers?: Record<string, string> },
	): Promise<{ uploadId: string }>;
	/** the low-level part upload: the body is exactly the stream given, nothing is read from disk */
	_uploadPart(
		name: string,
		uploadId: string,
		partNumber: number,
		data: { size: number; stream: Readable },
		options?: { timeout?: number; headers?: Record<string, string> },
	): Promise<{ etag: string; res: OssResponse }>;
	listParts(
		name: string,
		uploadId: string,
		query?: Record<string, string | number>,
		options?: { timeout?: number },
	): Promise<{
		isTruncated: boolean | string;
		nextPartNumberMarker?: string;
		parts: Array<{ PartNumber: string; Size: string; ETag: string }> | { PartNumber: string; Size: string; ETag: string };
	}>;
	completeMultipartUpload(
		name: string,
		uploadId: string,
		parts: Array<{ number: number; etag: string }>,
		options?: { timeout?: number },
	): Promise<{ etag?: string; res: OssResponse }>;
	abortMultipartUpload(name: string, uploadId: string, options?: { timeout?: number }): Promise<unknown>;
}

export interface OssConnection {
	client: OssPartClient;
	/** sign the following requests with these credentials (requests already sent keep theirs) */
	useCredentials(credentials: StsCredentials): void;
	/** ends every request in flight and frees the sockets */
	destroy(): void;
}

/**
 * An ali-oss client for one upload, from a decoded UploadAddress and UploadAuth. It owns its sockets
 * (no global agent), so a cancelled upload can cut its requests in flight and nothing outlives it.
 */
export function connectOss(
	address: UploadAddress,
	credentials: StsCredentials,
	options: { timeoutMs: number; maxSockets: number },
): OssConnection {
	const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets });
	const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets });
	const secure = address.endpoint.toLowerCase().startsWith('https:');
	const client = new OSS({
		endpoint: address.endpoint,
		bucket: address.bucket,
		region: `oss-${credentials.region ?? 'cn-shanghai'}`,
		accessKeyId: credentials.accessKeyId,
		accessKeySecret: credentials.accessKeySecret,
		stsToken: credentials.securityToken,
		secure,
		timeout: options.timeoutMs,
		// Renewal is ours (CredentialKeeper); the interval only tells ali-oss not to warn about it.
		refreshSTSTokenInterval: 60 * 60 * 1000,
		agent: httpAgent,
		httpsAgent,
	} as OSS.Options) as unknown as OssPartClient;
	return {
		client,
		useCredentials(next) {
			client.options.accessKeyId = next.accessKeyId;
			client.options.accessKeySecret = next.accessKeySecret;
			client.options.stsToken = next.securityToken;
		},
		destroy() {
			httpAgent.destroy();
			httpsAgent.destroy();
		},
	};
}
