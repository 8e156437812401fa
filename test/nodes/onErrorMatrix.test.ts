/**
 * On Error matrix: every operation of every node × n8n's three On Error settings × a good and a bad item,
 * run in-process through n8n-core's WorkflowExecute (which is what routes items to the error output:
 * WorkflowExecute.handleNodeErrorOutput, called when the node's `onError` is 'continueErrorOutput').
 *
 * For each case: under Stop Workflow the run fails naming the bad item; under Continue (regular output)
 * both items come out of the main output(s), the bad one as an error item with its fix; under Continue
 * (using error output) the bad item comes out of the error output — into the node wired to it, carrying
 * the input item's fields and the fix — and the good one out of a main output. Always exactly one output
 * item per input item, with pairedItem.
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import type {
	IDataObject,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeParameters,
} from 'n8n-workflow';

import {
	chain,
	connect,
	emulatorCredentials,
	functionNode,
	jobStatusNode,
	noOpNode,
	runWorkflow,
	startNode,
	vodNode,
} from '../harness';
import { useTestBed } from '../harness/testBed';
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';

import { callVodApi } from '../../nodes/AlibabaCloudVod/transport/vod/client';
import { toVodCredentials } from '../../nodes/AlibabaCloudVod/transport/vod/request';

const bed = useTestBed({ muteWarnings: true });

const MISSING_ID = 'ffffffffffffffffffffffffffffffff';
const ON_ERROR = ['stopWorkflow', 'continueRegularOutput', 'continueErrorOutput'] as const;
type OnError = (typeof ON_ERROR)[number];

/** An operation under test: its node, and a good and a bad input item (the bad one fails for its input or in VOD). */
interface Case {
	name: string;
	node: 'vod' | 'jobStatus';
	parameters: INodeParameters;
	/** main outputs of the node (Job Status: Succeeded, Failed, Still Running) */
	mainOutputs: number;
	items: () => Promise<[IDataObject, IDataObject]>;
	/** input items that carry a file under binary 'data' (`withFile: true`) get one */
	binary?: { fileName: string };
	/** what the bad item's message says */
	fault: RegExp;
	/** a field the good item's output has when the operation did its work */
	result: string;
	/**
	 * A node setting every item fails alike (a bad option): both items fail, each naming itself. Under
	 * Continue (regular output) they take main output `output` and keep the fields `keeps` returns for
	 * their input item, so each still says which job or file it stands for.
	 */
	setting?: { output: number; keeps: (input: IDataObject) => IDataObject };
}

const api = () => toVodCredentials(emulatorCredentials(bed.emulator).alibabaCloudVodApi);

async function submittedJobId() {
	const url = bed.sources.url(`/files/matrix-${randomBytes(4).toString('hex')}.mp4`);
	const answer = await callVodApi(httpRequest, api(), 'UploadMediaByURL', {
		UploadURLs: encodeURIComponent(url),
	});
	return answer.UploadJobs[0].JobId as string;
}

/** A Normal video with its source file stored, made as a client makes one. */
async function uploadedVideo() {
	const created = await callVodApi(httpRequest, api(), 'CreateUploadVideo', {
		FileName: 'clip.mp4',
		Title: 'Matrix',
	});
	const address = JSON.parse(Buffer.from(created.UploadAddress, 'base64').toString());
	const auth = JSON.parse(Buffer.from(created.UploadAuth, 'base64').toString());
	await new OSS({
		accessKeyId: auth.AccessKeyId,
		accessKeySecret: auth.AccessKeySecret,
		stsToken: auth.SecurityToken,
		endpoint: bed.emulator.ossEndpoint,
		bucket: address.Bucket,
		region: 'oss-cn-shanghai',
	} as OSS.Options).put(address.FileName, randomBytes(2048));
	await bed.emulator.idle();
	return created.VideoId as string;
}

async function ossObjectUrl() {
	const bucket = bed.emulator.state.vod.bucket;
	const key = `matrix/${randomBytes(4).toString('hex')}.mp4`;
	await new OSS({
		...bed.emulator.accessKey,
		endpoint: bed.emulator.ossEndpoint,
		bucket,
		region: 'oss-cn-shanghai',
	} as OSS.Options).put(key, randomBytes(256));
	return `${bed.emulator.ossEndpoint}/${bucket}/${key}`;
}

const upload = (operation: string, parameters: INodeParameters = {}): INodeParameters => ({
	resource: 'upload',
	operation,
	referenceIdMode: 'none',
	...parameters,
});

