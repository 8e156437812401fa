/**
 * Runs a polling trigger node the way n8n 1.x runs an active polling workflow, through n8n-core's real
 * `PollContext`, so poll tests exercise the same context (parameters with defaults, credentials,
 * `getWorkflowStaticData`, `helpers.returnJsonArray`, `getMode`) as n8n does.
 *
 * What it copies from n8n 1.123.5 (cli `ActiveWorkflowManager`, n8n-core `ActiveWorkflows.activatePolling`,
 * `WorkflowStaticDataService`):
 *  - `activate()` builds a `Workflow` from the persisted ("database") static data, runs one poll at once
 *    (an error there fails the activation, nothing is saved), then saves the static data if it changed;
 *  - `tick()` is one cron tick on that same in-memory `Workflow`: a non-null result is emitted — n8n saves
 *    the static data then and starts an execution — and an error is recorded as n8n's `__emitError` does;
 *    a `null` result saves nothing (n8n 1.x), unless `persist: 'always'` (newer runtimes commit the cursor
 *    after every poll);
 *  - `restart()` drops the in-memory workflow as a stopped process does: changes not saved are lost, and
 *    the next `activate()` starts from what was saved (n8n re-activates active workflows on start);
 *  - `fetchTestEvent()` runs the node in mode 'manual' ("Fetch Test Event"), whose static data n8n never
 *    saves.
 * `budgetMs` gives the context a `getPollBudgetMs()`, as n8n 2.x does.
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
	IPollFunctions,
	IWorkflowExecuteAdditionalData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import type * as N8nCore from 'n8n-core';

import {
	HarnessCredentialsHelper,
	HarnessNodeTypes,
	PACKAGE_NAME,
	PersistedStaticData,
} from './index';

// Loaded after ./index, which prepares n8n-core for jest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require('n8n-core') as typeof N8nCore;

export const POLL_TRIGGER_NODE_TYPE = `${PACKAGE_NAME}.alibabaCloudVodPollTrigger`;
export const POLL_TRIGGER_NODE_NAME = 'VOD Poll Trigger';

export interface PollTriggerOptions {
	parameters: INodeParameters;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	/** 'onEmit' (n8n 1.x, default): static data is saved when a poll emits and at activation */
	persist?: 'onEmit' | 'always';
	/** give the context `getPollBudgetMs()` returning this (n8n 2.x) */
	budgetMs?: number;
	/** the static data a previous run saved */
	staticData?: IDataObject;
}

export interface PollOutcome {
	/** the items of the execution this poll started, or null when it started none */
	items: INodeExecutionData[] | null;
	error?: Error;
}

export interface PollTrigger {
	/** the persisted static data ("the database row") */
	readonly staticData: IDataObject;
	/** the node's part of it (`getWorkflowStaticData('node')`) */
	readonly nodeStaticData: IDataObject | undefined;
	/** every started execution's items, in order */
	readonly emissions: INodeExecutionData[][];
	/** errors n8n would have shown for failed polls */
	readonly errors: Error[];
	readonly active: boolean;
	parameters: INodeParameters;
	activate(mode?: WorkflowActivateMode): Promise<PollOutcome>;
	tick(): Promise<PollOutcome>;
	restart(): void;
	fetchTestEvent(): Promise<INodeExecutionData[][] | null>;
	/** the node type instance (for its description) */
	nodeType: INodeType;
}

export async function createPollTrigger(options: PollTriggerOptions): Promise<PollTrigger> {
	const { AlibabaCloudVodPollTrigger } =
		(await import('../../nodes/AlibabaCloudVod/AlibabaCloudVodPollTrigger.node')) as {
			AlibabaCloudVodPollTrigger: new () => INodeType;
		};
	const nodeType = new AlibabaCloudVodPollTrigger();
	const nodeTypes = new HarnessNodeTypes({ [POLL_TRIGGER_NODE_TYPE]: nodeType });
	const workflowId = 'poll-harness-workflow';
	const persisted = new PersistedStaticData(structuredClone(options.staticData ?? {}));
	const emissions: INodeExecutionData[][] = [];
	const errors: Error[] = [];
	let activeWorkflow: Workflow | undefined;

	const triggerNode = (): INode => ({
		id: 'vod-poll-trigger-node',
		name: POLL_TRIGGER_NODE_NAME,
		type: POLL_TRIGGER_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: structuredClone(api.parameters),
		credentials: { alibabaCloudVodApi: { id: 'api', name: 'Alibaba Cloud API' } },
	});

	/** A fresh Workflow over a copy of the persisted static data: what n8n builds on activation. */
	function loadWorkflow() {
		return new Workflow({
			id: workflowId,
			name: 'Poll harness workflow',
			nodes: [triggerNode()],
			connections: {},
			active: true,
			nodeTypes,
			staticData: persisted.copy(),
			settings: { executionOrder: 'v1' },
		});
	}

	const additionalData = {
		credentialsHelper: new HarnessCredentialsHelper(options.credentials),
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;

	async function runPoll(
		workflow: Workflow,
		mode: WorkflowExecuteMode,
		activation: WorkflowActivateMode,
	): Promise<INodeExecutionData[][] | null> {
		const node = workflow.getNode(POLL_TRIGGER_NODE_NAME)!;
		// n8n's executeTrigger, not the node, calls __emit/__emitError with the poll's result: see emit()
		const context = new core.PollContext(
			workflow,
			node,
			additionalData,
			mode,
			activation,
			() => undefined,
			() => undefined,
		) as unknown as IPollFunctions & { getPollBudgetMs?: () => number };
		if (options.budgetMs !== undefined) context.getPollBudgetMs = () => options.budgetMs!;
		return await nodeType.poll!.call(context);
	}

	function emit(workflow: Workflow, result: INodeExecutionData[][]) {
		// ActiveWorkflowManager.getExecutePollFunctions → __emit: save static data, start the execution
		persisted.saveFrom(workflow);
		emissions.push(result[0] ?? []);
	}

	const api: PollTrigger = {
		get staticData() {
			return persisted.value;
		},
		get nodeStaticData() {
			return persisted.value[`node:${POLL_TRIGGER_NODE_NAME}`] as IDataObject | undefined;
		},
		emissions,
		errors,
		get active() {
			return activeWorkflow !== undefined;
		},
		parameters: structuredClone(options.parameters),
		nodeType,
		async activate(activation = 'activate') {
			if (activeWorkflow) throw new Error('Poll harness: already active');
			const workflow = loadWorkflow();
			// ActiveWorkflows.activatePolling: executeTrigger(true) rethrows; activation then fails
			const result = await runPoll(workflow, 'trigger', activation);
			if (result !== null) emit(workflow, result);
			persisted.saveFrom(workflow);
			activeWorkflow = workflow;
			return { items: result?.[0] ?? null };
		},
		async tick() {
			const workflow = activeWorkflow;
			if (!workflow) throw new Error('Poll harness: not active');
			try {
				const result = await runPoll(workflow, 'trigger', 'activate');
				if (result !== null) emit(workflow, result);
				else if (options.persist === 'always') persisted.saveFrom(workflow);
				return { items: result?.[0] ?? null };
			} catch (error) {
				errors.push(error as Error);
				return { items: null, error: error as Error };
			}
		},
		restart() {
			activeWorkflow = undefined;
		},
		async fetchTestEvent() {
			return await runPoll(loadWorkflow(), 'manual', 'manual');
		},
	};
	return api;
}
