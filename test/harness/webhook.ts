/**
 * A real HTTP server that hands each request to a webhook trigger node the way n8n 1.x does for production
 * webhooks, so trigger tests can be driven by real senders (the VOD emulator's signed callbacks).
 *
 * What it copies from n8n (cli `LiveWebhooks.executeWebhook`, `webhook-helpers.executeWebhook`,
 * `middlewares/body-parser.ts`; n8n-core `WebhookContext`, `HookContext`):
 *  - routes `POST /webhook/<webhookId>/webhook` (mode 'webhook') and `/webhook-test/...` (mode 'manual');
 *  - reads the raw body into `req.rawBody` (limit 16 MB, N8N_PAYLOAD_SIZE_MAX's default → 413 above it),
 *    sets `req.contentType`/`req.encoding` with n8n-core's `parseIncomingMessage`, and parses the body like
 *    n8n's `parseBody` (application/json → JSON, 422 when that fails; text/plain → string);
 *  - for every request builds a fresh `Workflow` from the persisted ("database") static data, runs the
 *    node's `webhook()` through n8n-core's real `WebhookContext`, and saves the static data back when it
 *    changed (`__dataChanged`), as LiveWebhooks does for production webhooks — each request therefore
 *    behaves as if it ran in another process;
 *  - answers as n8n does in 'onReceived' mode: the node's own answer when it returns `noWebhookResponse`,
 *    `webhookResponse` (or `{ message: 'Webhook call received' }`) with 200 when it returns no
 *    `workflowData` — no execution — and `{ message: 'Workflow was started' }` with 200 when it does;
 *    a throwing `webhook()` gives 500.
 *  - `runHook('create' | 'delete' | 'checkExists')` runs `webhookMethods.default.*` through n8n-core's real
 *    `HookContext` and saves the static data afterwards, as the active-workflow manager does.
 * A started execution is recorded with its items; with `downstream: true` the items are also run through a
 * workflow (trigger → recorder) with H4's `runWorkflow`, the trigger's output pinned to them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import type * as N8nCore from 'n8n-core';

import {
	functionNode,
	HarnessCredentialsHelper,
	HarnessNodeTypes,
	PersistedStaticData,
	runWorkflow,
	TRIGGER_NODE_TYPE,
	type WorkflowResult,
} from './index';

// Loaded after ./index, which prepares n8n-core for jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require('n8n-core') as typeof N8nCore;

export const TRIGGER_NODE_NAME = 'VOD Trigger';
const PAYLOAD_LIMIT_BYTES = 16 * 1024 * 1024;

export interface Delivery {
	path: string;
	mode: WorkflowExecuteMode;
	statusCode: number;
	responseBody: string;
	/** the node asked n8n to start an execution */
	started: boolean;
	/** `webhook()` threw */
	error?: Error;
	/** the node's result, as n8n received it */
	result?: IWebhookResponseData;
	headers: IncomingMessage['headers'];
}

export interface Execution {
	items: INodeExecutionData[];
	/** the downstream run, with `downstream: true` */
	run?: WorkflowResult;
}

export interface TriggerServerOptions {
	parameters: INodeParameters;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	webhookId?: string;
	/** the workflow's ID (two servers with their own webhook IDs and workflow IDs are two workflows) */
	workflowId?: string;
	/** also run each started execution's items through trigger → 'Recorder' with runWorkflow */
	downstream?: boolean;
}

export interface TriggerServer {
	baseUrl: string;
	/** what `getNodeWebhookUrl('default')` returns: the URL VOD should call */
	productionUrl: string;
	testUrl: string;
	deliveries: Delivery[];
	executions: Execution[];
	/** the persisted static data of the workflow ("the database row") */
	staticData: IDataObject;
	parameters: INodeParameters;
	runHook(
		method: 'checkExists' | 'create' | 'delete',
		mode?: WorkflowExecuteMode,
	): Promise<boolean>;
	/** resolves once every request received so far has been answered and its run finished */
	idle(): Promise<void>;
	close(): Promise<void>;
}

/** The bits of express's Response a node uses, added onto Node's ServerResponse. */
function expressResponse(res: ServerResponse) {
	const extended = res as ServerResponse & Record<string, unknown>;
	extended.status = (code: number) => {
		res.statusCode = code;
		return extended;
	};
	extended.set = extended.header = (name: string, value: string) => {
		res.setHeader(name, value);
		return extended;
	};
	extended.json = (body: unknown) => {
		if (!res.headersSent) res.setHeader('content-type', 'application/json; charset=utf-8');
		res.end(JSON.stringify(body));
		return extended;
	};
	extended.send = (body: unknown) => {
		if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
			return (extended.json as (b: unknown) => unknown)(body);
		}
		if (!res.headersSent && typeof body === 'string') {
			res.setHeader('content-type', 'text/html; charset=utf-8');
		}
		res.end(body as string | Buffer | undefined);
		return extended;
	};
	return extended;
}

