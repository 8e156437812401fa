/**
 * Upload from URL ends a download that goes silent after its headers (outside test report atk13b,
 * finding B): n8n's HTTP timeout covers only the wait for the headers, so the node watches the body
 * itself and fails the item after Request Timeout without a byte, naming the URL, the bytes received
 * and what VOD holds. The servers here never close their connections: the node has to, in the shape n8n
 * 1.x hands a download over in (the HTTP message) and in n8n 2.x's (a stream around it, whose destroy
 * waits for the silent socket: the item never ended there).
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, runWorkflow, startNode, vodNode, VOD_NODE_TYPE } from '../harness';
import { asAxios118Stream, withN8n2Downloads } from '../harness/n8n2Downloads';
import { useTestBed } from '../harness/testBed';
import { AlibabaCloudVod } from '../../nodes/AlibabaCloudVod/AlibabaCloudVod.node';
import { SourceStalledError, withIdleTimeout } from '../../nodes/AlibabaCloudVod/transport/idleTimeout';

const KiB = 1024;
const MiB = 1024 * KiB;
/** the node's smallest Request Timeout */
const TIMEOUT_S = 5;

const bed = useTestBed({ muteWarnings: true });

/** `/stall/<name>`: announces `size` bytes, sends `sent`, then stays silent and open */
const stalling = (name: string, sent: number, size = 4 * MiB) => ({
	url: bed.sources.url(`/stall/${name}`),
	query: `size=${size}&sent=${sent}`,
});

type Shape = 'n8n 1.x' | 'n8n 2.x';

