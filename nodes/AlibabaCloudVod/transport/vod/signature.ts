import { createHash, createHmac } from 'node:crypto';

import type { IHttpRequestMethods } from 'n8n-workflow';

import { percentEncode } from '../../helpers/percentEncode';

/**
 * VOD RPC requests signed with ACS3-HMAC-SHA256 ("signature V3"), as `@alicloud/openapi-client`
 * 0.4.15 `doRequest` signs them for the generated vod20170321 SDK: a POST to `/` with every parameter
 * in the query and no body, the `x-acs-*` headers below and `host` signed, the STS token sent and
 * signed as `x-acs-security-token` (with `x-acs-accesskey-id`). Pure: time and nonce come in.
 */

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

/** hex SHA-256 of an empty body, the payload hash of every RPC call */
export const EMPTY_PAYLOAD_SHA256 =
	'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface AcsCredentials {
	accessKeyId: string;
	accessKeySecret: string;
	securityToken?: string;
}

/** What the signature covers; header names in any case, query values decoded. */
export interface Acs3Request {
	method: string;
	pathname: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	payloadSha256: string;
}

/**
 * `name=value` pairs sorted by name, values RFC 3986-encoded. Names are encoded too, as the
 * documentation says; openapi-client leaves them raw, which is the same for every VOD parameter
 * name (letters, digits, `.`). Sorting compares UTF-16 code units, as the SDK's `sort()` does.
 */
export function canonicalQueryString(query: Record<string, string>): string {
	return Object.keys(query)
		.sort()
		.map((name) => `${percentEncode(name)}=${percentEncode(query[name])}`)
		.join('&');
}

/** The headers ACS3 signs: `x-acs-*`, `host` and `content-type`, by lowercase name, values trimmed. */
function signedHeadersOf(headers: Record<string, string>): Array<[string, string]> {
	return Object.entries(headers)
		.map(([name, value]): [string, string] => [name.toLowerCase(), value.trim()])
		.filter(([name]) => name.startsWith('x-acs-') || name === 'host' || name === 'content-type')
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sha256Hex(data: string | Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

export function acs3CanonicalRequest(request: Acs3Request): string {
	const signed = signedHeadersOf(request.headers);
	return [
		request.method.toUpperCase(),
		request.pathname,
		canonicalQueryString(request.query),
		signed.map(([name, value]) => `${name}:${value}\n`).join(''),
		signed.map(([name]) => name).join(';'),
		request.payloadSha256,
	].join('\n');
}

/** The `Authorization` header value for a request. */
export function acs3Authorization(request: Acs3Request, credentials: AcsCredentials): string {
	const stringToSign = `${ACS3_ALGORITHM}\n${sha256Hex(acs3CanonicalRequest(request))}`;
	const signature = createHmac('sha256', credentials.accessKeySecret)
		.update(stringToSign)
		.digest('hex');
	const signedHeaders = signedHeadersOf(request.headers)
		.map(([name]) => name)
		.join(';');
	return `${ACS3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** `YYYY-MM-DDThh:mm:ssZ`, the `x-acs-date` format (no milliseconds). */
export function acsDate(date: Date): string {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type VodParamValue = string | number | boolean | undefined | null;

export interface VodRpcCall {
	action: string;
	version: string;
	/** unset and empty values are left out, the rest sent as strings (as the generated SDK's callers do) */
	params: Record<string, VodParamValue>;
	/** host[:port], signed as `host` */
	host: string;
	protocol: 'HTTPS' | 'HTTP';
	credentials: AcsCredentials;
	date: Date;
	/** unique per request; VOD refuses a nonce seen in the last 15 minutes */
	nonce: string;
}

/** What n8n's `helpers.httpRequest` takes (a subset of IHttpRequestOptions). */
export interface SignedHttpRequest {
	method: IHttpRequestMethods;
	url: string;
	headers: Record<string, string>;
}

export function vodQuery(params: Record<string, VodParamValue>): Record<string, string> {
	const query: Record<string, string> = {};
	for (const [name, value] of Object.entries(params)) {
		if (value === undefined || value === null || value === '') continue;
		query[name] = String(value);
	}
	return query;
}

/**
 * The signed POST for one VOD RPC call. The query string on the wire is the canonical one, so what is
 * sent is byte for byte what was signed. `x-acs-credentials-provider` says what the SDK says for the
 * same credential (static AccessKey, or static STS token).
 */
export function buildVodRequest(call: VodRpcCall): SignedHttpRequest {
	const query = vodQuery(call.params);
	// The credential dialog keeps what was pasted, stray spaces included; today's client trims too.
	const credentials = {
		accessKeyId: call.credentials.accessKeyId.trim(),
		accessKeySecret: call.credentials.accessKeySecret.trim(),
	};
	const token = call.credentials.securityToken?.trim();
	const headers: Record<string, string> = {
		host: call.host,
		'x-acs-version': call.version,
		'x-acs-action': call.action,
		'x-acs-date': acsDate(call.date),
		'x-acs-signature-nonce': call.nonce,
		accept: 'application/json',
		'x-acs-content-sha256': EMPTY_PAYLOAD_SHA256,
		'x-acs-credentials-provider': token ? 'static_sts' : 'static_ak',
	};
	if (token) {
		headers['x-acs-accesskey-id'] = credentials.accessKeyId;
		headers['x-acs-security-token'] = token;
	}
	headers.Authorization = acs3Authorization(
		{ method: 'POST', pathname: '/', query, headers, payloadSha256: EMPTY_PAYLOAD_SHA256 },
		credentials,
	);
	const queryString = canonicalQueryString(query);
	const scheme = call.protocol === 'HTTP' ? 'http' : 'https';
	return {
		method: 'POST',
		url: `${scheme}://${call.host}/${queryString ? `?${queryString}` : ''}`,
		headers,
	};
}
