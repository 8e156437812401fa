import type { RedirectRefusedError } from '../http';
import { redactText } from '../redact';
import type { FailureClass } from '../retry';

/**
 * What the transport keeps of a failed VOD call. Built field by field from the SDK error (never
 * the error object itself: it holds the signed request with the STS token header) and redacted.
 */
export interface VodErrorDetails {
	action: string;
	/** VOD's Code (`Throttling.User`), or for network failures the system code (`ECONNRESET`) */
	code: string;
	/** VOD's Message, or what happened on the network */
	message: string;
	requestId?: string;
	hostId?: string;
	recommend?: string;
	httpStatus?: number;
	attempts: number;
	/** the last failure left it unknown whether VOD ran the action */
	outcomeUnknown: boolean;
	/**
	 * the last failure may pass by itself (throttling, 5xx, timeout, network): asking later may succeed —
	 * false when the call may have run and repeating it could duplicate what it made (idempotency.ts)
	 */
	transient: boolean;
	/** how to fix it, for the user */
	hint: string;
	/** UploadMediaByURL refused because its SessionId was already used (an earlier try ran) */
	sessionIdReused?: boolean;
}

/** One failed attempt, normalised. */
export interface VodFailure extends FailureClass {
	code: string;
	message: string;
	requestId?: string;
	hostId?: string;
	recommend?: string;
	httpStatus?: number;
	/** false when the request never reached VOD (connection refused, DNS) */
	sent: boolean;
}

/** Error thrown by `callVodApi` (no n8n context); `vodApiRequest` turns it into a NodeApiError. */
export class VodApiError extends Error {
	readonly details: VodErrorDetails;

	constructor(details: VodErrorDetails) {
		super(formatVodErrorMessage(details));
		this.name = 'VodApiError';
		this.details = details;
	}

	get code() {
		return this.details.code;
	}
}

/** The execution was cancelled while the call or its backoff was pending. */
export class VodCancelledError extends Error {
	constructor(readonly action: string) {
		// "canceled" (n8n's spelling) lets n8n record the run as canceled rather than failed.
		super(`VOD ${action} was canceled: the workflow execution was stopped`);
		this.name = 'VodCancelledError';
	}
}

export function formatVodErrorMessage(details: VodErrorDetails): string {
	const tries = details.attempts > 1 ? ` (after ${details.attempts} tries)` : '';
	const text = details.message ? ` – ${details.message}` : '';
	return `VOD ${details.action} failed: ${details.code}${text}${tries}`;
}

const NETWORK_NOT_SENT = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EADDRNOTAVAIL',
	'CERT_HAS_EXPIRED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'EPROTO',
]);

/** Not worth retrying: a wrong host name or a TLS mismatch does not fix itself in seconds. */
const NETWORK_PERMANENT = new Set([
	'ENOTFOUND',
	'CERT_HAS_EXPIRED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'EPROTO',
]);

const isThrottling = (code: string) => /^Throttling(\.|$)/i.test(code);
const isUnavailable = (code: string) => /^ServiceUn[aA]vailable/.test(code);

function stringField(source: Record<string, unknown> | undefined, ...keys: string[]) {
	for (const key of keys) {
		const value = source?.[key];
		if (typeof value === 'string' && value !== '' && value !== 'undefined') return value;
	}
	return undefined;
}

/**
 * Normalises what `Client.callApi` threw. openapi-client reports an HTTP error answer as an error
 * with `code` = body.Code, `data` = body + statusCode, `message` = `<Code>: code: <status>, <Message>
 * request id: <RequestId>`; network failures come from httpx as Node system errors
 * (`ECONNRESET`, `socket hang up`) or as `RequestTimeoutError`.
 */
