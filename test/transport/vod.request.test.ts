/**
 * vodApiRequest and the typed wrappers inside a real n8n execution (n8n-core's WorkflowExecute via the
 * harness): the credential comes from n8n's getCredentials, the cancel signal from the execution, and
 * failures reach n8n as NodeApiError with the VOD fields and a fix-it description.
 */
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes } from 'n8n-workflow';

import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { chain, runWorkflow, startNode } from '../harness';
import {
	getUrlUploadInfos,
	recoverUrlUploadJobs,
	refreshUploadVideo,
	uploadMediaByUrl,
} from '../../nodes/AlibabaCloudVod/transport/vod/operations';
import {
	isSessionIdReused,
	VodSessionIdReusedError,
	vodErrorDetails,
} from '../../nodes/AlibabaCloudVod/transport/vod/request';

const CALLER_TYPE = 'test.vodCaller';

type CallerFn = (this: IExecuteFunctions) => Promise<INodeExecutionData[]>;

/** A node type that, like our nodes, declares the alibabaCloudVodApi credential and runs `fn`. */
function callerType(fn: CallerFn): INodeType {
	return {
		description: {
			displayName: 'VOD Caller',
			name: CALLER_TYPE,
			group: ['transform'],
			version: 1,
			description: 'Calls the VOD transport',
			defaults: { name: 'VOD Caller' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: 'alibabaCloudVodApi', required: true }],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			return [await fn.call(this)];
		},
	};
}

const callerNode: INode = {
	id: 'caller',
	name: 'Caller',
	type: CALLER_TYPE,
	typeVersion: 1,
	position: [200, 0],
	parameters: {},
	credentials: { alibabaCloudVodApi: { id: 'alibabaCloudVodApi', name: 'Alibaba Cloud API' } },
};

let emulator: Emulator;
let credential: ICredentialDataDecryptedObject;

beforeAll(async () => {
	emulator = await startEmulator();
	credential = emulatorApiCredential(emulator);
});

afterAll(async () => {
	await emulator?.stop();
});

beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
	emulator.setJobSettings({ autoRun: false });
});

async function run(fn: CallerFn, options: { credential?: ICredentialDataDecryptedObject; abortAfterMs?: number } = {}) {
	return await runWorkflow({
		nodes: [startNode(), callerNode],
		connections: chain('Start', 'Caller'),
		credentials: { alibabaCloudVodApi: options.credential ?? credential },
		extraNodeTypes: { [CALLER_TYPE]: callerType(fn) },
		abortAfterMs: options.abortAfterMs,
	});
}

const FAST = { maxAttempts: 10, baseDelayMs: 4, maxDelayMs: 40 };

it('calls VOD with the node’s credential from n8n', async () => {
	const result = await run(async function () {
		const answer = await getUrlUploadInfos.call(this, { JobIds: 'ffffffffffffffffffffffffffffffff' });
		return [{ json: { nonExists: answer.NonExists } }];
	});
	expect(result.status).toBe('success');
	expect(result.output('Caller')[0].json).toEqual({ nonExists: ['ffffffffffffffffffffffffffffffff'] });
});

it('turns a VOD error into a NodeApiError with Code, Message, RequestId, status, tries and a fix', async () => {
	let thrown: unknown;
	const result = await run(async function () {
		try {
			await refreshUploadVideo.call(this, { VideoId: 'ffffffffffffffffffffffffffffffff' }, { itemIndex: 3 });
		} catch (error) {
			thrown = error;
		}
		return [{ json: {} }];
	});
	expect(result.status).toBe('success');
	expect(thrown).toBeInstanceOf(NodeApiError);
	const error = thrown as NodeApiError;
	expect(error.message).toBe('VOD RefreshUploadVideo failed: InvalidVideo.NotFound – The video not exist.');
	expect(error.httpCode).toBe('404');
	expect(error.description).toMatch(/No media with this ID exists in this region/);
	expect(error.context.itemIndex).toBe(3);
	expect(error.node.name).toBe('Caller');
	const details = vodErrorDetails(error);
	expect(details).toMatchObject({
		action: 'RefreshUploadVideo',
		code: 'InvalidVideo.NotFound',
		httpStatus: 404,
		attempts: 1,
	});
	expect(details?.requestId).toMatch(/^[0-9A-F-]{36}$/);
});

