import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * OSS V1 header signature ("OSS AK:Signature", HMAC-SHA1). The verifier rebuilds the string to sign
 * from the request as received, the way the OSS docs (and ali-oss's signUtils) define it.
 */

/** Query parameters that are part of the V1 CanonicalizedResource; everything else is not signed. */
export const V1_SUB_RESOURCES = new Set([
	'acl', 'append', 'asyncFetch', 'bucketInfo', 'callback', 'callback-var', 'cname', 'comp',
	'continuation-token', 'cors', 'delete', 'encryption', 'endTime', 'group', 'inventory',
	'inventoryId', 'lifecycle', 'link', 'live', 'location', 'logging', 'metaQuery', 'objectInfo',
	'objectMeta', 'partNumber', 'policy', 'position', 'qos', 'qosInfo', 'referer', 'replication',
	'replicationLocation', 'replicationProgress', 'requestPayment', 'response-cache-control',
	'response-content-disposition', 'response-content-encoding', 'response-content-language',
	'response-content-type', 'response-expires', 'restore', 'security-token', 'sequential',
	'startTime', 'stat', 'status', 'symlink', 'tagging', 'transferAcceleration', 'uploadId',
	'uploads', 'versionId', 'versioning', 'versions', 'vod', 'website', 'worm', 'wormExtend',
	'wormId', 'x-oss-process', 'x-oss-request-payer', 'x-oss-traffic-limit',
]);

export interface V1Authorization {
	accessKeyId: string;
	signature: string;
}

export function parseV1Authorization(header: string): V1Authorization | undefined {
	const match = /^OSS ([^:\s]+):(\S+)$/.exec(header.trim());
	return match ? { accessKeyId: match[1], signature: match[2] } : undefined;
}

/** `/bucket/key` (or `/bucket/`, `/`) + `?` + sorted sub-resources, `=value` only when non-empty. */
export function canonicalizedResourceV1(
	bucket: string | undefined,
	key: string | undefined,
	query: Map<string, string>,
) {
	let resource = '/';
	if (bucket) resource += `${bucket}/`;
	if (key) resource += key;
	const subResources = [...query.keys()].filter((k) => V1_SUB_RESOURCES.has(k)).sort();
	if (subResources.length) {
		resource += `?${subResources
			.map((k) => (query.get(k) ? `${k}=${query.get(k)}` : k))
			.join('&')}`;
	}
	return resource;
}

function headerValue(headers: IncomingHttpHeaders, name: string) {
	const value = headers[name];
	return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** The `x-oss-*` headers, lowercased, trimmed, sorted, one `name:value` line each. */
export function canonicalizedOssHeaders(headers: IncomingHttpHeaders) {
	return Object.keys(headers)
		.filter((name) => name.toLowerCase().startsWith('x-oss-'))
		.map((name) => name.toLowerCase())
		.sort()
		.map((name) => `${name}:${headerValue(headers, name).trim()}\n`)
		.join('');
}

/**
 * VERB\nContent-MD5\nContent-Type\nDate\n + CanonicalizedOSSHeaders + CanonicalizedResource.
 * `dateLine` is the `Date`/`x-oss-date` value for header signatures and `Expires` for signed URLs.
 */
export function stringToSignV1(
	method: string,
	headers: IncomingHttpHeaders,
	dateLine: string,
	canonicalizedResource: string,
) {
	return [
		method.toUpperCase(),
		headerValue(headers, 'content-md5'),
		headerValue(headers, 'content-type'),
		dateLine,
		canonicalizedOssHeaders(headers) + canonicalizedResource,
	].join('\n');
}

export function signV1(accessKeySecret: string, stringToSign: string) {
	return createHmac('sha1', accessKeySecret).update(Buffer.from(stringToSign, 'utf8')).digest('base64');
}