export function normalizeSdkError(error: unknown, secrets: readonly string[]): VodFailure {
	const err = (error ?? {}) as Record<string, unknown> & { data?: Record<string, unknown> };
	const clean = (text: string | undefined) => (text === undefined ? undefined : redactText(text, secrets));
	const data = err.data && typeof err.data === 'object' ? err.data : undefined;
	const statusRaw = data?.statusCode ?? err.statusCode;
	const httpStatus = typeof statusRaw === 'number' ? statusRaw : Number(statusRaw) || undefined;

	if (httpStatus !== undefined) {
		const code = stringField(data, 'Code', 'code') ?? stringField(err, 'code') ?? `HTTP${httpStatus}`;
		const message =
			stringField(data, 'Message', 'message') ?? `VOD answered HTTP ${httpStatus} without a message`;
		const throttled = isThrottling(code) || httpStatus === 429;
		const unavailable = isUnavailable(code) || httpStatus === 503;
		const serverError = httpStatus >= 500 || code === 'InternalError';
		return {
			code: clean(code)!,
			message: clean(message)!,
			requestId: clean(stringField(data, 'RequestId', 'requestId')),
			hostId: clean(stringField(data, 'HostId')),
			recommend: clean(stringField(data, 'Recommend')),
			httpStatus,
			sent: true,
			transient: throttled || unavailable || serverError,
			// Throttling and 503 are refusals before any work; a 500 may come after the work was done.
			outcomeUnknown: !(throttled || unavailable) && serverError,
		};
	}

	const name = typeof err.name === 'string' ? err.name : '';
	const rawMessage = typeof err.message === 'string' ? err.message : String(error);
	const systemCode = typeof err.code === 'string' ? err.code : undefined;

	if (name.includes('Timeout') || systemCode === 'ETIMEDOUT' || systemCode === 'ESOCKETTIMEDOUT') {
		return {
			code: 'RequestTimeout',
			message: `no answer from VOD in time (${clean(firstLine(rawMessage))})`,
			sent: true,
			transient: true,
			outcomeUnknown: true,
		};
	}
	if (systemCode && NETWORK_NOT_SENT.has(systemCode)) {
		return {
			code: systemCode,
			message: `could not connect to VOD (${clean(firstLine(rawMessage))})`,
			sent: false,
			transient: !NETWORK_PERMANENT.has(systemCode),
			outcomeUnknown: false,
		};
	}
	if (
		systemCode === 'ECONNRESET' ||
		systemCode === 'EPIPE' ||
		systemCode === 'ECONNABORTED' ||
		/socket hang up|ECONNRESET|EPIPE|other side closed/i.test(rawMessage)
	) {
		return {
			code: systemCode ?? 'ECONNRESET',
			message: 'the connection to VOD closed before an answer arrived',
			sent: true,
			transient: true,
			outcomeUnknown: true,
		};
	}
	if (error instanceof SyntaxError) return unexpectedAnswer('VOD answered with a body that is not JSON');
	return {
		code: systemCode ?? (name && name !== 'Error' ? name : 'UnknownError'),
		message: clean(firstLine(rawMessage)) ?? 'unknown error',
		sent: true,
		transient: false,
		outcomeUnknown: true,
	};
}

/** A 2xx answer that is not VOD's: a proxy's or load balancer's body, or one without what the action answers. */
export function unexpectedAnswer(message: string): VodFailure {
	return { code: 'InvalidResponse', message, sent: true, transient: true, outcomeUnknown: true };
}

/**
 * A 3xx from the endpoint: a definite refusal that retrying cannot fix. VOD never redirects its API, so
 * whatever answered is not VOD and did not run the action.
 */
export function redirectFailure(error: RedirectRefusedError, secrets: readonly string[]): VodFailure {
	return {
		code: `HTTP${error.status}`,
		message: redactText(`the endpoint ${error.message}`, secrets),
		httpStatus: error.status,
		sent: true,
		transient: false,
		outcomeUnknown: false,
	};
}

function firstLine(text: string) {
	return text.split('\n')[0].slice(0, 300);
}

/** Whether an UploadMediaByURL failure says its SessionId was used already. */
export function mentionsSessionId(failure: Pick<VodFailure, 'code' | 'message'>): boolean {
	return /sessionid/i.test(failure.code) || /sessionid/i.test(failure.message);
}

/** Where to find what a call that may have run made, before running the item again. */
function whereToCheck(action: string): string {
	if (action === 'UploadMediaByURL') {
		return 'Check the result (Job Status by source URL, or Media → Search) before submitting again.';
	}
	if (action.startsWith('CreateUpload')) {
		return 'Look for the media with Media → Search (by title) before running the item again: one VOD made stays in status Uploading without the file; delete it or keep it. An Upload with a Reference ID (Derive or Custom) can be repeated safely.';
	}
	return 'Check the result before running the item again.';
}

