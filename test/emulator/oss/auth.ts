import type { IncomingMessage } from 'node:http';

import type { EmulatorState, StsCredential } from '../state';
import type { OssTarget } from './addressing';
import { OssError, ossErrors } from './errors';
import {
	canonicalizedResourceV1,
	parseV1Authorization,
	signV1,
	stringToSignV1,
} from './signature-v1';
import {
	canonicalRequestV4,
	MissingAdditionalHeader,
	parseIsoBasic,
	parseV4Authorization,
	signV4,
	stringToSignV4,
	V4_ALGORITHM,
} from './signature-v4';

/** Who signed a request: a long-term account (full access) or an STS credential (one object). */
export interface Principal {
	accessKeyId: string;
	signatureVersion: 'v1' | 'v4' | 'v1-url';
	sts?: StsCredential;
}

export const MAX_SKEW_MS = 15 * 60 * 1000;

const SIGNATURE_MISMATCH =
	'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

function header(req: IncomingMessage, name: string) {
	const value = req.headers[name];
	return Array.isArray(value) ? value.join(',') : value;
}

function checkSkew(requestTime: number, raw: string) {
	if (Number.isNaN(requestTime)) {
		throw new OssError(403, 'AccessDenied', 'OSS authentication requires a valid Date.');
	}
	if (Math.abs(Date.now() - requestTime) > MAX_SKEW_MS) {
		throw new OssError(
			403,
			'RequestTimeTooSkewed',
			'The difference between the request time and the current time is too large.',
			{
				RequestTime: raw,
				ServerTime: new Date().toISOString(),
				MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
			},
		);
	}
}

/**
 * The secret for an AccessKeyId. STS keys need the token issued with them (header
 * `x-oss-security-token` or query `security-token`, not both) and must not have expired.
 */
function lookupSecret(state: EmulatorState, req: IncomingMessage, target: OssTarget, accessKeyId: string) {
	const headerToken = header(req, 'x-oss-security-token');
	const queryToken = target.query.get('security-token');
	if (headerToken !== undefined && queryToken !== undefined) {
		throw ossErrors.invalidArgument('The security token must be sent either as a header or as a query parameter, not both.');
	}
	const token = headerToken ?? queryToken;

	const accountSecret = state.accounts.get(accessKeyId);
	if (accountSecret !== undefined) {
		if (token) {
			throw new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
		}
		return { secret: accountSecret };
	}
	const sts = state.sts.get(accessKeyId);
	if (!sts || !token) {
		throw new OssError(
			403,
			'InvalidAccessKeyId',
			'The OSS Access Key Id you provided does not exist in our records.',
			{ OSSAccessKeyId: accessKeyId },
		);
	}
	if (token !== sts.securityToken) {
		throw new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
	}
	if (Date.now() >= sts.expiresAt) {
		throw new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.', {
			ExpiredTime: new Date(sts.expiresAt).toISOString(),
		});
	}
	return { secret: sts.accessKeySecret, sts };
}

