import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { callbackDeliveryKey, DEFAULT_DELIVERY_LIMITS, recordDelivery } from '../helpers/callbackDedup';
import {
	CallbackPayloadError,
	eventOutcome,
	normaliseVodEvent,
	type VodEvent,
	type VodTriggerItem,
} from '../helpers/callbackEvent';
import {
	VOD_SIGNATURE_HEADER,
	VOD_TIMESTAMP_HEADER,
	verifyCallbackSignature,
} from '../helpers/callbackSignature';
import { markedCallbackUrl } from '../helpers/callbackUrl';
import { ALL_EVENTS, MAX_CALLBACK_BODY_BYTES, type StatusFilter } from './description';
import { triggerOptionsFor } from './options';

export const CALLBACK_CREDENTIAL_TYPE = 'alibabaCloudVodCallbackApi';

interface CallbackCredentials {
	authKey?: string;
	previousAuthKey?: string;
}

/** The item the trigger emits for one callback. */
export type CallbackItem = VodTriggerItem;

function header(value: string | string[] | undefined) {
	return Array.isArray(value) ? value[0] : value;
}

/**
 * Answers the request itself (n8n then sends nothing more) and starts no execution. The reason goes to
 * the log only: a caller without the key learns nothing about why it was refused.
 */
function refuse(
	ctx: IWebhookFunctions,
	statusCode: 400 | 401,
	answer: string,
	logReason: string,
): IWebhookResponseData {
	ctx.logger.warn(`Alibaba Cloud VOD Trigger refused a callback (${statusCode}): ${logReason}`, {
		node: ctx.getNode().name,
		workflowId: ctx.getWorkflow().id,
	});
	ctx.getResponseObject().status(statusCode).send(answer);
	return { noWebhookResponse: true };
}

/** 200 without an execution: VOD must not retry an event this workflow does not want. */
function ignore(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, started: false, reason } };
}

/**
 * The URL strings VOD may have signed. With a Public Callback URL that one, as set or as registered
 * (helpers/callbackUrl.ts). Otherwise the production URL as set and as registered, and the URL this
 * request actually reached (production origin + request path and query), which covers the test URL and a
 * callback URL configured with a query string. Taking the path from the request does not weaken the
 * check: the signature still needs the key, and a callback replayed to another path no longer matches.
 */
function candidateCallbackUrls(ctx: IWebhookFunctions, publicUrl: string | undefined) {
	const workflowId = ctx.getWorkflow().id ?? '';
	if (publicUrl) return [...new Set([publicUrl, markedCallbackUrl(publicUrl, workflowId)])];
	const urls: string[] = [];
	const productionUrl = ctx.getNodeWebhookUrl('default');
	if (productionUrl) urls.push(productionUrl, markedCallbackUrl(productionUrl, workflowId));
	const requestPath = ctx.getRequestObject().originalUrl ?? ctx.getRequestObject().url;
	if (productionUrl && requestPath) {
		try {
			const reached = new URL(requestPath, productionUrl).href;
			if (!urls.includes(reached)) urls.push(reached);
		} catch {
			// A request path that is not a valid URL path simply adds no candidate.
		}
	}
	return urls;
}

function bodySize(ctx: IWebhookFunctions, rawBody: Buffer | undefined): number {
	if (rawBody) return rawBody.length;
	const declared = Number(header(ctx.getHeaderData()['content-length']));
	if (Number.isFinite(declared) && declared > 0) return declared;
	const body = ctx.getBodyData() as unknown;
	if (typeof body === 'string') return Buffer.byteLength(body);
	try {
		return Buffer.byteLength(JSON.stringify(body ?? {}));
	} catch {
		// nested too deep to serialise: no VOD event is, so it is refused like an oversized one
		return Number.POSITIVE_INFINITY;
	}
}

/**
 * The body's bytes. For a typeVersion 1 node n8n reads them into `req.rawBody` before calling the node,
 * whatever the Content-Type; from 1.1 on it reads them only for the types it parses (JSON, text, form,
 * XML), and otherwise leaves the reading to the node through `req.readRawBody()` (n8n's own reader,
 * with its size limit), as n8n's Webhook node v2 does (n8n 1.x and 2.x `webhook-helpers`
 * `parseRequestBody`).
 */
async function rawBodyOf(ctx: IWebhookFunctions): Promise<Buffer | undefined> {
	const request = ctx.getRequestObject() as { rawBody?: unknown; readRawBody?: () => Promise<void> };
	if (!Buffer.isBuffer(request.rawBody) && typeof request.readRawBody === 'function') {
		await request.readRawBody();
	}
	return Buffer.isBuffer(request.rawBody) ? request.rawBody : undefined;
}

/**
 * The body as VOD sent it. Parsing the bytes here, even where n8n has parsed a JSON body into
 * `req.body`, makes the result independent of the Content-Type VOD declares.
 */