/** How to fix the common failures, in the user's terms. */
export function describeVodFailure(
	action: string,
	failure: Pick<VodFailure, 'code' | 'message' | 'httpStatus' | 'transient' | 'outcomeUnknown' | 'sent'>,
	context: { attempts: number; endpoint: string; retriedAmbiguous: boolean },
): string {
	const { code } = failure;
	const tries = context.attempts;
	if (code.startsWith('InvalidAccessKeyId.Inactive')) {
		return 'The AccessKey is disabled. Enable it in the RAM console or create a new AccessKey pair and update the Alibaba Cloud API credential.';
	}
	if (code.startsWith('InvalidAccessKeyId')) {
		return `VOD does not know this AccessKey ID. Check the AccessKey ID in the Alibaba Cloud API credential, and that its Region / Endpoint (now ${context.endpoint}) belong to the same account.`;
	}
	if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') {
		return 'The AccessKey Secret does not match the AccessKey ID. Re-enter the AccessKey Secret in the Alibaba Cloud API credential (watch for spaces or a secret that belongs to another key).';
	}
	if (code.startsWith('InvalidTimeStamp')) {
		return "VOD rejects requests whose time differs from its own by more than 15 minutes. Fix the clock of the machine that runs n8n (enable NTP time sync).";
	}
	if (/^(InvalidSecurityToken\.Expired|SecurityTokenExpired)/i.test(code)) {
		return 'The Security Token of the Alibaba Cloud API credential has expired (STS tokens are temporary). Request a new STS token (AccessKey ID, Secret and Security Token together) and update the credential, or use a RAM user AccessKey and leave Security Token empty; then run the item again.';
	}
	if (/^(InvalidSecurityToken|SecurityTokenExpired|InvalidStsToken)/i.test(code)) {
		return 'The STS Security Token is expired, malformed or does not belong to this AccessKey ID. Request a new STS token (AccessKey ID, Secret and Security Token together) and update the credential, or use a RAM user AccessKey and leave Security Token empty.';
	}
	if (code.startsWith('Forbidden') || code === 'NoPermission') {
		return `The RAM user or role is not allowed to call ${action}. Grant it the RAM policy action "vod:${action}" (for example by attaching AliyunVODFullAccess or a custom policy).`;
	}
	if (code === 'OperationDenied.Suspended') {
		return 'The VOD service of this account is suspended because of an overdue payment. Settle the bill in the Alibaba Cloud console.';
	}
	if (code.startsWith('OperationDenied')) {
		return 'ApsaraVideo VOD is not activated for this account. Activate VOD in the Alibaba Cloud console, then try again.';
	}
	if (isThrottling(code) || failure.httpStatus === 429) {
		return `VOD's rate limit for ${action} kept refusing the call for ${tries} tries. Lower the rate: smaller batches, a Wait node between batches, or spread the run over a longer time. VOD's limits are per account, so other jobs using the same account count too.`;
	}
	if (code === 'InvalidParameter.UploadURLs') {
		return 'One of the URLs is not accepted: each must be an http(s) URL, URL-encoded, with a file extension (or set File Extension), and at most 20 are sent per call.';
	}
	if (code === 'InvalidVideo.NotFound') {
		return 'No media with this ID exists in this region. It may have been deleted, or it belongs to another region or account (check the credential Region).';
	}
	if (code === 'InvalidVideo.Damaged') {
		return 'The media is damaged or its upload never completed; upload it again.';
	}
	if (code === 'InvalidFileName.Extension') {
		return 'The file name needs a supported extension such as .mp4, .mov or .mp3.';
	}
	if (code === 'TagsExceededMax' || code === 'LengthExceededMax' || code === 'IllegalCharacters') {
		return 'A title, description or tag is too long or contains characters VOD refuses (emoji): Title ≤128 bytes, Description ≤1024 bytes, at most 16 tags of ≤32 bytes.';
	}
	if (code === 'InvalidStorage.NotFound') {
		return 'The storage location does not exist in this region. Leave it empty to use the default storage, or copy it from the VOD console (Storage Management).';
	}
	if (code === 'InvalidTemplateGroupId.NotFound') {
		return 'The transcoding template group does not exist in this region. Copy its ID from the VOD console or leave it empty.';
	}
	if (code.startsWith('MissingParameter') || code.startsWith('InvalidParameter')) {
		// n8n shows some errors (a failed activation) by their description alone: VOD's words go in it too
		return `VOD rejected a parameter of the request: ${failure.message}`;
	}
	if (failure.httpStatus !== undefined && failure.httpStatus >= 300 && failure.httpStatus < 400) {
		return `${context.endpoint} is not VOD's API: VOD never answers with a redirect. Check the Endpoint of the credential (normally empty, or vod.<region>.aliyuncs.com) and its Region, and any proxy between n8n and Alibaba Cloud.`;
	}
	if (code === 'InvalidAction.NotFound' || code === 'InvalidApi.NotFound') {
		return `The endpoint ${context.endpoint} does not serve VOD ${action}. Check the Endpoint of the credential (normally empty, or vod.<region>.aliyuncs.com).`;
	}
	if (code === 'ENOTFOUND') {
		return `The host name of ${context.endpoint} does not resolve. Check Region and Endpoint in the credential and the network/DNS of the n8n machine.`;
	}
	if (!failure.sent) {
		return `Could not connect to ${context.endpoint} (${tries} tries). Check Region, Endpoint and Protocol in the credential, and any proxy or firewall between n8n and Alibaba Cloud.`;
	}
	if (failure.outcomeUnknown && failure.transient && !context.retriedAmbiguous) {
		return `The connection failed after the request was sent, so it is unknown whether VOD ran ${action}. It was not repeated automatically because repeating it could create duplicates. ${whereToCheck(action)}`;
	}
	if (failure.transient) {
		return `VOD did not complete ${action} after ${tries} tries (temporary failures). Try again later; if it persists, check the Alibaba Cloud status page.`;
	}
	return `See the VOD error code ${code} in the Alibaba Cloud documentation.`;
}
