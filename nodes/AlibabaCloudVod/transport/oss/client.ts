import {
	isCancellation,
	RedirectRefusedError,
	sendSigned,
	transportFailure,
	type HttpAnswer,
	type HttpRequester,
} from '../http';
import type { SignedOssRequest } from './requests';
import { parseOssError } from './xml';

/**
 * Sends one signed OSS request through n8n's request helper. A failure is an `OssRequestError` shaped
 * as ali-oss 6.23 shapes its errors (`requestError` in lib/client.js: name `<Code>Error`, `status`,
 * `code`, `requestId`, `hostId`, `ecCode`; status -1 for a network failure, -2 for a timeout), so the
 * upload's failure classification (failures.ts) kept working unchanged.
 */

export interface OssAnswer {
	status: number;
	headers: Record<string, string>;
	body: string;
}

interface OssErrorFields {
	status: number;
	/** OSS's Code; for a failure without an answer ali-oss's name for it (`RequestError`) */
	code: string;
	requestId?: string;
	hostId?: string;
	ecCode?: string;
}

export class OssRequestError extends Error {
	readonly status: number;

	readonly code: string;

	readonly requestId?: string;

	readonly hostId?: string;

	readonly ecCode?: string;

	constructor(message: string, fields: OssErrorFields) {
		super(message);
		this.status = fields.status;
		this.code = fields.code;
		this.requestId = fields.requestId;
		this.hostId = fields.hostId;
		this.ecCode = fields.ecCode;
		this.name = fields.code.endsWith('Error') ? fields.code : `${fields.code}Error`;
	}
}

function headerText(headers: HttpAnswer['headers']): Record<string, string> {
	const flat: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers ?? {})) {
		if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
	}
	return flat;
}

/** An answer without a body (HEAD) may carry the error document Base64-encoded in `x-oss-err`. */
function errorDocumentOf(answer: OssAnswer): string {
	if (answer.body) return answer.body;
	const encoded = answer.headers['x-oss-err'];
	return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
}

function errorOfAnswer(answer: OssAnswer): OssRequestError {
	const document = parseOssError(errorDocumentOf(answer));
	const requestId = document?.requestId ?? answer.headers['x-oss-request-id'];
	const status = answer.status;
	if (document) {
		return new OssRequestError(document.message, {
			status,
			code: document.code,
			requestId,
			hostId: document.hostId,
			ecCode: document.ec,
		});
	}
	if (status === 404) return new OssRequestError('Object not exists', { status, code: 'NoSuchKey', requestId });
	return new OssRequestError(`Unknown error, status: ${status}`, { status, code: 'Unknown', requestId });
}

/** A refusal the upload does not retry (`Redirect` is no code it retries or renews credentials on). */
function redirectRefusal(error: RedirectRefusedError): OssRequestError {
	return new OssRequestError(
		`VOD storage (OSS) ${error.message}. The upload address came from VOD: check the Endpoint and Region of the Alibaba Cloud API credential, and any proxy between n8n and Alibaba Cloud`,
		{ status: error.status, code: 'Redirect' },
	);
}

/** A failure without an answer, named as ali-oss names it (status -1 network, -2 timeout). */
function errorWithoutAnswer(error: unknown, signal?: AbortSignal): OssRequestError {
	if (isCancellation(error, signal)) {
		return new OssRequestError('The request was cancelled', { status: 0, code: 'RequestAborted' });
	}
	const failure = transportFailure(error);
	return failure.timedOut
		? new OssRequestError(failure.message, { status: -2, code: 'ResponseTimeoutError' })
		: new OssRequestError(failure.message, { status: -1, code: 'RequestError' });
}

export async function sendOssRequest(
	http: HttpRequester,
	request: SignedOssRequest,
	options: { timeoutMs: number; signal?: AbortSignal },
): Promise<OssAnswer> {
	let response: HttpAnswer | undefined;
	let failure: OssRequestError | undefined;
	try {
		response = await sendSigned(http, request, options);
	} catch (error) {
		failure = error instanceof RedirectRefusedError ? redirectRefusal(error) : errorWithoutAnswer(error, options.signal);
	}
	if (failure || !response) throw failure;
	const answer: OssAnswer = {
		status: response.statusCode,
		headers: headerText(response.headers),
		body: typeof response.body === 'string' ? response.body : '',
	};
	if (answer.status >= 200 && answer.status < 300) return answer;
	throw errorOfAnswer(answer);
}
