/**
 * In-process workflow harness: runs real workflows through n8n-core's `WorkflowExecute`, with our real node
 * classes, so node tests exercise the same engine (parameter defaults, expressions, pairedItem, error
 * routing, continueOnFail, cancellation) that n8n uses.
 *
 * API
 * ---
 * runWorkflow({ nodes, connections, credentials?, startItems?, binaryMode?, abortAfterMs?, pinData?,
 *               extraNodeTypes?, functions?, startNode? }) → Promise<WorkflowResult>
 *   - nodes / connections: as in an n8n workflow JSON. Node types:
 *       VOD_NODE_TYPE, JOB_STATUS_NODE_TYPE, TRIGGER_NODE_TYPE (our nodes, loaded from source on demand)
 *       'test.start'    emits `startItems` (default one `{}` item); the run starts here unless `startNode`
 *                       names another node
 *       'test.noOp'     passes its input through
 *       'test.function' calls `functions[parameters.functionName](items, ctx)`; returns `INodeExecutionData[]`
 *                       (one output) or `INodeExecutionData[][]` — a tiny Code node for tests
 *       any type given in `extraNodeTypes`
 *   - credentials: decrypted credential data by credential TYPE (e.g. `{ alibabaCloudVodApi: {...} }`); every
 *     node that names that type gets it (build nodes with `vodNode`/`jobStatusNode`, which set the reference).
 *   - binaryMode: 'default' (in memory) or 'filesystem' (n8n's FileSystemManager in a temp dir — binary data
 *     is then stored by id, as in n8n 2.x). One mode at a time per process.
 *   - abortAfterMs: cancels the execution after that many ms, or when the given AbortSignal aborts; nodes see
 *     `getExecutionCancelSignal()` abort, and the run resolves with status 'canceled'.
 * WorkflowResult:
 *   status ('success' | 'error' | 'canceled' | ...), error (the execution error, if any), runData (IRunData),
 *   output(nodeName, outputIndex = 0)     items of the node's LAST run on that output ([] if none)
 *   allOutputs(nodeName, outputIndex = 0) items of ALL runs of the node on that output, run by run
 *   nodeError(nodeName)                   the error of the node's last run, if it failed
 *   durationMs
 *   credentialReads(type)                 how many times the run's nodes read that credential (each is a
 *                                         database read and a decryption in n8n)
 * Builders: vodNode(name, parameters, position?), jobStatusNode(...), startNode(name?), functionNode(name, fn),
 *   noOpNode(name), chain('A', 'B', 'C') and connect(connections, from, to, outputIndex?, inputIndex?).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialsHelper,
	IConnections,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypes,
	IPinData,
	IRun,
	IRunData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeConnectionTypes, Workflow } from 'n8n-workflow';
import type * as N8nCore from 'n8n-core';

import { emulatorApiCredential } from '../emulator';

// n8n-core reads its instance folder (encryption key, settings) on first Container.get; keep it out of $HOME.
const HARNESS_DIR = mkdtempSync(join(tmpdir(), 'vod-harness-'));
process.env.N8N_USER_FOLDER ??= HARNESS_DIR;
removeWhenDone();
process.env.N8N_LOG_LEVEL ??= 'silent';
process.env.N8N_DIAGNOSTICS_ENABLED ??= 'false';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require('n8n-core') as typeof N8nCore;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require('@n8n/di') as typeof import('@n8n/di');

export const PACKAGE_NAME = 'n8n-nodes-alibaba-vod';
export const VOD_NODE_TYPE = `${PACKAGE_NAME}.alibabaCloudVod`;
export const JOB_STATUS_NODE_TYPE = `${PACKAGE_NAME}.alibabaCloudVodJobStatus`;
export const TRIGGER_NODE_TYPE = `${PACKAGE_NAME}.alibabaCloudVodTrigger`;
export const START_NODE_TYPE = 'test.start';
export const NOOP_NODE_TYPE = 'test.noOp';
export const FUNCTION_NODE_TYPE = 'test.function';

/** Our node classes, loaded from source only when a workflow uses them (others may still be mid-build). */
const OWN_NODES: Record<string, { path: string; className: string }> = {
	[VOD_NODE_TYPE]: {
		path: '../../nodes/AlibabaCloudVod/AlibabaCloudVod.node',
		className: 'AlibabaCloudVod',
	},
	[JOB_STATUS_NODE_TYPE]: {
		path: '../../nodes/AlibabaCloudVod/AlibabaCloudVodJobStatus.node',
		className: 'AlibabaCloudVodJobStatus',
	},
	[TRIGGER_NODE_TYPE]: {
		path: '../../nodes/AlibabaCloudVod/AlibabaCloudVodTrigger.node',
		className: 'AlibabaCloudVodTrigger',
	},
};

