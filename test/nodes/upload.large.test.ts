/**
 * The two 1 GiB runs of the Upload resource, through real workflows (n8n-core WorkflowExecute) against
 * the emulator, with the faults a long upload meets: STS credentials that expire every 3 s, 5% of the
 * part uploads dropped mid-body and 2% answered 503. The files are generated on disk, never in memory.
 * Kept to two runs (binary data in filesystem mode, and a URL) because each moves 1 GiB several times.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, functionNode, runWorkflow, startNode, vodNode } from '../harness';
import { diskRoutes } from '../harness/sourceServer';
import { useTestBed } from '../harness/testBed';
import { md5OfFile, ossRegistry, writeRandomFile } from '../upload/fixtures';


jest.setTimeout(15 * 60 * 1000);

const GiB = 1024 * 1024 * 1024;
const FAULTS = { stsTtlSeconds: 3, oss: { dropRate: 0.05, error503Rate: 0.02 } };

let dir: string;
let sourcePath: string;
let sourceMd5: string;
const files: Record<string, string> = {};
const bed = useTestBed({ muteWarnings: true, routes: diskRoutes(files) });

beforeAll(async () => {
	dir = mkdtempSync(join(tmpdir(), 'h6-large-'));
	sourcePath = join(dir, 'feature.mp4');
	sourceMd5 = await writeRandomFile(sourcePath, GiB);
	files['feature.mp4'] = sourcePath;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => bed.emulator.setFaults(FAULTS));

async function run(parameters: INodeParameters, binaryFromDisk: boolean) {
	const result = await runWorkflow({
		nodes: [startNode(), functionNode('Read File'), vodNode('VOD', { resource: 'upload', ...parameters })],
		connections: chain('Start', 'Read File', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		binaryMode: 'filesystem',
		functions: {
			'Read File': async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
				if (!binaryFromDisk) return items;
				// n8n copies the stream into its filesystem store; the node then reads it back as a stream
				const binary = await this.helpers.prepareBinaryData(createReadStream(sourcePath), 'feature.mp4', 'video/mp4');
				return [{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }];
			},
		},
	});
	expect(result.nodeError('VOD')?.message).toBeUndefined();
	expect(result.status).toBe('success');
	return result.output('VOD')[0].json;
}

/** Everything the faults must not have broken: bytes, MD5, one multipart upload, renewals. */
async function expectIntact(json: IDataObject) {
	expect(json.bytes).toBe(GiB);
	expect(json.partCount).toBe(128);
	const object = bed.emulator.state.objects.get(`${json.bucket}/${json.objectKey}`)!;
	expect(object.size).toBe(GiB);
	expect(object.md5).toBe(sourceMd5);
	expect(await md5OfFile(object.path)).toBe(sourceMd5);

	const { uploads, requests } = ossRegistry(bed.emulator);
	const mine = [...uploads.values()].filter((u) => u.key === json.objectKey);
	expect(mine).toHaveLength(1); // one uploadId from start to end, through every renewal
	expect(mine[0]).toMatchObject({ uploadId: json.uploadId, status: 'completed' });
	expect(mine[0].completedParts).toHaveLength(128);
	const signers = new Set([...mine[0].parts.values()].map((p) => p.accessKeyId));
	expect(signers.size).toBeGreaterThan(1);

	const partRequests = requests.filter((r) => r.uploadId === json.uploadId && r.operation === 'UploadPart');
	// 128 parts at 5 % drops + 2 % 503s: some fault is all but certain (1 - 0.93^128); asking for each kind
	// separately would fail on its own whenever no 503 happened to fall on a part (0.98^128 ≈ 7 %).
	expect(partRequests.some((r) => r.fault === 'drop' || r.fault === 'error503')).toBe(true);
	expect(json.retries).toBeGreaterThan(0);

	const calls = bed.emulator.state.vodCalls;
	expect(calls.CreateUploadVideo).toBe(1);
	expect(calls.RefreshUploadVideo).toBe(json.credentialRenewals);
	// The upload outlives several 3 s credentials; how many renewals that takes depends on timing and on the
	// refresh margin, so the test asks for the crossing itself rather than an exact count.
	expect(Number(json.seconds)).toBeGreaterThan(6);
	expect(calls.RefreshUploadVideo).toBeGreaterThanOrEqual(2);
	expect(bed.emulator.state.vod.media.get(json.videoId as string)?.status).toBe('Normal');
}

it('uploads 1 GiB of stored binary data (filesystem mode) through expiring credentials, drops and 503s', async () => {
	const json = await run({ operation: 'uploadBinary', title: 'Feature', referenceIdMode: 'derive' }, true);
	await expectIntact(json);
	// eslint-disable-next-line no-console
	console.log(`binary 1 GiB: ${json.seconds} s, ${json.throughputMiBps} MiB/s, ${json.retries} retries, ${json.credentialRenewals} renewals`);
});

it('uploads 1 GiB streamed from a URL through expiring credentials, drops and 503s', async () => {
	const json = await run(
		{ operation: 'uploadFromUrl', url: bed.sources.url('/files/feature.mp4'), title: 'Feature', referenceIdMode: 'none' },
		false,
	);
	await expectIntact(json);
	// eslint-disable-next-line no-console
	console.log(`URL 1 GiB: ${json.seconds} s, ${json.throughputMiBps} MiB/s, ${json.retries} retries, ${json.credentialRenewals} renewals`);
});