function stringToSignBytes(text: string) {
	return [...Buffer.from(text, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function verifyV1(state: EmulatorState, req: IncomingMessage, target: OssTarget, auth: string): Principal {
	const parsed = parseV1Authorization(auth);
	if (!parsed) throw ossErrors.invalidArgument('Authorization header is invalid.', { Authorization: auth });
	const dateLine = header(req, 'x-oss-date') ?? header(req, 'date') ?? '';
	checkSkew(Date.parse(dateLine), dateLine);
	const { secret, sts } = lookupSecret(state, req, target, parsed.accessKeyId);
	const resource = canonicalizedResourceV1(target.bucket, target.key, target.query);
	const stringToSign = stringToSignV1(req.method ?? 'GET', req.headers, dateLine, resource);
	if (signV1(secret, stringToSign) !== parsed.signature) {
		throw new OssError(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
			StringToSign: stringToSign,
			StringToSignBytes: stringToSignBytes(stringToSign),
			SignatureProvided: parsed.signature,
			OSSAccessKeyId: parsed.accessKeyId,
		});
	}
	return { accessKeyId: parsed.accessKeyId, signatureVersion: 'v1', sts };
}

function verifyV4(state: EmulatorState, req: IncomingMessage, target: OssTarget, auth: string): Principal {
	const parsed = parseV4Authorization(auth);
	if (!parsed) throw ossErrors.invalidArgument('Authorization header is invalid.', { Authorization: auth });
	const isoDate = header(req, 'x-oss-date') ?? '';
	checkSkew(parseIsoBasic(isoDate), isoDate);
	if (isoDate.slice(0, 8) !== parsed.day) {
		throw ossErrors.invalidArgument('Invalid signing date in Authorization header.', {
			SigningDate: parsed.day,
		});
	}
	if (parsed.product !== 'oss') {
		throw ossErrors.invalidArgument('Invalid signing product in Authorization header.');
	}
	const payload = header(req, 'x-oss-content-sha256');
	if (payload !== 'UNSIGNED-PAYLOAD') {
		throw ossErrors.invalidArgument(
			payload === undefined
				? 'Missing required header for this request: x-oss-content-sha256.'
				: 'Invalid x-oss-content-sha256: only UNSIGNED-PAYLOAD is supported.',
		);
	}
	const { secret, sts } = lookupSecret(state, req, target, parsed.accessKeyId);
	let canonicalRequest: string;
	try {
		canonicalRequest = canonicalRequestV4(
			req.method ?? 'GET',
			req.headers,
			target.bucket,
			target.key,
			target.query,
			parsed.additionalHeaders,
		);
	} catch (error) {
		if (error instanceof MissingAdditionalHeader) {
			throw ossErrors.invalidArgument(`AdditionalHeaders names ${error.message}, which the request lacks.`);
		}
		throw error;
	}
	const stringToSign = stringToSignV4(isoDate, parsed.day, parsed.region, parsed.product, canonicalRequest);
	if (signV4(secret, parsed.day, parsed.region, parsed.product, stringToSign) !== parsed.signature) {
		throw new OssError(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
			CanonicalRequest: canonicalRequest,
			StringToSign: stringToSign,
			SignatureProvided: parsed.signature,
			OSSAccessKeyId: parsed.accessKeyId,
		});
	}
	return { accessKeyId: parsed.accessKeyId, signatureVersion: 'v4', sts };
}

/** V1 signed URL: `?OSSAccessKeyId=&Expires=&Signature=[&security-token=]`; Expires is the date line. */
function verifySignedUrl(state: EmulatorState, req: IncomingMessage, target: OssTarget): Principal {
	const accessKeyId = target.query.get('OSSAccessKeyId') ?? '';
	const expires = target.query.get('Expires') ?? '';
	const signature = target.query.get('Signature') ?? '';
	if (!/^\d+$/.test(expires) || Number(expires) * 1000 < Date.now()) {
		throw new OssError(403, 'AccessDenied', 'Request has expired.', {
			Expires: expires,
			ServerTime: new Date().toISOString(),
		});
	}
	const { secret, sts } = lookupSecret(state, req, target, accessKeyId);
	const resource = canonicalizedResourceV1(target.bucket, target.key, target.query);
	const stringToSign = stringToSignV1(req.method ?? 'GET', req.headers, expires, resource);
	if (signV1(secret, stringToSign) !== signature) {
		throw new OssError(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, {
			StringToSign: stringToSign,
			SignatureProvided: signature,
			OSSAccessKeyId: accessKeyId,
		});
	}
	return { accessKeyId, signatureVersion: 'v1-url', sts };
}

/** Verifies the request's signature; anonymous requests are refused (VOD buckets are private). */
export function authenticate(state: EmulatorState, req: IncomingMessage, target: OssTarget): Principal {
	const auth = header(req, 'authorization');
	if (auth) {
		if (auth.startsWith(`${V4_ALGORITHM} `)) return verifyV4(state, req, target, auth);
		if (auth.startsWith('OSS ')) return verifyV1(state, req, target, auth);
		throw ossErrors.invalidArgument('Authorization header is invalid.', { Authorization: auth });
	}
	if (target.query.has('OSSAccessKeyId')) return verifySignedUrl(state, req, target);
	if (target.query.has('x-oss-signature')) {
		throw ossErrors.notImplemented('V4 signed URLs');
	}
	throw ossErrors.accessDenied('You have no right to access this object because of bucket acl.');
}

/** STS credentials reach only the bucket and object key VOD issued them for. */
export function authorize(principal: Principal, bucket: string | undefined, key: string | undefined) {
	const sts = principal.sts;
	if (!sts) return;
	if (bucket !== sts.bucket || key !== sts.objectKey) {
		throw ossErrors.accessDenied(
			`The STS credential ${principal.accessKeyId} may only access ${sts.bucket}/${sts.objectKey}.`,
		);
	}
}