function parseBody(ctx: IWebhookFunctions, rawBody: Buffer | undefined): unknown {
	if (rawBody && rawBody.length > 0) return JSON.parse(rawBody.toString('utf8')) as unknown;
	const body = ctx.getBodyData() as unknown;
	return typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
}

export async function receiveCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const receivedAt = new Date();
	const options = triggerOptionsFor(this);
	const headers = this.getHeaderData();

	// 1. Authenticate from the headers alone, before the body is looked at.
	const timestamp = header(headers[VOD_TIMESTAMP_HEADER]);
	const signature = header(headers[VOD_SIGNATURE_HEADER]);
	let authentication: CallbackItem['authentication'] = 'unsigned';
	if (!(options.acceptUnsigned && !timestamp && !signature)) {
		const credentials = await this.getCredentials<CallbackCredentials>(CALLBACK_CREDENTIAL_TYPE);
		const verification = verifyCallbackSignature({
			timestamp,
			signature,
			callbackUrls: candidateCallbackUrls(this, options.publicCallbackUrl),
			authKeys: [credentials.authKey, credentials.previousAuthKey],
			nowMs: receivedAt.getTime(),
			maxAgeSeconds: options.maxTimestampAgeSeconds,
		});
		if (!verification.ok) {
			const hint =
				verification.reason === 'badSignature'
					? ' (check that the auth key matches VOD and that VOD calls exactly this URL, or set Public Callback URL)'
					: '';
			return refuse(this, 401, 'Unauthorized', `${verification.reason}${hint}`);
		}
		authentication = verification.keyIndex === 0 ? 'currentKey' : 'previousKey';
	}

	// 2. Only an authenticated request gets its body read.
	const rawBuffer = await rawBodyOf(this);
	if (bodySize(this, rawBuffer) > MAX_CALLBACK_BODY_BYTES) {
		return refuse(
			this,
			400,
			'Bad Request: the body is larger than a VOD callback can be (1 MB)',
			'body over 1 MB',
		);
	}
	let raw: unknown;
	let event: VodEvent;
	try {
		raw = parseBody(this, rawBuffer);
		event = normaliseVodEvent(raw);
	} catch (error) {
		const reason =
			error instanceof CallbackPayloadError ? error.message : 'The callback body is not valid JSON';
		return refuse(this, 400, `Bad Request: ${reason}`, reason);
	}

	// 3. Filters: answered with 200 so that VOD does not retry an event nobody wants.
	const events = this.getNodeParameter('events', []) as string[];
	if (!events.includes(ALL_EVENTS) && !events.includes(event.EventType)) {
		return ignore(`event type ${event.EventType} is not selected`);
	}
	const statusFilter = this.getNodeParameter('status', 'any') as StatusFilter;
	if (statusFilter !== 'any' && eventOutcome(event) !== statusFilter) {
		return ignore(
			event.Status === undefined
				? `the event carries no Status, and only ${statusFilter === 'success' ? 'successes' : 'failures'} are selected`
				: `status ${JSON.stringify(event.Status)} is not selected`,
		);
	}

	// 4. Repeated deliveries. The remembered keys live in the node's static data: n8n loads it from the
	//    database for each production webhook request and saves the whole object back once webhook()
	//    has returned (cli LiveWebhooks.executeWebhook → WorkflowStaticDataService.saveStaticData), so it
	//    is shared across webhook processes in queue mode. It is not atomic: requests handled at the same
	//    time each save their own copy and the last write wins, so under a burst some deliveries are
	//    forgotten and a later repeat of one of them is emitted again (queue-mode e2e: 113 of 300
	//    remembered at ~9 callbacks/s; bench:callbacks at 50 connections: 3 of the last 50). Suppression
	//    is therefore best effort; every item carries `deliveryKey` to de-duplicate on downstream, and the
	//    README says so. Test (manual) webhooks save no static data.
	const deliveryKey = callbackDeliveryKey(event);
	const windowSeconds = options.duplicateWindowSeconds;
	if (windowSeconds > 0) {
		const staticData = this.getWorkflowStaticData('node');
		const { duplicate, deliveries } = recordDelivery(
			staticData.deliveries,
			deliveryKey,
			Math.floor(receivedAt.getTime() / 1000),
			{ windowSeconds, maxEntries: DEFAULT_DELIVERY_LIMITS.maxEntries },
		);
		if (duplicate) return ignore('repeated delivery of an event already received');
		staticData.deliveries = deliveries;
	}

	const item: CallbackItem = {
		event,
		raw: raw as IDataObject,
		receivedAt: receivedAt.toISOString(),
		authentication,
		deliveryKey,
	};

	// 5. Answer VOD here rather than leave it to n8n, which answers only after it has written the static
	//    data to its database (step 4 changes it for every new event). VOD retries what it does not see
	//    answered within 5 s, and under load that write is what queues; the execution starts either way.
	this.getResponseObject().status(200).json({ received: true, started: true });
	return { noWebhookResponse: true, workflowData: [this.helpers.returnJsonArray([item])] };
}
