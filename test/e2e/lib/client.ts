/**
 * Talks to a running n8n the way its editor and its users do: the internal REST API (`/rest`, session
 * cookie) for owner setup, login, node types and credential tests, and the public API (`/api/v1`,
 * `X-N8N-API-KEY`) for credentials, workflows, activation and executions. Shapes checked against
 * n8n 1.123.5 and 2.41.1 (`controllers/owner.controller.js`, `auth.controller.js`, `api-keys.controller.js`,
 * `credentials/credentials.controller.js`, `public-api/v1/handlers/*`).
 */
import type { IConnections, INode } from 'n8n-workflow';

export const OWNER = {
	email: 'owner@example.com',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-Owner-Passw0rd',
};

export class HttpError extends Error {
	constructor(
		readonly method: string,
		readonly url: string,
		readonly status: number,
		readonly body: string,
	) {
		super(`${method} ${url} → ${status}: ${body.slice(0, 2000)}`);
	}
}

export interface WorkflowDefinition {
	name: string;
	nodes: INode[];
	connections: IConnections;
	settings?: Record<string, unknown>;
}

export interface ExecutionRecord {
	id: string;
	finished: boolean;
	mode: string;
	status: string;
	workflowId: string;
	startedAt: string;
	stoppedAt: string | null;
	data?: {
		resultData: {
			runData: Record<
				string,
				Array<{
					data?: { main: Array<Array<{ json: Record<string, unknown>; binary?: unknown }> | null> };
					error?: { message: string; description?: string };
				}>
			>;
			error?: { message: string; description?: string; node?: { name: string } };
			lastNodeExecuted?: string;
		};
	};
}

/** n8n 2.x's `GET /rest/workflows/:id/publication-status` (workflow-publication-status.service.js). */
interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

export class N8nClient {
	private cookie = '';
	private apiKey = '';

	constructor(readonly baseUrl: string) {}

	private async request<T>(
		method: string,
		path: string,
		body?: unknown,
		headers: Record<string, string> = {},
	): Promise<{ status: number; data: T; headers: Headers }> {
		const url = `${this.baseUrl}${path}`;
		const response = await fetch(url, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (!response.ok) throw new HttpError(method, url, response.status, text);
		let data: unknown = text;
		if ((response.headers.get('content-type') ?? '').includes('json') && text)
			data = JSON.parse(text);
		return { status: response.status, data: data as T, headers: response.headers };
	}

	/** `/rest` answers `{ data: … }`. */
	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const { data } = await this.request<{ data: T }>(method, `/rest${path}`, body, {
			cookie: this.cookie,
		});
		return data.data;
	}

