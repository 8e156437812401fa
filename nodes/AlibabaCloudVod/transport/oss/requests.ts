import { createHash } from 'node:crypto';

import type { IHttpRequestMethods } from 'n8n-workflow';

import { percentEncode } from '../../helpers/percentEncode';
import { completeMultipartUploadXml, type CompletedPart } from './xml';
import {
	ossV4Authorization,
	ossV4Date,
	UNSIGNED_PAYLOAD,
	type OssCredentials,
} from './signature';

/**
 * The signed OSS requests of an upload into a VOD upload address, each ready for n8n's
 * `helpers.httpRequest`. Headers are the ones ali-oss 6.23.0 sends for the same call with
 * `authorizationV4`, but for Content-Type: ali-oss guesses it from the object key's extension, on
 * every request; here it is the source's type where it names the object (PutObject, Initiate),
 * `application/octet-stream` on a part, and absent where no body goes (HEAD, ListParts, Abort).
 * A request with a body always names its type: n8n's request helper (axios) would otherwise add
 * `application/x-www-form-urlencoded`, and OSS V4 signs whatever Content-Type arrives.
 */

export interface OssObjectTarget {
	/** `UploadAddress.Endpoint`, scheme included: `https://oss-cn-shanghai.aliyuncs.com` */
	endpoint: string;
	bucket: string;
	key: string;
	/** standard region id from `UploadAuth.Region` (an `oss-` prefix is accepted) */
	region: string;
	credentials: OssCredentials;
}

export interface SignedOssRequest {
	method: IHttpRequestMethods;
	url: string;
	headers: Record<string, string>;
	body?: Buffer | string;
}

type OssQuery = Record<string, string | null>;