/** An upload from binary data: the good item carries a file named `fileName`, the bad one none. */
const withoutFile = (name: string, result: string, parameters: INodeParameters, fileName: string): Case => ({
	name,
	result,
	node: 'vod',
	parameters,
	mainOutputs: 1,
	binary: { fileName },
	items: async () => [{ withFile: true }, { withFile: false }],
	fault: /binary/i,
});

const CASES: Case[] = [
	{
		name: 'URL Upload → Submit',
		result: 'jobId',
		node: 'vod',
		parameters: {
			resource: 'urlUpload',
			operation: 'submit',
			sourceUrl: '={{ $json.url }}',
		},
		mainOutputs: 1,
		items: async () => [
			{ url: bed.sources.url(`/files/m-${randomBytes(4).toString('hex')}.mp4`) },
			{ url: 'not a url' },
		],
		fault: /not a valid URL/,
	},
	{
		name: 'URL Upload → Cancel',
		result: 'canceled',
		node: 'vod',
		parameters: {
			resource: 'urlUpload',
			operation: 'cancel',
			cancelBy: 'jobId',
			jobId: '={{ $json.jobId }}',
		},
		mainOutputs: 1,
		items: async () => [{ jobId: await submittedJobId() }, { jobId: 'not/a job' }],
		fault: /not a VOD job ID/,
	},
	withoutFile('Upload → Upload Video/Audio From Binary Data', 'videoId', upload('uploadBinary', { title: 'Clip' }), 'clip.mp4'),
	{
		name: 'Upload → Upload Video/Audio From URL',
		result: 'videoId',
		node: 'vod',
		parameters: upload('uploadFromUrl', {
			url: '={{ $json.url }}',
			title: 'Clip',
		}),
		mainOutputs: 1,
		items: async () => [
			{ url: bed.sources.url('/files/from-url.mp4?size=4096') },
			{ url: 'ftp://example.com/a.mp4' },
		],
		fault: /ftp|http/i,
	},
	withoutFile(
		'Upload → Upload Image',
		'imageId',
		upload('uploadImage', { imageType: 'default', source: 'binary', title: 'Cover' }),
		'cover.png',
	),
	withoutFile(
		'Upload → Upload Attached Media',
		'mediaId',
		upload('uploadAttachedMedia', { businessType: 'subtitle', source: 'binary', title: '' }),
		'en.vtt',
	),
	{
		name: 'Media → Get',
		result: 'videoId',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'get',
			videoId: '={{ $json.id }}',
		},
		mainOutputs: 1,
		items: async () => [{ id: bed.emulator.seedMedia({ count: 1 })[0] }, { id: MISSING_ID }],
		fault: new RegExp(MISSING_ID),
	},
	{
		name: 'Media → Get Source File',
		result: 'sourceUrl',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'getSourceFile',
			videoId: '={{ $json.id }}',
		},
		mainOutputs: 1,
		items: async () => [{ id: await uploadedVideo() }, { id: MISSING_ID }],
		fault: new RegExp(MISSING_ID),
	},
	{
		name: 'Media → Get Play Info',
		result: 'playUrls',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'getPlayInfo',
			videoId: '={{ $json.id }}',
		},
		mainOutputs: 1,
		items: async () => [{ id: await uploadedVideo() }, { id: MISSING_ID }],
		fault: new RegExp(MISSING_ID),
	},
	{
		name: 'Media → Search',
		result: 'MediaId',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'search',
			returnAll: false,
			limit: '={{ $json.limit }}',
		},
		mainOutputs: 1,
		items: async () => {
			bed.emulator.seedMedia({ count: 1 });
			return [{ limit: 1 }, { limit: 0.5 }];
		},
		fault: /Limit/,
	},
	{
		name: 'Media → Register OSS Objects',
		result: 'mediaId',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'register',
			fileUrl: '={{ $json.url }}',
			title: 'Registered',
		},
		mainOutputs: 1,
		items: async () => [{ url: await ossObjectUrl() }, { url: 'oss://bucket/a.mp4' }],
		fault: /File URL/,
	},
	{
		name: 'Media → Delete',
		result: 'deleted',
		node: 'vod',
		parameters: {
			resource: 'media',
			operation: 'deleteMedia',
			videoId: '={{ $json.id }}',
		},
		mainOutputs: 1,
		items: async () => [{ id: bed.emulator.seedMedia({ count: 1 })[0] }, { id: '' }],
		fault: /empty/,
	},
	{
		name: 'Job Status → Check Once',
		result: 'status',
		node: 'jobStatus',
		parameters: {
			mode: 'once',
			lookUpBy: 'jobId',
			jobId: '={{ $json.jobId }}',
		},
		mainOutputs: 3,
		items: async () => [{ jobId: await submittedJobId() }, { jobId: '' }],
		fault: /Job ID is empty/,
	},
	{
		name: 'URL Upload → Submit, Skip Already Submitted given a value that is not a boolean',
		result: 'jobId',
		node: 'vod',
		parameters: {
			resource: 'urlUpload',
			operation: 'submit',
			sourceUrl: '={{ $json.url }}',
			options: { skipAlreadySubmitted: '={{ $json.skip }}' },
		},
		mainOutputs: 1,
		items: async () => [
			{ url: bed.sources.url(`/files/m-${randomBytes(4).toString('hex')}.mp4`), skip: true },
			{ url: bed.sources.url(`/files/m-${randomBytes(4).toString('hex')}.mp4`), skip: 'yes' },
		],
		fault: /Skip Already Submitted/,
	},
	{
		name: 'Upload → Upload Video/Audio From Binary Data, Attempts per Part 0',
		result: 'videoId',
		node: 'vod',
		parameters: upload('uploadBinary', { title: 'Clip', transferOptions: { maxAttempts: 0 } }),
		mainOutputs: 1,
		binary: { fileName: 'clip.mp4' },
		items: async () => [{ withFile: true }, { withFile: true }],
		fault: /Attempts per Part 0 is not a whole number from 1 to 20/,
		setting: { output: 0, keeps: () => ({}) },
	},
	...(
		[
			['Max Wait 0', { mode: 'wait', options: { maxWaitSeconds: 0 } }, /Max Wait 0 is not a positive number/],
			[
				'Longest Interval < First Interval',
				{ mode: 'wait', options: { initialIntervalSeconds: 50, maxIntervalSeconds: 5 } },
				/Longest Interval 5 is shorter than First Interval 50/,
			],
			['First Interval "abc"', { mode: 'wait', options: { initialIntervalSeconds: '={{ "abc" }}' } }, /First Interval abc/],
			['Parallel Calls 0', { mode: 'once', options: { parallelCalls: 0 } }, /Parallel Calls 0 is not a whole number/],
		] as Array<[string, INodeParameters, RegExp]>
	).map(
		([option, parameters, fault]): Case => ({
			name: `Job Status → ${option}`,
			result: 'status',
			node: 'jobStatus',
			parameters: { lookUpBy: 'jobId', jobId: '={{ $json.jobId }}', ...parameters },
			mainOutputs: 3,
			items: async () => [{ jobId: await submittedJobId() }, { jobId: await submittedJobId() }],
			fault,
			// a setting stopped the lookup: not a job failure (lookupError), and Failed so a Wait loop on
			// Still Running does not repeat it
			setting: {
				output: 1,
				keeps: (input) => ({ row: input.row, jobId: input.jobId, lookupError: true }),
			},
		}),
	),
];

