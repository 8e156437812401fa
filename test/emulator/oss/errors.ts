import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An OSS error answer: HTTP status, OSS `Code`, message and any extra XML fields (StringToSign, ...). */
export class OssError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly extra: Record<string, string> = {},
	) {
		super(message);
	}
}

/** OSS request ids are 24 uppercase hex characters. */
export function newRequestId() {
	return randomBytes(12).toString('hex').toUpperCase();
}

export function xmlEscape(value: string) {
	return value
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&apos;');
}

export function xmlUnescape(value: string) {
	return value
		.replace(/&quot;/g, '"')
		.replace(/&apos;/g, "'")
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&');
}

/** `<Tag>value</Tag>` for each entry, values escaped. */
export function xmlFields(fields: Record<string, string | number | boolean | undefined>) {
	return Object.entries(fields)
		.filter(([, v]) => v !== undefined)
		.map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
		.join('');
}

export function sendXml(res: ServerResponse, status: number, body: string) {
	const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
	res.writeHead(status, {
		'Content-Type': 'application/xml',
		'Content-Length': Buffer.byteLength(xml),
	});
	res.end(xml);
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: OssError, requestId: string) {
	// Drain whatever body the client is still sending so it reads our answer instead of a reset.
	req.resume();
	const body = `<Error>${xmlFields({
		Code: err.code,
		Message: err.message,
		RequestId: requestId,
		HostId: String(req.headers.host ?? ''),
		...err.extra,
	})}</Error>`;
	if (req.method === 'HEAD') {
		// A HEAD answer has no body; OSS carries the error XML base64-encoded in x-oss-err instead.
		const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
		res.writeHead(err.status, { 'x-oss-err': Buffer.from(xml).toString('base64') });
		res.end();
		return;
	}
	sendXml(res, err.status, body);
}

export const ossErrors = {
	accessDenied: (message = 'You have no right to access this object.') =>
		new OssError(403, 'AccessDenied', message),
	invalidArgument: (message: string, extra: Record<string, string> = {}) =>
		new OssError(400, 'InvalidArgument', message, extra),
	noSuchKey: () => new OssError(404, 'NoSuchKey', 'The specified key does not exist.'),
	noSuchUpload: () =>
		new OssError(
			404,
			'NoSuchUpload',
			'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
		),
	notImplemented: (what: string) =>
		new OssError(501, 'NotImplemented', `${what} is not implemented by the emulator.`),
	serviceUnavailable: () =>
		new OssError(503, 'ServiceUnavailable', 'Please reduce your request rate.'),
};
