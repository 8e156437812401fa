import { randomUUID } from 'node:crypto';

/** A VOD/gateway error answered as `{RequestId, HostId, Code, Message, Recommend}` with its HTTP status. */
export class VodError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly status = 400,
	) {
		super(message);
	}
}

export const HOST_ID = 'vod.cn-shanghai.aliyuncs.com';

export function newRequestId() {
	return randomUUID().toUpperCase();
}

export function errorBody(requestId: string, code: string, message: string) {
	return {
		RequestId: requestId,
		HostId: HOST_ID,
		Code: code,
		Message: message,
		Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=vod&requestId=${requestId}`,
	};
}

// Factories for the codes the emulator answers, with the messages Alibaba documents.
export const errors = {
	missingParameter: (name: string) =>
		new VodError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
	invalidParameter: (name: string, why?: string) =>
		new VodError(
			`InvalidParameter.${name}`,
			`The specified parameter ${name} is not valid.${why ? ` ${why}` : ''}`,
		),
	signatureDoesNotMatch: () =>
		new VodError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', 400),
	accessKeyNotFound: () =>
		new VodError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', 404),
	timestampExpired: () =>
		new VodError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.', 400),
	timestampFormat: () =>
		new VodError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.', 400),
	nonceUsed: () =>
		new VodError('SignatureNonceUsed', 'Specified signature nonce was used already.', 400),
	incompleteSignature: (why: string) =>
		new VodError('IncompleteSignature', `The request signature does not conform to Aliyun standards. ${why}`, 400),
	securityTokenExpired: () =>
		new VodError('InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.', 400),
	securityTokenMismatch: () =>
		new VodError('InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.', 400),
	unknownAction: (action: string) =>
		new VodError('InvalidAction.NotFound', `Specified api "${action}" is not found, please check your url and method.`, 404),
	throttling: () =>
		new VodError('Throttling.User', 'Request was denied due to user flow control.', 400),
	internal: () =>
		new VodError('InternalError', 'The request processing has failed due to some unknown error.', 500),
	unavailable: () =>
		new VodError('ServiceUnAvailable', 'The request has failed due to a temporary failure of the server.', 503),
	videoNotFound: () => new VodError('InvalidVideo.NotFound', 'The video not exist.', 404),
};
