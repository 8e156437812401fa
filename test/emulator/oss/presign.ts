import type { AccessKey } from '../state';
import { canonicalizedResourceV1, signV1, stringToSignV1 } from './signature-v1';

/**
 * A V1 signed GET URL (`?OSSAccessKeyId=&Expires=&Signature=`), path-style on the emulator's
 * endpoint, e.g. for VOD's GetMezzanineInfo FileURL. ali-oss's own signatureUrl refuses IP endpoints.
 */
export function presignObjectUrl(options: {
	endpoint: string; // http://127.0.0.1:port
	bucket: string;
	key: string;
	credentials: AccessKey & { securityToken?: string };
	expiresInSeconds?: number;
	method?: 'GET' | 'HEAD';
}) {
	const expires = String(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 3600));
	const query = new Map<string, string>();
	if (options.credentials.securityToken) query.set('security-token', options.credentials.securityToken);
	const resource = canonicalizedResourceV1(options.bucket, options.key, query);
	const signature = signV1(
		options.credentials.accessKeySecret,
		stringToSignV1(options.method ?? 'GET', {}, expires, resource),
	);
	const url = new URL(
		`/${options.bucket}/${options.key.split('/').map(encodeURIComponent).join('/')}`,
		options.endpoint,
	);
	url.searchParams.set('OSSAccessKeyId', options.credentials.accessKeyId);
	url.searchParams.set('Expires', expires);
	url.searchParams.set('Signature', signature);
	if (options.credentials.securityToken) {
		url.searchParams.set('security-token', options.credentials.securityToken);
	}
	return url.toString();
}