class PayloadTooLarge extends Error {}

async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > limit) throw new PayloadTooLarge();
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

export async function startTriggerServer(options: TriggerServerOptions): Promise<TriggerServer> {
	const { AlibabaCloudVodTrigger } =
		(await import('../../nodes/AlibabaCloudVod/AlibabaCloudVodTrigger.node')) as {
			AlibabaCloudVodTrigger: new () => INodeType;
		};
	const nodeType = new AlibabaCloudVodTrigger();
	const nodeTypes = new HarnessNodeTypes({ [TRIGGER_NODE_TYPE]: nodeType });
	const webhookId = options.webhookId ?? 'c0ffee00-vod0-4000-8000-trigger00001';
	const workflowId = options.workflowId ?? 'webhook-harness-workflow';
	const pending = new Set<Promise<unknown>>();

	const persisted = new PersistedStaticData();
	const deliveries: Delivery[] = [];
	const executions: Execution[] = [];

	const server: Server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const baseUrl = `http://127.0.0.1:${port}/`;

	const triggerNode = (): INode => ({
		id: 'vod-trigger-node',
		name: TRIGGER_NODE_NAME,
		type: TRIGGER_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId,
		parameters: structuredClone(api.parameters),
		credentials: {
			alibabaCloudVodCallbackApi: { id: 'cb', name: 'VOD callback key' },
			alibabaCloudVodApi: { id: 'api', name: 'Alibaba Cloud API' },
		},
	});

	/** A fresh Workflow over a copy of the persisted static data: what a new process would load. */
	function loadWorkflow() {
		const node = triggerNode();
		const workflow = new Workflow({
			id: workflowId,
			name: 'Webhook harness workflow',
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: persisted.copy(),
			settings: { executionOrder: 'v1' },
		});
		return { workflow, node: workflow.getNode(node.name) as INode };
	}

	function additionalDataFor(req?: IncomingMessage, res?: ServerResponse) {
		return {
			credentialsHelper: new HarnessCredentialsHelper(options.credentials),
			webhookBaseUrl: `${baseUrl}webhook`,
			webhookTestBaseUrl: `${baseUrl}webhook-test`,
			webhookWaitingBaseUrl: `${baseUrl}webhook-waiting`,
			formWaitingBaseUrl: `${baseUrl}form-waiting`,
			restApiUrl: `${baseUrl}rest`,
			instanceBaseUrl: baseUrl,
			variables: {},
			httpRequest: req,
			httpResponse: res,
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	function webhookDataFor(
		node: INode,
		mode: WorkflowExecuteMode,
		additionalData: IWorkflowExecuteAdditionalData,
	) {
		return {
			httpMethod: 'POST',
			node: node.name,
			path: `${webhookId}/webhook`,
			webhookDescription: nodeType.description.webhooks![0],
			workflowId,
			workflowExecuteAdditionalData: additionalData,
			webhookId,
			isTest: mode === 'manual',
		} as IWebhookData;
	}

	async function handle(req: IncomingMessage, rawRes: ServerResponse) {
		const res = expressResponse(rawRes);
		const url = new URL(req.url ?? '/', baseUrl);
		const mode: WorkflowExecuteMode | undefined =
			url.pathname === `/webhook/${webhookId}/webhook`
				? 'webhook'
				: url.pathname === `/webhook-test/${webhookId}/webhook`
					? 'manual'
					: undefined;
		const delivery: Delivery = {
			path: url.pathname,
			mode: mode ?? 'webhook',
			statusCode: 0,
			responseBody: '',
			started: false,
			headers: req.headers,
		};
		deliveries.push(delivery);
		const chunks: Buffer[] = [];
		const end = rawRes.end.bind(rawRes) as (...args: unknown[]) => ServerResponse;
		rawRes.end = ((...args: unknown[]) => {
			if (Buffer.isBuffer(args[0]) || typeof args[0] === 'string')
				chunks.push(Buffer.from(args[0]));
			delivery.statusCode = rawRes.statusCode;
			delivery.responseBody = Buffer.concat(chunks).toString('utf8');
			return end(...args);
		}) as ServerResponse['end'];

		if (req.method !== 'POST' || !mode) {
			res.statusCode = 404;
			(res.json as (b: unknown) => void)({ code: 404, message: 'webhook not registered' });
			return;
		}

		// n8n: rawBodyReader + parseBody
		const request = req as IncomingMessage & Record<string, unknown>;
		core.parseIncomingMessage(req);
		try {
			request.rawBody = await readRawBody(req, PAYLOAD_LIMIT_BYTES);
		} catch (error) {
			if (!(error instanceof PayloadTooLarge)) throw error;
			res.statusCode = 413;
			(res.json as (b: unknown) => void)({ code: 413, message: 'request entity too large' });
			req.destroy();
			return;
		}
		const rawBody = request.rawBody as Buffer;
		request.body = {};
		if (rawBody.length > 0) {
			const text = rawBody.toString((request.encoding as BufferEncoding | undefined) ?? 'utf8');
			if (request.contentType === 'application/json') {
				try {
					request.body = JSON.parse(text) as unknown;
				} catch {
					res.statusCode = 422;
					(res.json as (b: unknown) => void)({
						code: 422,
						message: 'Failed to parse request body',
					});
					return;
				}
			} else if (request.contentType === 'text/plain') {
				request.body = text;
			}
		}
		request.originalUrl = req.url;
		request.query = Object.fromEntries(url.searchParams);
		request.params = {};

		const { workflow, node } = loadWorkflow();
		const additionalData = additionalDataFor(req, rawRes);
		const context = new core.WebhookContext(
			workflow,
			node,
			additionalData,
			mode,
			webhookDataFor(node, mode, additionalData),
			[],
			null,
		);
		let result: IWebhookResponseData;
		try {
			result = await nodeType.webhook!.call(context);
		} catch (error) {
			delivery.error = error as Error;
			if (!rawRes.headersSent) {
				res.statusCode = 500;
				(res.json as (b: unknown) => void)({ code: 0, message: (error as Error).message });
			}
			return;
		} finally {
			// LiveWebhooks saves static data in the response callback, production webhooks only.
			if (mode === 'webhook') persisted.saveFrom(workflow);
		}
		delivery.result = result;

		if (result.noWebhookResponse === true) {
			if (!rawRes.writableEnded) rawRes.end();
			if (result.workflowData === undefined) return;
		}
		if (result.workflowData === undefined) {
			res.statusCode = 200;
			(res.json as (b: unknown) => void)(
				result.webhookResponse ?? { message: 'Webhook call received' },
			);
			return;
		}

		delivery.started = true;
		const execution: Execution = { items: result.workflowData[0] ?? [] };
		executions.push(execution);
		if (!rawRes.writableEnded) {
			res.statusCode = 200;
			(res.json as (b: unknown) => void)({ message: 'Workflow was started' });
		}
		if (options.downstream) {
			execution.run = await runWorkflow({
				nodes: [triggerNode(), functionNode('Recorder')],
				connections: {
					[TRIGGER_NODE_NAME]: { main: [[{ node: 'Recorder', type: 'main', index: 0 }]] },
				},
				credentials: options.credentials,
				startNode: TRIGGER_NODE_NAME,
				pinData: { [TRIGGER_NODE_NAME]: execution.items },
				functions: { Recorder: (items) => items },
				mode: 'webhook',
			});
		}
	}

	server.on('request', (req, res) => {
		const done = handle(req, res).catch((error: Error) => {
			if (!res.headersSent) {
				res.statusCode = 500;
				res.end(error.message);
			}
		});
		pending.add(done);
		void done.finally(() => pending.delete(done));
	});

	const api: TriggerServer = {
		baseUrl,
		productionUrl: `${baseUrl}webhook/${webhookId}/webhook`,
		testUrl: `${baseUrl}webhook-test/${webhookId}/webhook`,
		deliveries,
		executions,
		get staticData() {
			return persisted.value;
		},
		set staticData(value: IDataObject) {
			persisted.value = value;
		},
		parameters: structuredClone(options.parameters),
		async runHook(method, mode = 'webhook') {
			const { workflow, node } = loadWorkflow();
			const additionalData = additionalDataFor();
			const context = new core.HookContext(
				workflow,
				node,
				additionalData,
				mode,
				mode === 'manual' ? 'manual' : 'activate',
				webhookDataFor(node, mode, additionalData),
			);
			const fn = nodeType.webhookMethods?.default?.[method];
			if (!fn) throw new Error(`Webhook harness: the node has no webhookMethods.default.${method}`);
			try {
				return await fn.call(context);
			} finally {
				persisted.saveFrom(workflow);
			}
		},
		async idle() {
			while (pending.size > 0) await Promise.allSettled([...pending]);
		},
		async close() {
			await api.idle();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	return api;
}