async function run(parameters: INodeParameters, items: INodeExecutionData[], shape: Shape = 'n8n 1.x') {
	const started = Date.now();
	const result = await runWorkflow({
		nodes: [startNode(), vodNode('VOD', parameters, undefined, { onError: 'continueRegularOutput' })],
		connections: chain('Start', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: items,
		extraNodeTypes: shape === 'n8n 2.x' ? { [VOD_NODE_TYPE]: withN8n2Downloads(new AlibabaCloudVod()) } : undefined,
	});
	return { out: result.output('VOD'), seconds: (Date.now() - started) / 1000 };
}

/** the stalled connections the node left open, once the server has seen the node's closes */
async function connectionsLeftOpen() {
	for (let waited = 0; bed.sources.openStalls() > 0 && waited < 2000; waited += 20) {
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return bed.sources.openStalls();
}

const upload = (operation: string, extra: INodeParameters = {}): INodeParameters => ({
	resource: 'upload',
	operation,
	source: 'url',
	url: '={{ $json.url }}',
	title: '',
	transferOptions: { requestTimeout: TIMEOUT_S, partSizeMiB: 1 },
	...extra,
});

describe.each<Shape>(['n8n 1.x', 'n8n 2.x'])('a download that stalls ends at Request Timeout, %s (atk13b finding B)', (shape) => {
	test('silent after the headers: the item fails before VOD creates anything, naming the URL without its query', async () => {
		const { url, query } = stalling('head.mp4', 0);
		const { out, seconds } = await run(
			upload('uploadFromUrl', { referenceIdMode: 'derive' }),
			[{ json: { url: `${url}?${query}&token=s3cr3t` } }],
			shape,
		);
		expect(out).toHaveLength(1);
		expect(out[0].json.error).toBe(
			`[item 0] URL ${url} sent 0 bytes of 4 MiB and then no byte arrived for ${TIMEOUT_S} s (Request Timeout); nothing was created in VOD`,
		);
		expect(out[0].json.description).toMatch(/raise Request Timeout/);
		expect(JSON.stringify(out)).not.toContain('s3cr3t');
		expect(bed.calls('CreateUploadVideo')).toBe(0);
		expect(seconds).toBeLessThan(TIMEOUT_S + 4);
		expect(await connectionsLeftOpen()).toBe(0);
	}, 15_000);

	test('silent after two parts: the multipart upload is aborted and the video left is named', async () => {
		const { url, query } = stalling('parts.mp4', 2.5 * MiB);
		const { out, seconds } = await run(
			upload('uploadFromUrl', { referenceIdMode: 'derive' }),
			[{ json: { url: `${url}?${query}` } }],
			shape,
		);
		expect(out).toHaveLength(1);
		expect(out[0].json.error).toMatch(
			new RegExp(
				`stopped after 2\\.5 MiB of 4 MiB: no byte arrived for ${TIMEOUT_S} s \\(Request Timeout\\)\\. The server stopped sending the file.*VOD video \\w+ \\(created for this file\\) stays in status Uploading`,
			),
		);
		expect(String(out[0].json.error)).toContain(url);
		// the fix's sentence ends where the abort's begins: one period
		expect(out[0].json.error).toMatch(/only slow to send\. The multipart upload \w+ was aborted/);
		const uploads = [...bed.emulator.ossUploads.values()];
		expect(uploads.map((upload) => upload.status)).toEqual(['aborted']);
		expect(seconds).toBeLessThan(TIMEOUT_S + 4);
		expect(await connectionsLeftOpen()).toBe(0);
	}, 15_000);

	test('OSS fails while the next part waits on the silent download: the item ends at once, the download closed', async () => {
		// parts 1 and 2 go out together, part 3 is read meanwhile; part 1 fails once the read waits
		bed.emulator.setFaults({ oss: { latencyMs: 300, at: [{ action: 'UploadPart', call: 1, kind: 'unavailable' }] } });
		const { url, query } = stalling('oss-fails.mp4', 2.5 * MiB);
		const { out, seconds } = await run(
			upload('uploadFromUrl', { transferOptions: { requestTimeout: TIMEOUT_S, partSizeMiB: 1, maxAttempts: 1, parallelParts: 2 } }),
			[{ json: { url: `${url}?${query}` } }],
			shape,
		);
		expect(out).toHaveLength(1);
		expect(out[0].json.error).toMatch(/503|unavailable/i);
		expect([...bed.emulator.ossUploads.values()].map((upload) => upload.status)).toEqual(['aborted']);
		// the part read ahead did not wait for the idle limit
		expect(seconds).toBeLessThan(TIMEOUT_S);
		expect(await connectionsLeftOpen()).toBe(0);
	}, 15_000);
});

describe('a stalled image', () => {
	test('Upload Image: silent after 100 KB of an announced 195 KiB, the item fails naming the image left', async () => {
		const { url, query } = stalling('cover.png', 100 * 1000, 200012);
		const { out, seconds } = await run(upload('uploadImage', { imageType: 'default' }), [{ json: { url: `${url}?${query}` } }]);
		expect(out).toHaveLength(1);
		expect(out[0].json.error).toMatch(
			new RegExp(`stopped after 97\\.7 KiB of 195 KiB: no byte arrived for ${TIMEOUT_S} s .*VOD image \\w+ .*stays in status Uploading`),
		);
		expect(seconds).toBeLessThan(TIMEOUT_S + 4);
	}, 15_000);
});

describe('withIdleTimeout: only the time the reader waits counts', () => {
	/** a stream of chunks sent after the given pauses (ms), then silent until destroyed */
	function paced(pauses: number[], thenSilent: boolean) {
		let destroyed = false;
		let wake: ((error?: Error) => void) | undefined;
		return {
			get destroyed() {
				return destroyed;
			},
			destroy(error?: Error) {
				destroyed = true;
				wake?.(error ?? new Error('destroyed'));
			},
			async *[Symbol.asyncIterator]() {
				for (const pause of pauses) {
					await new Promise((resolve) => setTimeout(resolve, pause));
					yield Buffer.alloc(10);
				}
				if (thenSilent) {
					await new Promise((_, reject) => (wake = reject));
				}
			},
		};
	}

	test('a consumer slower than the limit and a source with gaps under it: no stall', async () => {
		let got = 0;
		for await (const chunk of withIdleTimeout(paced([50, 150, 150], false), 250)) {
			got += chunk.length;
			// the upload of a part takes longer than the limit: the download is not read meanwhile
			await new Promise((resolve) => setTimeout(resolve, 350));
		}
		expect(got).toBe(30);
	});

	test('a source silent after two chunks: SourceStalledError with the bytes received, after the limit', async () => {
		const started = Date.now();
		let failure: unknown;
		let got = 0;
		try {
			for await (const chunk of withIdleTimeout(paced([10, 10], true), 300)) got += chunk.length;
		} catch (error) {
			failure = error;
		}
		expect(failure).toBeInstanceOf(SourceStalledError);
		expect((failure as SourceStalledError).receivedBytes).toBe(20);
		expect(got).toBe(20);
		expect(Date.now() - started).toBeGreaterThanOrEqual(300);
		expect(Date.now() - started).toBeLessThan(1500);
	});

	test('a body wrapped as n8n 2.x wraps it, whose destroy waits for the silent source: the stall still ends the read', async () => {
		const started = Date.now();
		let failure: unknown;
		try {
			for await (const _ of withIdleTimeout(asAxios118Stream(paced([10], true)), 300));
		} catch (error) {
			failure = error;
		}
		expect(failure).toBeInstanceOf(SourceStalledError);
		expect((failure as SourceStalledError).receivedBytes).toBe(10);
		expect(Date.now() - started).toBeLessThan(1500);
	});

	test("the execution's cancel signal ends the watch: no stall error after a cancel", async () => {
		const cancel = new AbortController();
		const stream = paced([10], true);
		const reading = (async () => {
			for await (const _ of withIdleTimeout(stream, 300, cancel.signal));
		})();
		await new Promise((resolve) => setTimeout(resolve, 50));
		cancel.abort();
		// n8n's abort destroys the download itself
		stream.destroy(new Error('cancelled'));
		await expect(reading).rejects.toThrow('cancelled');
	});
});
