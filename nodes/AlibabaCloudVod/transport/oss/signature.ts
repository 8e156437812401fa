import { createHash, createHmac } from 'node:crypto';

import { percentEncode } from '../../helpers/percentEncode';

/**
 * OSS V4 header signatures (OSS4-HMAC-SHA256), as `ali-oss` 6.23.0 computes them with
 * `authorizationV4: true` (lib/common/signUtils.js): unsigned payload, `content-type`,
 * `content-md5` and every `x-oss-*` header signed, no additional headers, the STS token sent and
 * signed as `x-oss-security-token`. Pure: the time comes in.
 */

export const OSS4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface OssCredentials {
	accessKeyId: string;
	accessKeySecret: string;
	securityToken?: string;
}

/** What the signature covers; query values decoded, `null` for a parameter without a value. */
export interface OssV4Request {
	method: string;
	bucket: string;
	key: string;
	query: Record<string, string | null>;
	headers: Record<string, string>;
	/** standard region id, e.g. `cn-shanghai` (an `oss-` prefix is dropped) */
	region: string;
	/** further headers to sign (ali-oss `additionalHeaders`); the upload signs none */
	additionalHeaders?: string[];
}

/** `/<bucket>/<key>` encoded, slashes kept. */
export function canonicalUri(bucket: string, key: string): string {
	return percentEncode(`/${bucket}/${key}`).replace(/%2F/g, '/');
}

/**
 * Encoded names sorted, `name=value`, or the bare name when there is no value: OSS reads `?uploads`
 * and `?uploads=` alike, and ali-oss signs its sub-resources bare.
 */
export function canonicalOssQuery(query: Record<string, string | null>): string {
	return Object.entries(query)
		.map(([name, value]): [string, string] => [
			percentEncode(name),
			value === null || value === '' ? '' : percentEncode(value),
		])
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([name, value]) => (value ? `${name}=${value}` : name))
		.join('&');
}

function isSignedHeader(name: string): boolean {
	return name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-');
}

/** Lowercase, deduplicated, sorted, less those signed anyway (as ali-oss `fixAdditionalHeaders`). */
function additionalHeadersOf(request: OssV4Request): string[] {
	const names = new Set((request.additionalHeaders ?? []).map((name) => name.toLowerCase()));
	return [...names].filter((name) => !isSignedHeader(name)).sort();
}

export function standardRegion(region: string): string {
	return region.replace(/^oss-/, '');
}

function lowercaseHeaders(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
	);
}

export function ossV4CanonicalRequest(request: OssV4Request): string {
	const headers = lowercaseHeaders(request.headers);
	const additional = additionalHeadersOf(request);
	for (const name of additional) {
		if (headers[name] === undefined) throw new Error(`the additional header ${name} is not in the request`);
	}
	const canonicalHeaders = Object.keys(headers)
		.filter((name) => isSignedHeader(name) || additional.includes(name))
		.sort()
		.map((name) => `${name}:${headers[name].trim()}\n`)
		.join('');
	return [
		request.method.toUpperCase(),
		canonicalUri(request.bucket, request.key),
		canonicalOssQuery(request.query),
		canonicalHeaders,
		additional.join(';'),
		headers['x-oss-content-sha256'] ?? UNSIGNED_PAYLOAD,
	].join('\n');
}

function hmac(key: string | Buffer, data: string): Buffer {
	return createHmac('sha256', key).update(data).digest();
}

export function ossV4SigningKey(accessKeySecret: string, day: string, region: string): Buffer {
	return hmac(hmac(hmac(hmac(`aliyun_v4${accessKeySecret}`, day), region), 'oss'), 'aliyun_v4_request');
}

function requestDate(request: OssV4Request): string {
	const date = lowercaseHeaders(request.headers)['x-oss-date'];
	if (!date) throw new Error('an OSS V4 request needs an x-oss-date header');
	return date;
}

function scopeOf(request: OssV4Request): string {
	return `${requestDate(request).split('T')[0]}/${standardRegion(request.region)}/oss/aliyun_v4_request`;
}

export function ossV4StringToSign(request: OssV4Request): string {
	return [
		OSS4_ALGORITHM,
		requestDate(request),
		scopeOf(request),
		createHash('sha256').update(ossV4CanonicalRequest(request)).digest('hex'),
	].join('\n');
}

/** The `Authorization` value; the time is the request's `x-oss-date` (`YYYYMMDDTHHMMSSZ`). */
export function ossV4Authorization(request: OssV4Request, credentials: OssCredentials): string {
	const day = requestDate(request).split('T')[0];
	const signingKey = ossV4SigningKey(credentials.accessKeySecret, day, standardRegion(request.region));
	const signature = createHmac('sha256', signingKey).update(ossV4StringToSign(request)).digest('hex');
	const additional = additionalHeadersOf(request);
	const additionalField = additional.length ? `AdditionalHeaders=${additional.join(';')},` : '';
	return `${OSS4_ALGORITHM} Credential=${credentials.accessKeyId}/${scopeOf(request)},${additionalField}Signature=${signature}`;
}

/** `YYYYMMDDTHHMMSSZ` (UTC), the V4 `x-oss-date`. */
export function ossV4Date(date: Date): string {
	return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
