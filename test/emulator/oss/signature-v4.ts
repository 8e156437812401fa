import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * OSS V4 header signature (OSS4-HMAC-SHA256), rebuilt from the request as received, following the
 * OSS V4 documentation (and matching ali-oss's signUtils.authorizationV4).
 */

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

export interface V4Authorization {
	accessKeyId: string;
	day: string; // YYYYMMDD
	region: string;
	product: string;
	additionalHeaders: string[];
	signature: string;
}

/** `OSS4-HMAC-SHA256 Credential=AK/day/region/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=hex` */
export function parseV4Authorization(header: string): V4Authorization | undefined {
	const value = header.trim();
	if (!value.startsWith(`${V4_ALGORITHM} `)) return undefined;
	const fields = new Map<string, string>();
	for (const part of value.slice(V4_ALGORITHM.length + 1).split(',')) {
		const eq = part.indexOf('=');
		if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
	}
	const scope = (fields.get('Credential') ?? '').split('/');
	const signature = fields.get('Signature');
	if (scope.length !== 5 || scope[4] !== 'aliyun_v4_request' || !signature) return undefined;
	const [accessKeyId, day, region, product] = scope;
	const additional = fields.get('AdditionalHeaders');
	return {
		accessKeyId,
		day,
		region,
		product,
		additionalHeaders: additional ? additional.split(';').map((h) => h.trim().toLowerCase()) : [],
		signature,
	};
}

/** encodeURIComponent plus `!'()*`, as OSS V4 (RFC 3986 unreserved set). */
export function encodeV4(text: string) {
	return encodeURIComponent(text).replace(
		/[!'()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
	);
}

function headerValue(headers: IncomingHttpHeaders, name: string) {
	const value = headers[name];
	return Array.isArray(value) ? value.join(',') : value;
}

export class MissingAdditionalHeader extends Error {}

export function canonicalRequestV4(
	method: string,
	headers: IncomingHttpHeaders,
	bucket: string | undefined,
	key: string | undefined,
	query: Map<string, string>,
	additionalHeaders: string[],
) {
	const uri = encodeV4(`/${bucket ? `${bucket}/` : ''}${key ?? ''}`).replace(/%2F/g, '/');
	const canonicalQuery = [...query.entries()]
		.map(([k, v]) => [encodeV4(k), v === '' ? '' : encodeV4(v)])
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([k, v]) => (v === '' ? k : `${k}=${v}`))
		.join('&');

	const signed = new Set(additionalHeaders);
	for (const name of additionalHeaders) {
		if (headerValue(headers, name) === undefined) throw new MissingAdditionalHeader(name);
	}
	for (const name of Object.keys(headers)) {
		if (name === 'content-type' || name === 'content-md5' || name.startsWith('x-oss-')) {
			signed.add(name);
		}
	}
	const canonicalHeaders = [...signed]
		.sort()
		.map((name) => `${name}:${(headerValue(headers, name) ?? '').trim()}\n`)
		.join('');

	return [
		method.toUpperCase(),
		uri,
		canonicalQuery,
		canonicalHeaders,
		additionalHeaders.join(';'),
		headerValue(headers, 'x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD',
	].join('\n');
}

export function stringToSignV4(
	isoDate: string,
	day: string,
	region: string,
	product: string,
	canonicalRequest: string,
) {
	return [
		V4_ALGORITHM,
		isoDate,
		`${day}/${region}/${product}/aliyun_v4_request`,
		createHash('sha256').update(canonicalRequest).digest('hex'),
	].join('\n');
}

export function signV4(
	accessKeySecret: string,
	day: string,
	region: string,
	product: string,
	stringToSign: string,
) {
	const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
	const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${accessKeySecret}`, day), region), product), 'aliyun_v4_request');
	return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

/** `20240102T030405Z` → epoch ms, or NaN. */
export function parseIsoBasic(value: string) {
	const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
	if (!m) return NaN;
	return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}