async function run(testCase: Case, onError: OnError) {
	const [good, bad] = await testCase.items();
	const startItems = [good, bad].map((json, row) => ({
		json: { ...json, row },
	}));
	const extra: Partial<INode> = { onError };
	const operation =
		testCase.node === 'vod'
			? vodNode('Operation', testCase.parameters, undefined, extra)
			: jobStatusNode('Operation', testCase.parameters, undefined, extra);
	const connections = chain('Start', 'Attach Files', 'Operation');
	// What a user does with the error output: wire it to a node that records the failures.
	if (onError === 'continueErrorOutput')
		connect(connections, 'Operation', 'Failures', testCase.mainOutputs);
	const result = await runWorkflow({
		nodes: [startNode(), functionNode('Attach Files'), operation, noOpNode('Failures')],
		connections,
		credentials: emulatorCredentials(bed.emulator),
		startItems,
		functions: {
			'Attach Files': async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
				const out: INodeExecutionData[] = [];
				for (const [i, item] of items.entries()) {
					const withFile = testCase.binary && item.json.withFile === true;
					const binary = withFile
						? {
								data: await this.helpers.prepareBinaryData(
									randomBytes(1024),
									testCase.binary!.fileName,
								),
							}
						: undefined;
					out.push({
						json: item.json,
						...(binary ? { binary } : {}),
						pairedItem: { item: i },
					});
				}
				return out;
			},
		},
	});
	const mainOutputs = Array.from({ length: testCase.mainOutputs }, (_, i) =>
		result.output('Operation', i),
	);
	return {
		result,
		main: mainOutputs.flat(),
		errorOutput: result.output('Operation', testCase.mainOutputs),
	};
}