it('reports the VOD failure on the node when it is not caught', async () => {
	emulator.setFaults({ vod: { throttleRate: 1 } });
	const result = await run(async function () {
		await getUrlUploadInfos.call(this, { JobIds: 'ffffffffffffffffffffffffffffffff' }, { retry: { ...FAST, maxAttempts: 3 } });
		return [];
	});
	expect(result.status).toBe('error');
	// The engine hands back the error as recorded in the run data.
	const error = result.nodeError('Caller') as NodeApiError;
	expect(error.name).toBe('NodeApiError');
	expect(error.httpCode).toBe('400');
	expect(error.message).toBe(
		'VOD GetURLUploadInfos failed: Throttling.User – Request was denied due to user flow control. (after 3 tries)',
	);
	expect(error.description).toMatch(/rate limit for GetURLUploadInfos kept refusing the call for 3 tries/);
	expect(emulator.state.vodCalls.GetURLUploadInfos).toBe(3);
});

it('surfaces a reused SessionId as VodSessionIdReusedError, and the jobs are recovered by URL', async () => {
	emulator.setFaults({ vod: { dropRate: 1, dropMode: 'afterAction', actions: ['UploadMediaByURL'] } });
	const urls = ['http://media.example.com/a b.mp4', 'http://media.example.com/c.mp4?sig=1,2'];
	const since = new Date(Date.now() - 60_000).toISOString();
	let caught: unknown;
	const result = await run(async function () {
		try {
			await uploadMediaByUrl.call(
				this,
				{ UploadURLs: urls.map(encodeURIComponent).join(','), SessionId: 'exec-1-batch-0' },
				{ retry: FAST },
			);
		} catch (error) {
			caught = error;
			if (!isSessionIdReused(error)) throw error;
		}
		const recovered = await recoverUrlUploadJobs.call(this, urls, { since });
		return urls.map((url) => ({ json: { url, jobId: recovered.get(url)?.JobId ?? null } }));
	});
	expect(result.status).toBe('success');
	expect(caught).toBeInstanceOf(VodSessionIdReusedError);
	expect(caught).toBeInstanceOf(NodeApiError);
	expect((caught as NodeApiError).description).toMatch(/look up their jobs by URL/);
	const jobs = [...emulator.state.vod.jobs.values()];
	expect(jobs).toHaveLength(2); // one per URL: the retry did not submit them again
	const output = result.output('Caller').map((item) => item.json);
	for (const { url, jobId } of output) {
		const job = jobs.find((candidate) => candidate.uploadUrl === url);
		expect(jobId).toBe(job?.jobId);
	}
});

it('stops promptly when the execution is cancelled during the backoff', async () => {
	emulator.setFaults({ vod: { throttleRate: 1 } });
	const started = Date.now();
	const result = await run(
		async function () {
			await getUrlUploadInfos.call(
				this,
				{ JobIds: 'ffffffffffffffffffffffffffffffff' },
				{ retry: { maxAttempts: 8, baseDelayMs: 4_000, maxDelayMs: 8_000 } },
			);
			return [];
		},
		{ abortAfterMs: 300 },
	);
	const elapsed = Date.now() - started;
	expect(result.status).toBe('canceled');
	expect(result.nodeError('Caller')?.message).toBe(
		'VOD GetURLUploadInfos was canceled: the workflow execution was stopped',
	);
	expect(elapsed).toBeLessThan(2_000);
	const callsAtCancel = emulator.state.vodCalls.GetURLUploadInfos;
	await new Promise((resolve) => setTimeout(resolve, 500));
	expect(emulator.state.vodCalls.GetURLUploadInfos).toBe(callsAtCancel);
});
