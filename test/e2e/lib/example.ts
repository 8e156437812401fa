/**
 * Turns an example workflow from `examples/` into one a test or the demo can run in a real n8n against the
 * emulator: its starting trigger becomes a Webhook of the same name (so it can be started by a POST), the
 * node that supplies the sources (`Source URLs`) emits the given URLs, and every credential reference
 * points at the credentials created for the run. Node names are kept, so connections stay valid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INode } from 'n8n-workflow';

import type { WorkflowDefinition } from './client';
import { REPO_ROOT } from './install';

export const SOURCE_NODE_NAME = 'Source URLs';
const OUR_TRIGGER = /alibabaCloudVodTrigger$/;

export function readExample(file: string): WorkflowDefinition & { nodes: INode[] } {
	const path = join(REPO_ROOT, 'examples', file);
	return JSON.parse(readFileSync(path, 'utf8')) as WorkflowDefinition & { nodes: INode[] };
}

function isStartTrigger(node: INode) {
	if (OUR_TRIGGER.test(node.type)) return false;
	return /trigger$/i.test(node.type) || node.type === 'n8n-nodes-base.cron';
}

export interface AdaptOptions {
	webhookPath: string;
	urls: string[];
	credentials: Partial<
		Record<'alibabaCloudVodApi' | 'alibabaCloudVodCallbackApi', { id: string; name: string }>
	>;
	/** fixed webhookId for the VOD Trigger, so its production URL is known before activation */
	triggerWebhookId?: string;
	/** Wait nodes wait this many seconds instead (the example waits minutes between status checks) */
	waitSeconds?: number;
	name?: string;
}

export function adaptExample(
	example: WorkflowDefinition,
	options: AdaptOptions,
): WorkflowDefinition {
	const nodes = example.nodes.map((original) => {
		const node: INode = JSON.parse(JSON.stringify(original)) as INode;
		for (const type of Object.keys(node.credentials ?? {})) {
			const replacement = options.credentials[type as keyof AdaptOptions['credentials']];
			if (replacement) node.credentials![type] = { id: replacement.id, name: replacement.name };
		}
		if (OUR_TRIGGER.test(node.type) && options.triggerWebhookId)
			node.webhookId = options.triggerWebhookId;
		if (node.type === 'n8n-nodes-base.wait' && options.waitSeconds !== undefined) {
			node.parameters = {
				...node.parameters,
				resume: 'timeInterval',
				amount: options.waitSeconds,
				unit: 'seconds',
			};
		}
		return node;
	});

	const starts = nodes.filter(isStartTrigger);
	if (starts.length !== 1) {
		throw new Error(
			`the example should have exactly one starting trigger besides the VOD Trigger; found ${starts.length}`,
		);
	}
	const start = starts[0];
	Object.assign(start, {
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: options.webhookPath,
		parameters: {
			httpMethod: 'POST',
			path: options.webhookPath,
			responseMode: 'onReceived',
			options: {},
		},
	});
	delete start.credentials;

	const source = nodes.find((node) => node.name === SOURCE_NODE_NAME);
	if (!source) {
		throw new Error(
			`the example has no node named "${SOURCE_NODE_NAME}" that supplies the source URLs`,
		);
	}
	// one item per URL, { url }, as the example's own source node emits them
	Object.assign(source, {
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: {
			jsCode: `return ${JSON.stringify(options.urls)}.map((url) => ({ json: { url } }));`,
		},
	});
	delete source.credentials;

	return {
		name: options.name ?? example.name,
		nodes,
		connections: example.connections,
		settings: { executionOrder: 'v1' },
	};
}
