import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	NodeHelpers,
	type INode,
	type INodeProperties,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { AlibabaCloudVod } from '../../nodes/AlibabaCloudVod/AlibabaCloudVod.node';
import { AlibabaCloudVodJobStatus } from '../../nodes/AlibabaCloudVod/AlibabaCloudVodJobStatus.node';
import { JOB_STATUS_NODE_TYPE, VOD_NODE_TYPE } from '../harness';

/** The example workflows in examples/ must import into n8n and use only parameters our nodes define. */
const dir = join(__dirname, '..', '..', 'examples');
const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
const ours: Record<string, INodeTypeDescription> = {
	[VOD_NODE_TYPE]: new AlibabaCloudVod().description,
	[JOB_STATUS_NODE_TYPE]: new AlibabaCloudVodJobStatus().description,
};

function readWorkflow(file: string) {
	return JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
		nodes: INode[];
		connections: Record<string, { main: Array<Array<{ node: string }>> }>;
	};
}

function problemsOf(node: INode, description: INodeTypeDescription): string[] {
	const problems: string[] = [];
	const shown = (property: INodeProperties) =>
		NodeHelpers.displayParameter(node.parameters, property, node, description, node.parameters);
	for (const [name, value] of Object.entries(node.parameters)) {
		const property = description.properties.find((p) => p.name === name && shown(p));
		if (!property) {
			problems.push(
				`${node.name}: parameter "${name}" is not defined (or not shown) for these settings`,
			);
			continue;
		}
		const isExpression = typeof value === 'string' && value.startsWith('=');
		if (property.type === 'options' && !isExpression) {
			const values = (property.options ?? []).map((option) => (option as { value: unknown }).value);
			if (!values.includes(value))
				problems.push(`${node.name}: "${name}" has no option "${String(value)}"`);
		}
		if (property.type === 'collection' && value && typeof value === 'object') {
			const names = (property.options ?? []).map((option) => (option as INodeProperties).name);
			for (const key of Object.keys(value)) {
				if (!names.includes(key)) problems.push(`${node.name}: "${name}.${key}" is not defined`);
			}
		}
	}
	return problems;
}

describe('example workflows', () => {
	it('are there', () => {
		expect(files).toEqual(
			expect.arrayContaining(['migrate-url-list.json', 'cross-account-migration.json']),
		);
	});

	it.each(files)(
		'%s parses, is wired to existing nodes and uses only our defined parameters',
		(file) => {
			const workflow = readWorkflow(file);
			const names = new Set(workflow.nodes.map((node) => node.name));
			expect(names.size).toBe(workflow.nodes.length);
			for (const [from, { main }] of Object.entries(workflow.connections)) {
				expect(names.has(from)).toBe(true);
				for (const target of main.flat()) expect(names.has(target.node)).toBe(true);
			}
			const problems: string[] = [];
			let ourNodes = 0;
			for (const node of workflow.nodes) {
				const description = ours[node.type];
				if (!description) {
					expect(node.type).toMatch(/^n8n-nodes-base\./);
					continue;
				}
				ourNodes++;
				expect(node.credentials?.alibabaCloudVodApi).toBeDefined();
				problems.push(...problemsOf(node, description));
			}
			expect(ourNodes).toBeGreaterThanOrEqual(2);
			expect(problems).toEqual([]);
		},
	);

	it.each(files)(
		'%s leaves no If branch or error output unconnected, so no item vanishes (attack-2 N13)',
		(file) => {
			const workflow = readWorkflow(file);
			const branchesOf = (node: INode) =>
				node.type === 'n8n-nodes-base.if'
					? [0, 1]
					: node.onError === 'continueErrorOutput'
						? [node.type === JOB_STATUS_NODE_TYPE ? 3 : 1]
						: [];
			for (const node of workflow.nodes) {
				for (const output of branchesOf(node)) {
					const targets = workflow.connections[node.name]?.main[output] ?? [];
					expect({ node: node.name, output, connected: targets.length > 0 }).toEqual({
						node: node.name,
						output,
						connected: true,
					});
				}
			}
		},
	);

	it('cross-account-migration sends an item Submit refuses to its error output, not on as a regular item', () => {
		const workflow = JSON.parse(readFileSync(join(dir, 'cross-account-migration.json'), 'utf8'));
		const submit = workflow.nodes.find(
			(node: INode) => node.type === VOD_NODE_TYPE && node.parameters.operation === 'submit',
		);
		expect(submit.onError).toBe('continueErrorOutput');
	});

	it('migrate-url-list loops Still Running back through a Wait node into Job Status', () => {
		const workflow = JSON.parse(readFileSync(join(dir, 'migrate-url-list.json'), 'utf8'));
		const status = workflow.nodes.find((node: INode) => node.type === JOB_STATUS_NODE_TYPE);
		const stillRunning = workflow.connections[status.name].main[2][0].node;
		expect(workflow.nodes.find((node: INode) => node.name === stillRunning).type).toBe(
			'n8n-nodes-base.wait',
		);
		expect(workflow.connections[stillRunning].main[0][0].node).toBe(status.name);
		expect(workflow.nodes.some((node: INode) => node.name === 'Source URLs')).toBe(true);
	});
});
