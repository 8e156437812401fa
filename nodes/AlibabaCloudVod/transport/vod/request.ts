import {
	NodeApiError,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import type { HttpRequester } from '../http';
import { redactText, secretsOf } from '../redact';
import { callVodApi } from './client';
import { VodApiError, VodCancelledError, type VodErrorDetails } from './errors';
import type {
	AlibabaCloudApiCredentials,
	VodAction,
	VodContext,
	VodOperations,
	VodRequestOptions,
} from './types';

export const VOD_CREDENTIAL_TYPE = 'alibabaCloudVodApi';

/** The safe, serialisable part of a VOD failure, in VOD's own field names. */
function errorResponseOf(details: VodErrorDetails): JsonObject {
	const response: JsonObject = {
		Action: details.action,
		Code: details.code,
		Message: details.message,
		Attempts: details.attempts,
		OutcomeUnknown: details.outcomeUnknown,
		Transient: details.transient,
	};
	if (details.requestId) response.RequestId = details.requestId;
	if (details.hostId) response.HostId = details.hostId;
	if (details.recommend) response.Recommend = details.recommend;
	if (details.httpStatus !== undefined) response.HttpStatus = details.httpStatus;
	if (details.sessionIdReused) response.SessionIdReused = true;
	return response;
}

function applyVodMessage(error: NodeApiError, source: VodApiError) {
	// NodeApiError rewrites messages that contain e.g. "ECONNRESET" into generic text; keep ours.
	error.message = source.message;
	error.description = source.details.hint;
	error.context.vod = errorResponseOf(source.details);
}

/**
 * Thrown when UploadMediaByURL is refused because its SessionId was already used: an earlier try
 * (whose answer was lost) or an earlier run already submitted these URLs. Catch it and look the jobs
 * up by URL (`recoverUrlUploadJobs`) instead of submitting again.
 */
export class VodSessionIdReusedError extends NodeApiError {
	readonly vod: VodErrorDetails;

	constructor(node: INode, source: VodApiError, itemIndex?: number) {
		super(node, errorResponseOf(source.details), {
			message: source.message,
			description: source.details.hint,
			httpCode: source.details.httpStatus?.toString(),
			itemIndex,
		});
		this.vod = source.details;
		applyVodMessage(this, source);
	}
}

/** The n8n error for a failed VOD call: message, fix-it description, HTTP status, VOD fields. */
export function toNodeApiError(node: INode, error: VodApiError, itemIndex?: number): NodeApiError {
	if (error.details.sessionIdReused) return new VodSessionIdReusedError(node, error, itemIndex);
	const nodeError = new NodeApiError(node, errorResponseOf(error.details), {
		message: error.message,
		description: error.details.hint,
		httpCode: error.details.httpStatus?.toString(),
		itemIndex,
	});
	applyVodMessage(nodeError, error);
	return nodeError;
}

/** The VOD fields of an error thrown by this transport (either layer), if it is one. */
export function vodErrorDetails(error: unknown): VodErrorDetails | undefined {
	if (error instanceof VodApiError) return error.details;
	if (error instanceof VodSessionIdReusedError) return error.vod;
	if (error instanceof NodeApiError) {
		const response = error.context?.vod as JsonObject | undefined;
		if (response && typeof response.Code === 'string') {
			return {
				action: String(response.Action),
				code: response.Code,
				message: String(response.Message ?? ''),
				requestId: response.RequestId as string | undefined,
				hostId: response.HostId as string | undefined,
				recommend: response.Recommend as string | undefined,
				httpStatus: response.HttpStatus as number | undefined,
				attempts: Number(response.Attempts ?? 1),
				outcomeUnknown: Boolean(response.OutcomeUnknown),
				transient: Boolean(response.Transient),
				sessionIdReused: Boolean(response.SessionIdReused) || undefined,
				hint: error.description ?? '',
			};
		}
	}
	return undefined;
}

/** Whether a failed VOD call may succeed if asked again later (the transport's retry classification). */
export function isTransientVodError(error: unknown): boolean {
	return vodErrorDetails(error)?.transient === true;
}

export function isSessionIdReused(error: unknown): boolean {
	return Boolean(vodErrorDetails(error)?.sessionIdReused);
}

/** The decrypted credential as the transport needs it. */
export function toVodCredentials(data: ICredentialDataDecryptedObject): AlibabaCloudApiCredentials {
	// A key pasted with a trailing newline or spaces is never meant to contain them: VOD would refuse the
	// signature, and an echo of the trimmed value would not match the untrimmed secret.
	const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string).trim() : undefined);
	return {
		accessKeyId: text('accessKeyId') ?? '',
		accessKeySecret: text('accessKeySecret') ?? '',
		securityToken: text('securityToken'),
		region: text('region') || 'cn-shanghai',
		endpoint: text('endpoint'),
		protocol: text('protocol'),
	};
}

type CancellableContext = VodContext & { getExecutionCancelSignal?: () => AbortSignal | undefined };

/**
 * Calls a VOD action from any n8n context with the node's `alibabaCloudVodApi` credential, honouring the
 * execution's cancel signal. Failures become NodeApiError (`VodSessionIdReusedError` for a used
 * SessionId), cancellation a NodeOperationError.
 */
export async function vodApiRequest<A extends VodAction>(
	this: VodContext,
	action: A,
	params: VodOperations[A][0],
	options: VodRequestOptions = {},
): Promise<VodOperations[A][1]> {
	const credentials = toVodCredentials(await this.getCredentials(VOD_CREDENTIAL_TYPE));
	const context = this as CancellableContext;
	const signal =
		options.signal ??
		(typeof context.getExecutionCancelSignal === 'function'
			? context.getExecutionCancelSignal()
			: undefined);
	const { itemIndex, ...callOptions } = options;
	const http: HttpRequester = async (request) => await this.helpers.httpRequest(request);
	let failure: unknown;
	try {
		return await callVodApi(http, credentials, action, params, {
			...callOptions,
			signal,
			logger: options.logger ?? this.logger,
		});
	} catch (error) {
		failure = error;
	}
	if (failure instanceof VodApiError) throw toNodeApiError(this.getNode(), failure, itemIndex);
	if (failure instanceof VodCancelledError) {
		throw new NodeOperationError(this.getNode(), failure.message, { itemIndex });
	}
	const text = failure instanceof Error ? failure.message : String(failure);
	throw new NodeOperationError(
		this.getNode(),
		redactText(`VOD ${action} failed: ${text}`, secretsOf(credentials)),
		{ itemIndex },
	);
}