export type HarnessFunction = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
) =>
	| INodeExecutionData[]
	| INodeExecutionData[][]
	| Promise<INodeExecutionData[] | INodeExecutionData[][]>;

export interface RunWorkflowOptions {
	nodes: INode[];
	connections: IConnections;
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	startItems?: INodeExecutionData[];
	binaryMode?: 'default' | 'filesystem';
	abortAfterMs?: number | AbortSignal;
	pinData?: IPinData;
	extraNodeTypes?: Record<string, INodeType>;
	functions?: Record<string, HarnessFunction>;
	/** name of the node to start from (default: the 'test.start' node, else the first node) */
	startNode?: string;
	mode?: WorkflowExecuteMode;
}

export interface WorkflowResult {
	status: IRun['status'];
	error?: IRun['data']['resultData']['error'];
	runData: IRunData;
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	allOutputs(nodeName: string, outputIndex?: number): INodeExecutionData[];
	nodeError(nodeName: string): Error | undefined;
	durationMs: number;
	credentialReads(type: string): number;
	run: IRun;
}

// ---------------------------------------------------------------------------------------------------------
// harness-only node types

function startNodeType(startItems: INodeExecutionData[] | undefined): INodeType {
	return {
		description: {
			displayName: 'Test Start',
			name: START_NODE_TYPE,
			group: ['input'],
			version: 1,
			description: 'Emits the harness start items',
			defaults: { name: 'Start' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [],
		},
		async execute() {
			const items = startItems ?? [{ json: {} }];
			return [items.map((item) => ({ ...item, pairedItem: { item: 0 } }))];
		},
	};
}

const noOpNodeType: INodeType = {
	description: {
		displayName: 'Test No Op',
		name: NOOP_NODE_TYPE,
		group: ['transform'],
		version: 1,
		description: 'Passes items through',
		defaults: { name: 'No Op' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	},
	async execute(this: IExecuteFunctions) {
		return [this.getInputData()];
	},
};

function functionNodeType(functions: Record<string, HarnessFunction>): INodeType {
	return {
		description: {
			displayName: 'Test Function',
			name: FUNCTION_NODE_TYPE,
			group: ['transform'],
			version: 1,
			description: 'Runs a harness function',
			defaults: { name: 'Function' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			properties: [{ displayName: 'Function', name: 'functionName', type: 'string', default: '' }],
		},
		async execute(this: IExecuteFunctions) {
			const name = this.getNodeParameter('functionName', 0) as string;
			const fn = functions[name];
			if (!fn) throw new Error(`Harness function "${name}" is not registered`);
			const result = await fn.call(this, this.getInputData());
			return Array.isArray(result[0])
				? (result as INodeExecutionData[][])
				: [result as INodeExecutionData[]];
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// node types, credentials, binary data

function loadOwnNode(type: string): INodeType {
	const entry = OWN_NODES[type];
	// require, not import(): a computed path keeps tsc from insisting that every node exists yet, and
	// works the same under jest and tsx.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	// Name the extension: `X.node` would otherwise resolve to the codex file `X.node.json`.
	const base = join(__dirname, entry.path);
	const file = ['.ts', '.js'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
	if (!file) throw new Error(`Harness: ${entry.path} does not exist yet`);
	const mod = require(file) as Record<string, new () => INodeType> & {
		default?: Record<string, new () => INodeType>;
	};
	const NodeClass = mod[entry.className] ?? mod.default?.[entry.className];
	if (typeof NodeClass !== 'function') {
		throw new Error(
			`Harness: ${entry.path} does not export ${entry.className} (keys: ${Object.keys(mod)})`,
		);
	}
	return new NodeClass();
}

export class HarnessNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, INodeType>) {}

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		return this.getByNameAndVersion(nodeType);
	}

	getByNameAndVersion(nodeType: string): INodeType {
		const type = this.types[nodeType];
		if (!type) throw new Error(`Harness: unknown node type "${nodeType}"`);
		return type;
	}

	getKnownTypes(): IDataObject {
		return Object.fromEntries(Object.keys(this.types).map((name) => [name, { className: name }]));
	}
}

/** Hands each node the credential data given for its credential type; nothing is encrypted or stored. */
export class HarnessCredentialsHelper implements ICredentialsHelper {
	/** reads by credential type */
	readonly reads = new Map<string, number>();

	constructor(private readonly credentials: Record<string, ICredentialDataDecryptedObject>) {}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		_credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return requestOptions;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async getCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentials> {
		const credentials = new core.Credentials(nodeCredentials, type);
		credentials.setData(this.decrypted(type));
		return credentials;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		return this.decrypted(type);
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return [];
	}

	private decrypted(type: string) {
		this.reads.set(type, (this.reads.get(type) ?? 0) + 1);
		const data = this.credentials[type];
		if (!data)
			throw new Error(`Harness: no credentials of type "${type}" were given to the harness`);
		return { ...data };
	}
}

/**
 * A workflow's static data as n8n keeps it in the database row: each Workflow gets a copy of it, and it is
 * written back only when the node changed it (WorkflowStaticDataService.saveStaticData).
 */
export class PersistedStaticData {
	constructor(public value: IDataObject = {}) {}

	copy(): IDataObject {
		return structuredClone(this.value);
	}

	saveFrom(workflow: Workflow) {
		const data = workflow.staticData as IDataObject;
		if (data.__dataChanged !== true) return;
		const copy = JSON.parse(JSON.stringify(data)) as IDataObject;
		delete copy.__dataChanged;
		this.value = copy;
		data.__dataChanged = false;
	}
}

let binaryServiceMode: 'default' | 'filesystem' | undefined;
let engineServicesReady = false;

/** n8n-core services a node context creates on first use, made safe for a short-lived test process. */
function prepareEngineServices() {
	if (engineServicesReady) return;
	engineServicesReady = true;
	// Every execute context asks for SSHClientsManager, whose cleanup interval would keep the process alive.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
	const ssh = Container.get(SSHClientsManager) as { cleanupTimer?: NodeJS.Timeout };
	ssh.cleanupTimer?.unref();
}

/**
 * Every run's binary data is stored under HARNESS_DIR: gigabytes for the large-upload tests and for each
 * bench:upload round, so it goes when the test file (jest) or the process (scripts) is done. jest gives
 * each test file its own process.env, so no later file runs with this folder as n8n's.
 */
function removeWhenDone() {
	const remove = () => rmSync(HARNESS_DIR, { recursive: true, force: true });
	if (typeof afterAll === 'function') afterAll(remove);
	else process.once('exit', remove);
}

async function useBinaryMode(mode: 'default' | 'filesystem') {
	if (binaryServiceMode === mode) return;
	const config = {
		mode,
		availableModes: ['filesystem'],
		localStoragePath: join(HARNESS_DIR, 'binaryData'),
		signingSecret: 'harness-signing-secret',
		dbMaxFileSize: 512,
	} as unknown as InstanceType<typeof core.BinaryDataConfig>;
	const silent = { error() {}, warn() {}, info() {}, debug() {} };
	const service = new core.BinaryDataService(
		config,
		silent as unknown as InstanceType<typeof core.ErrorReporter>,
		silent as never,
	);
	await service.init();
	Container.set(core.BinaryDataService, service);
	binaryServiceMode = mode;
}

// ---------------------------------------------------------------------------------------------------------
// running

let executionCounter = 0;

export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
	const { nodes, connections } = options;
	prepareEngineServices();
	await useBinaryMode(options.binaryMode ?? 'default');

	const types: Record<string, INodeType> = {
		[START_NODE_TYPE]: startNodeType(options.startItems),
		[NOOP_NODE_TYPE]: noOpNodeType,
		[FUNCTION_NODE_TYPE]: functionNodeType(options.functions ?? {}),
		...options.extraNodeTypes,
	};
	for (const node of nodes) {
		if (!types[node.type] && OWN_NODES[node.type]) types[node.type] = loadOwnNode(node.type);
	}

	const workflowId = 'harness-workflow';
	const executionId = String(++executionCounter);
	const mode = options.mode ?? 'manual';
	// The engine fills parameter defaults into the nodes it is given: hand it copies.
	const workflowNodes = structuredClone(nodes);
	const workflow = new Workflow({
		id: workflowId,
		name: 'Harness workflow',
		nodes: workflowNodes,
		connections,
		active: false,
		nodeTypes: new HarnessNodeTypes(types),
		staticData: {},
		settings: { executionOrder: 'v1' },
		pinData: options.pinData,
	});

	const hooks = new core.ExecutionLifecycleHooks(mode, executionId, {
		id: workflowId,
		name: workflow.name ?? 'Harness workflow',
		active: false,
		isArchived: false,
		nodes: workflowNodes,
		connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as never);

	const credentialsHelper = new HarnessCredentialsHelper(options.credentials ?? {});
	const additionalData = {
		credentialsHelper,
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		variables: {},
		executeWorkflow: async () => {
			throw new Error('Harness: sub-workflows are not supported');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('Harness: task runners are not supported');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const start =
		(options.startNode && workflow.getNode(options.startNode)) ||
		workflowNodes.find((node) => node.type === START_NODE_TYPE) ||
		workflowNodes[0];
	if (!start) throw new Error('Harness: the workflow has no nodes');

	const startedAt = Date.now();
	const execution = new core.WorkflowExecute(additionalData, mode).run(
		workflow,
		start,
		undefined,
		options.pinData,
	);

	let timer: NodeJS.Timeout | undefined;
	const abort = options.abortAfterMs;
	const cancel = () => execution.cancel();
	if (typeof abort === 'number') timer = setTimeout(cancel, abort);
	else if (abort) {
		if (abort.aborted) cancel();
		else abort.addEventListener('abort', cancel, { once: true });
	}

	let run: IRun;
	try {
		run = await execution;
	} finally {
		if (timer) clearTimeout(timer);
		if (abort && typeof abort !== 'number') abort.removeEventListener('abort', cancel);
	}

	const runData = run.data.resultData.runData;
	const runsOf = (nodeName: string) => runData[nodeName] ?? [];
	const itemsOf = (task: IRunData[string][number] | undefined, outputIndex: number) =>
		(task?.data?.main?.[outputIndex] ?? []) as INodeExecutionData[];

	return {
		status: run.status,
		error: run.data.resultData.error,
		runData,
		run,
		durationMs: Date.now() - startedAt,
		credentialReads: (type) => credentialsHelper.reads.get(type) ?? 0,
		output: (nodeName, outputIndex = 0) => itemsOf(runsOf(nodeName).at(-1), outputIndex),
		allOutputs: (nodeName, outputIndex = 0) =>
			runsOf(nodeName).flatMap((task) => itemsOf(task, outputIndex)),
		nodeError: (nodeName) => runsOf(nodeName).at(-1)?.error,
	};
}

// ---------------------------------------------------------------------------------------------------------
// builders

let nodeCounter = 0;

function node(
	name: string,
	type: string,
	parameters: INode['parameters'],
	position?: [number, number],
	extra?: Partial<INode>,
): INode {
	nodeCounter++;
	return {
		id: `harness-node-${nodeCounter}`,
		name,
		type,
		typeVersion: 1,
		position: position ?? [nodeCounter * 220, 300],
		parameters,
		...extra,
	};
}

const VOD_CREDENTIAL_REF = {
	alibabaCloudVodApi: { id: 'alibabaCloudVodApi', name: 'Alibaba Cloud API' },
};

/** The Alibaba Cloud VOD action node, with the 'alibabaCloudVodApi' credential attached. */
export function vodNode(
	name: string,
	parameters: INode['parameters'],
	position?: [number, number],
	extra?: Partial<INode>,
): INode {
	return node(name, VOD_NODE_TYPE, parameters, position, {
		credentials: VOD_CREDENTIAL_REF,
		...extra,
	});
}

/** The Alibaba Cloud VOD Job Status node, with the 'alibabaCloudVodApi' credential attached. */
export function jobStatusNode(
	name: string,
	parameters: INode['parameters'],
	position?: [number, number],
	extra?: Partial<INode>,
): INode {
	return node(name, JOB_STATUS_NODE_TYPE, parameters, position, {
		credentials: VOD_CREDENTIAL_REF,
		...extra,
	});
}

export function startNode(name = 'Start'): INode {
	return node(name, START_NODE_TYPE, {});
}

export function noOpNode(name: string): INode {
	return node(name, NOOP_NODE_TYPE, {});
}

/** A node that runs `functions[functionName]` given to runWorkflow (defaults to the node name). */
export function functionNode(name: string, functionName = name): INode {
	return node(name, FUNCTION_NODE_TYPE, { functionName });
}

/**
 * A function (for functionNode) that turns its input into one item per file, the file under binary
 * 'data', paired with the input item of its index; given no files it passes its input on.
 */
export function binaryFiles(files?: Array<{ data: Buffer; fileName: string }>): HarnessFunction {
	return async function (input) {
		if (!files) return input;
		return await Promise.all(
			files.map(async ({ data, fileName }, i) => ({
				json: {},
				binary: { data: await this.helpers.prepareBinaryData(data, fileName) },
				pairedItem: { item: i },
			})),
		);
	};
}

/** Adds the connection from → to (main) to `connections` and returns it. */
export function connect(
	connections: IConnections,
	from: string,
	to: string,
	outputIndex = 0,
	inputIndex = 0,
): IConnections {
	const main =
		(connections[from] ??= {}).main ?? ((connections[from].main = []), connections[from].main);
	while (main.length <= outputIndex) main.push([]);
	(main[outputIndex] ??= []).push({ node: to, type: NodeConnectionTypes.Main, index: inputIndex });
	return connections;
}

/** Connections for a straight line of nodes, each output 0 → next input 0. */
export function chain(...names: string[]): IConnections {
	const connections: IConnections = {};
	for (let i = 0; i + 1 < names.length; i++) connect(connections, names[i], names[i + 1]);
	return connections;
}

/** Credentials for the emulator (`startEmulator()` result) in the shape the 'alibabaCloudVodApi' type holds. */
export function emulatorCredentials(emulator: {
	vodEndpoint: string;
	accessKey: { accessKeyId: string; accessKeySecret: string };
}): Record<string, ICredentialDataDecryptedObject> {
	return { alibabaCloudVodApi: emulatorApiCredential(emulator) };
}