	async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const { data } = await this.request<T>(method, `/api/v1${path}`, body, {
			'x-n8n-api-key': this.apiKey,
		});
		return data;
	}

	/** A GET with the session cookie, for non-REST paths such as `/types/nodes.json` and icons. */
	async authedGet(path: string): Promise<Response> {
		return await fetch(`${this.baseUrl}${path}`, { headers: { cookie: this.cookie } });
	}

	/** Owner setup (first start only), login (cookie), and an API key with every scope the owner may hold. */
	async setupOwner(): Promise<void> {
		await this.request('POST', '/rest/owner/setup', OWNER);
		await this.login();
		const scopes = await this.rest<string[]>('GET', '/api-keys/scopes');
		const key = await this.rest<{ rawApiKey: string }>('POST', '/api-keys', {
			label: 'e2e',
			scopes,
			expiresAt: null,
		});
		this.apiKey = key.rawApiKey;
	}

	async login(): Promise<void> {
		const { headers } = await this.request('POST', '/rest/login', {
			emailOrLdapLoginId: OWNER.email,
			password: OWNER.password,
		});
		const cookie = headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (!cookie) throw new Error('n8n set no n8n-auth cookie on login');
		this.cookie = cookie.split(';')[0];
	}

	async createCredential(name: string, type: string, data: Record<string, unknown>) {
		return await this.api<{ id: string; name: string; type: string }>('POST', '/credentials', {
			name,
			type,
			data,
		});
	}

	/** n8n's own credential test (the editor's "Retry"/save button): runs the node's `testedBy` method. */
	async testCredential(
		credential: { id: string; name: string; type: string },
		data: Record<string, unknown>,
	) {
		return await this.rest<{ status: 'OK' | 'Error'; message: string }>(
			'POST',
			'/credentials/test',
			{
				credentials: { ...credential, data },
			},
		);
	}

	async createWorkflow(workflow: WorkflowDefinition) {
		return await this.api<{ id: string; name: string; active: boolean }>('POST', '/workflows', {
			name: workflow.name,
			nodes: workflow.nodes,
			connections: workflow.connections,
			settings: workflow.settings ?? { executionOrder: 'v1' },
		});
	}

	/**
	 * Activates (publishes, in 2.x's words) a workflow and returns once its triggers are live. n8n 1.x
	 * registers them before it answers. n8n 2.x (`N8N_USE_WORKFLOW_PUBLICATION_SERVICE`, on by default)
	 * answers `active: true` at once and registers them in the background: a webhook called right away
	 * answers 404 "not registered". So this waits for n8n's own account of the publication
	 * (`GET /rest/workflows/:id/publication-status`, the editor's indicator): `published` when every
	 * trigger is active; `failed`/`partial` throw with n8n's reason for each trigger.
	 */
	async activateWorkflow(id: string, timeoutMs = 60_000) {
		const activated = await this.api<{ id: string; active: boolean }>(
			'POST',
			`/workflows/${id}/activate`,
		);
		await this.waitForPublication(id, timeoutMs);
		return activated;
	}

	/** Resolves once n8n reports the workflow published (at once where there is no such report: 1.x). */
	async waitForPublication(id: string, timeoutMs = 60_000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			let publication: PublicationStatus;
			try {
				publication = await this.rest<PublicationStatus>(
					'GET',
					`/workflows/${id}/publication-status`,
				);
			} catch (error) {
				// 1.x has no such route, and 2.x answers 404 with the publication service switched off:
				// then activation was synchronous
				if (error instanceof HttpError && error.status === 404) return;
				throw error;
			}
			if (publication.status === 'published') return;
			if (publication.status === 'failed' || publication.status === 'partial') {
				throw new Error(
					`n8n could not publish workflow ${id} (${publication.status}): ${JSON.stringify(publication.triggers)}`,
				);
			}
			if (Date.now() > deadline) {
				throw new Error(
					`workflow ${id} not published after ${timeoutMs} ms: ${JSON.stringify(publication)}`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
	}

	async deactivateWorkflow(id: string) {
		return await this.api<{ id: string; active: boolean }>('POST', `/workflows/${id}/deactivate`);
	}

	async executions(workflowId: string, includeData = false): Promise<ExecutionRecord[]> {
		const all: ExecutionRecord[] = [];
		let cursor: string | undefined;
		do {
			const query = new URLSearchParams({
				workflowId,
				limit: '100',
				includeData: String(includeData),
			});
			if (cursor) query.set('cursor', cursor);
			const page = await this.api<{ data: ExecutionRecord[]; nextCursor: string | null }>(
				'GET',
				`/executions?${query}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return all;
	}

	async execution(id: string): Promise<ExecutionRecord> {
		return await this.api<ExecutionRecord>('GET', `/executions/${id}?includeData=true`);
	}

	/** Waits until the workflow has `count` finished executions (status not new/running/waiting). */
	async waitForExecutions(workflowId: string, count: number, timeoutMs = 60_000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const list = await this.executions(workflowId);
			const done = list.filter((e) => !['new', 'running', 'waiting'].includes(e.status));
			if (done.length >= count)
				return await Promise.all(done.map(async (e) => await this.execution(e.id)));
			if (Date.now() > deadline) {
				throw new Error(
					`workflow ${workflowId}: ${done.length}/${count} executions finished after ${timeoutMs} ms (${list.length} recorded)`,
				);
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	}
}

/** The items a node produced on one output in the first (or given) run of an execution. */
export function nodeOutput(execution: ExecutionRecord, nodeName: string, output = 0, run = 0) {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.[run]) return [];
	return (runs[run].data?.main[output] ?? []).map((item) => item.json);
}

/**
 * Starts an active workflow the way a user's system does: a POST of `body` as JSON to the production
 * webhook `path` of the n8n (or its webhook process) whose webhook base URL, ending in `/`, is given.
 */
export async function postToWebhook(webhookBaseUrl: string, path: string, body: unknown): Promise<Response> {
	return await fetch(`${webhookBaseUrl}webhook/${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}