const pairedIndex = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;

/** A message that names its item and says what failed. */
function expectNaming(message: unknown, row: number, fault: RegExp) {
	expect(message).toMatch(new RegExp(`^\\[item ${row}\\] `));
	expect(message).toMatch(fault);
}

/** An error item's error: its message names the item and says what failed, and a description says what to do. */
function expectFailure(error: { message?: unknown; description?: unknown }, row: number, fault: RegExp) {
	expectNaming(error.message, row, fault);
	expect(error.description).toEqual(expect.any(String));
}

/** The error of an item on a main output (Continue, regular output): message and description are its fields. */
const regularError = (item: INodeExecutionData) => ({ message: item.json.error, description: item.json.description });

/** An item the operation did its work for: no error, and the field that work fills. */
function expectSucceeded(item: INodeExecutionData, testCase: Case) {
	expect(item.json.error).toBeUndefined();
	expect(item.json[testCase.result]).toBeDefined();
}

describe.each(CASES)('$name', (testCase) => {
	it('Stop Workflow: the run fails naming the first bad item', async () => {
		const { result } = await run(testCase, 'stopWorkflow');
		expect(result.status).toBe('error');
		expectNaming(result.nodeError('Operation')?.message, testCase.setting ? 0 : 1, testCase.fault);
	});
});

describe.each(CASES.filter((testCase) => !testCase.setting))('$name', (testCase) => {
	it('Continue (regular output): both items come out of the main output, the bad one as an error item', async () => {
		const { result, main, errorOutput } = await run(testCase, 'continueRegularOutput');
		expect(result.status).toBe('success');
		expect(errorOutput).toEqual([]);
		expect(main.map(pairedIndex).sort()).toEqual([0, 1]);
		const [failed] = main.filter((item) => pairedIndex(item) === 1);
		const [succeeded] = main.filter((item) => pairedIndex(item) === 0);
		expectSucceeded(succeeded, testCase);
		expectFailure(regularError(failed), 1, testCase.fault);
	});

	it('Continue (using error output): the bad item comes out of the error output, the good one out of main', async () => {
		const { result, main, errorOutput } = await run(testCase, 'continueErrorOutput');
		expect(result.status).toBe('success');
		expect(main.map(pairedIndex)).toEqual([0]);
		expectSucceeded(main[0], testCase);
		expect(errorOutput.map(pairedIndex)).toEqual([1]);
		expectFailure(errorOutput[0].json.error as IDataObject, 1, testCase.fault);
		// n8n adds the input item's fields, so the failure can be traced to its row
		expect(errorOutput[0].json.row).toBe(1);
		// and the node wired to the error output receives it
		expect(result.output('Failures').map((item) => item.json.row)).toEqual([1]);
	});
});

/** A bad node setting: every item fails alike, each naming itself, on the output each On Error setting chooses. */
describe.each(CASES.filter((testCase) => testCase.setting))('$name', (testCase) => {
	const setting = testCase.setting!;

	it('Continue (regular output): every item is an error item naming itself, keeping what identifies it', async () => {
		const { result, main, errorOutput } = await run(testCase, 'continueRegularOutput');
		expect(result.status).toBe('success');
		expect(errorOutput).toEqual([]);
		const onOutput = result.output('Operation', setting.output);
		expect(onOutput.map(pairedIndex)).toEqual([0, 1]);
		expect(main).toHaveLength(2);
		const inputs = result.output('Attach Files').map((item) => item.json);
		for (const [row, failed] of onOutput.entries()) {
			expectFailure(regularError(failed), row, testCase.fault);
			expect(failed.json).toMatchObject(setting.keeps(inputs[row]));
		}
	});

	it('Continue (using error output): every item leaves by the error output, in input order', async () => {
		const { result, main, errorOutput } = await run(testCase, 'continueErrorOutput');
		expect(result.status).toBe('success');
		expect(main).toEqual([]);
		expect(errorOutput.map(pairedIndex)).toEqual([0, 1]);
		for (const [row, failed] of errorOutput.entries()) {
			expectFailure(failed.json.error as IDataObject, row, testCase.fault);
			expect(failed.json.row).toBe(row);
		}
		expect(result.output('Failures').map((item) => item.json.row)).toEqual([0, 1]);
	});
});