const ENDPOINT_PATTERN = /^(https?):\/\/([^/?#\s]+)\/?$/i;

/** An IP, `localhost` or single-label host cannot carry the bucket as a subdomain: path style. */
function isPathStyleHost(host: string): boolean {
	const name = host.startsWith('[') ? host : host.replace(/:\d+$/, '');
	return (
		name.startsWith('[') ||
		/^\d{1,3}(\.\d{1,3}){3}$/.test(name) ||
		name.toLowerCase() === 'localhost' ||
		!name.includes('.')
	);
}

/**
 * Virtual-hosted `https://<bucket>.<endpoint host>/<key>` as OSS requires for its own domains;
 * `http://127.0.0.1:port/<bucket>/<key>` for an IP endpoint (a local emulator). Keys with `.` or `..`
 * segments are refused: URL parsers fold them, and the request would land on another object.
 */
export function ossObjectUrl(target: OssObjectTarget, query: OssQuery): string {
	const match = ENDPOINT_PATTERN.exec(target.endpoint.trim());
	if (!match) throw new Error(`The OSS endpoint "${target.endpoint}" is not an http(s) origin`);
	if (target.key.split('/').some((segment) => segment === '.' || segment === '..')) {
		throw new Error(`The object key "${target.key}" has a "." or ".." segment`);
	}
	const [, scheme, host] = match;
	const path = percentEncode(target.key).replace(/%2F/g, '/');
	const queryString = Object.entries(query)
		.map(([name, value]) => (value === null ? percentEncode(name) : `${percentEncode(name)}=${percentEncode(value)}`))
		.join('&');
	const base = isPathStyleHost(host)
		? `${scheme.toLowerCase()}://${host}/${target.bucket}/${path}`
		: `${scheme.toLowerCase()}://${target.bucket}.${host}/${path}`;
	return queryString ? `${base}?${queryString}` : base;
}

interface OssCall {
	method: IHttpRequestMethods;
	query?: OssQuery;
	headers?: Record<string, string>;
	body?: Buffer | string;
}

/** Dates, payload marker and STS token as ali-oss sets them, then the call's own headers, signed. */
export function signOssRequest(target: OssObjectTarget, call: OssCall, date: Date): SignedOssRequest {
	const query = call.query ?? {};
	const headers: Record<string, string> = {
		'x-oss-date': ossV4Date(date),
		'x-oss-content-sha256': UNSIGNED_PAYLOAD,
	};
	if (target.credentials.securityToken) {
		headers['x-oss-security-token'] = target.credentials.securityToken;
	}
	Object.assign(headers, call.headers);
	headers.authorization = ossV4Authorization(
		{
			method: call.method,
			bucket: target.bucket,
			key: target.key,
			query,
			headers,
			region: target.region,
		},
		target.credentials,
	);
	const request: SignedOssRequest = {
		method: call.method,
		url: ossObjectUrl(target, query),
		headers,
	};
	if (call.body !== undefined) request.body = call.body;
	return request;
}

export function contentMd5(body: Buffer | string): string {
	return createHash('md5').update(body).digest('base64');
}

const OCTET_STREAM = 'application/octet-stream';

/** PutObject: a source that fits in one part. */
export function putObjectRequest(
	target: OssObjectTarget,
	part: { body: Buffer; contentMd5: string; contentType?: string },
	date: Date,
): SignedOssRequest {
	return signOssRequest(
		target,
		{
			method: 'PUT',
			headers: { 'content-type': part.contentType || OCTET_STREAM, 'content-md5': part.contentMd5 },
			body: part.body,
		},
		date,
	);
}

/** HeadObject: whether a Complete whose answer was lost did land. */
export function headObjectRequest(target: OssObjectTarget, date: Date): SignedOssRequest {
	return signOssRequest(target, { method: 'HEAD' }, date);
}

/** InitiateMultipartUpload (`POST ?uploads`); the object's Content-Type is set here. */
export function initiateMultipartUploadRequest(
	target: OssObjectTarget,
	options: { contentType?: string },
	date: Date,
): SignedOssRequest {
	return signOssRequest(
		target,
		{
			method: 'POST',
			query: { uploads: null },
			headers: { 'content-type': options.contentType || OCTET_STREAM },
		},
		date,
	);
}

/** UploadPart (`PUT ?partNumber&uploadId`), with the Content-MD5 OSS checks the part against. */
export function uploadPartRequest(
	target: OssObjectTarget,
	part: { uploadId: string; partNumber: number; body: Buffer; contentMd5: string; contentType?: string },
	date: Date,
): SignedOssRequest {
	return signOssRequest(
		target,
		{
			method: 'PUT',
			query: { partNumber: String(part.partNumber), uploadId: part.uploadId },
			headers: { 'content-type': part.contentType || OCTET_STREAM, 'content-md5': part.contentMd5 },
			body: part.body,
		},
		date,
	);
}

/** ListParts (`GET ?uploadId`), one page. */
export function listPartsRequest(
	target: OssObjectTarget,
	page: { uploadId: string; maxParts?: number; partNumberMarker?: string },
	date: Date,
): SignedOssRequest {
	const query: OssQuery = {};
	if (page.maxParts !== undefined) query['max-parts'] = String(page.maxParts);
	if (page.partNumberMarker) query['part-number-marker'] = page.partNumberMarker;
	query.uploadId = page.uploadId;
	return signOssRequest(target, { method: 'GET', query }, date);
}

/** CompleteMultipartUpload (`POST ?uploadId`) with the parts list, as ali-oss writes it. */
export function completeMultipartUploadRequest(
	target: OssObjectTarget,
	upload: { uploadId: string; parts: CompletedPart[] },
	date: Date,
): SignedOssRequest {
	const body = completeMultipartUploadXml(upload.parts);
	return signOssRequest(
		target,
		{
			method: 'POST',
			query: { uploadId: upload.uploadId },
			headers: { 'content-type': 'application/xml', 'content-md5': contentMd5(body) },
			body,
		},
		date,
	);
}

/** AbortMultipartUpload (`DELETE ?uploadId`). */
export function abortMultipartUploadRequest(
	target: OssObjectTarget,
	upload: { uploadId: string },
	date: Date,
): SignedOssRequest {
	return signOssRequest(target, { method: 'DELETE', query: { uploadId: upload.uploadId } }, date);
}
