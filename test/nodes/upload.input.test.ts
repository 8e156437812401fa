/**
 * What Upload refuses before VOD creates anything, and what it says (outside pass on 1.123.5, findings
 * 3–7, M4, M5): file names with # or ?, the binary's MIME type, Part Size × Parallel Parts, a source URL's
 * user:password@, a non-number Part Size, a binary whose stored file is gone; and what a stopped run
 * says about running again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import fc from 'fast-check';

import { MiB } from '../../nodes/AlibabaCloudVod/helpers/uploadFormat';
import { rerunText } from '../../nodes/AlibabaCloudVod/helpers/uploadMessages';
import { choosePartSize, MAX_PART_BUFFERS_MIB, parallelWithin } from '../../nodes/AlibabaCloudVod/transport/oss/partSize';
import { startEmulator, type Emulator } from '../emulator';
import { propertyParams } from '../support/property';
import { chain, emulatorCredentials, functionNode, runWorkflow, startNode, vodNode } from '../harness';

let emulator: Emulator;
let source: http.Server;
let base: string;
/** the Authorization header of every request to the source server */
const authorizations: Array<string | undefined> = [];

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {});
	emulator = await startEmulator();
	source = http.createServer((req, res) => {
		authorizations.push(req.headers.authorization);
		if (req.url?.startsWith('/missing/')) {
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
			return;
		}
		res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 1000 }).end(Buffer.alloc(1000, 5));
	});
	await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', () => resolve()));
	base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
});
afterAll(async () => {
	source.closeAllConnections();
	await new Promise((resolve) => source.close(resolve));
	await emulator?.stop();
});
beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
	authorizations.length = 0;
});

const calls = (action: string) => emulator.state.vodCalls[action] ?? 0;
const media = () => [...emulator.state.vod.media.values()];

type OnError = 'stopWorkflow' | 'continueRegularOutput';
interface Binary {
	data: Buffer;
	fileName: string;
	mimeType?: string;
}

async function run(
	parameters: INodeParameters,
	items: INodeExecutionData[],
	onError: OnError = 'stopWorkflow',
	binaries?: Binary[],
	/** changes an item's binary after n8n stored it */
	alter?: (binary: INodeExecutionData['binary'], i: number) => void,
	binaryMode: 'default' | 'filesystem' = 'default',
) {
	const result = await runWorkflow({
		binaryMode,
		nodes: [
			startNode(),
			functionNode('Make Binary'),
			vodNode('VOD', parameters, undefined, onError === 'stopWorkflow' ? {} : { onError }),
		],
		connections: chain('Start', 'Make Binary', 'VOD'),
		credentials: emulatorCredentials(emulator),
		startItems: items,
		functions: {
			'Make Binary': async function (this: IExecuteFunctions, input: INodeExecutionData[]) {
				if (!binaries) return input;
				return await Promise.all(
					binaries.map(async ({ data, fileName, mimeType }, i) => {
						const binary = { data: await this.helpers.prepareBinaryData(data, fileName, mimeType) };
						alter?.(binary, i);
						return { json: {}, binary, pairedItem: { item: i } };
					}),
				);
			},
		},
	});
	const error = result.nodeError('VOD') as (Error & { description?: string; context?: Record<string, unknown> }) | undefined;
	return { result, error, out: result.status === 'error' ? [] : result.output('VOD') };
}

const binaryUpload = (extra: INodeParameters = {}): INodeParameters => ({
	resource: 'upload',
	operation: 'uploadBinary',
	title: '',
	referenceIdMode: 'derive',
	...extra,
});
const video = (fileName = 'a.mp4', mimeType?: string): Binary => ({ data: Buffer.alloc(2000, 1), fileName, mimeType });

describe('Part Size that is not a number (M4)', () => {
	test.each(['abc', '', ' 2x'])('Part Size %j names the option and the value, never NaN', async (value) => {
		const { result, error } = await run(
			binaryUpload({ transferOptions: { partSizeMiB: value } }),
			[{ json: {} }],
			'stopWorkflow',
			[video()],
		);
		if (value === '') {
			// not set: the default applies
			expect(result.status).toBe('success');
			return;
		}
		expect(result.status).toBe('error');
		expect(error?.message).toContain(`Part Size (MiB) "${value}" is not a number from 1 to 1024`);
		expect(error?.message).not.toContain('NaN');
		expect(calls('CreateUploadVideo')).toBe(0);
	});
});

describe('Part Size × Parallel Parts is capped (finding 6)', () => {
	test('1024 MiB × 32 fails naming both options and the fix, before anything is created', async () => {
		const { result, error } = await run(
			binaryUpload({ transferOptions: { partSizeMiB: 1024, parallelParts: 32 } }),
			[{ json: {} }],
			'stopWorkflow',
			[video()],
		);
		expect(result.status).toBe('error');
		expect(error?.message).toContain('Part Size (MiB) 1024 × Parallel Parts 32 asks for 32 GiB of part buffers');
		expect(error?.description).toMatch(/Lower Part Size or Parallel Parts .* at most 1024 MiB/);
		expect(calls('CreateUploadVideo')).toBe(0);
	});

	test('128 × 8 (at the bound) uploads; 128 × 9 fails its item under Continue', async () => {
		const { out } = await run(
			binaryUpload({ transferOptions: { partSizeMiB: '={{ 128 }}', parallelParts: '={{ $itemIndex ? 9 : 8 }}' } }),
			[{ json: {} }, { json: {} }],
			'continueRegularOutput',
			[video('a.mp4'), video('b.mp4')],
		);
		expect(out[0].json.videoId).toBeDefined();
		expect(String(out[1].json.error)).toContain('Part Size (MiB) 128 × Parallel Parts 9');
		expect(media()).toHaveLength(1);
	});

	test('property: for every allowed setting and file size up to 48 TB, the part buffers in use stay within the bound', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 1024 }),
				fc.integer({ min: 1, max: 32 }),
				fc.option(fc.integer({ min: 0, max: 48 * 1024 ** 4 }), { nil: undefined }),
				(partSizeMiB, parallel, totalBytes) => {
					fc.pre(partSizeMiB * parallel <= MAX_PART_BUFFERS_MIB);
					const partSize = choosePartSize(partSizeMiB * MiB, totalBytes);
					const running = parallelWithin(partSize, parallel);
					expect(running).toBeGreaterThanOrEqual(1);
					expect(running).toBeLessThanOrEqual(parallel);
					if (partSize <= MAX_PART_BUFFERS_MIB * MiB) expect(partSize * running).toBeLessThanOrEqual(MAX_PART_BUFFERS_MIB * MiB);
				},
			),
			propertyParams(500),
		);
	});
});

describe('file names with # or ? (finding 3)', () => {
	test('a typed File Name with # stops the run before the first upload, naming the character and the fix', async () => {
		const { result, error } = await run(
			binaryUpload({ mediaOptions: { fileName: '={{ $itemIndex ? "Episode #3.mp4" : "" }}' } }),
			[{ json: {} }, { json: {} }],
			'stopWorkflow',
			[video('good.mp4'), video('other.mp4')],
		);
		expect(result.status).toBe('error');
		expect(error?.message).toMatch(/^\[item 1\] File Name "Episode #3.mp4" contains "#"/);
		expect(error?.description).toContain('Replace "#" in File Name, e.g. with "_" ("Episode _3.mp4")');
		expect(calls('CreateUploadVideo')).toBe(0);
	});

	test('Upload from URL: a typed File Name with ? is refused before the download', async () => {
		const { result, error } = await run(
			{ resource: 'upload', operation: 'uploadFromUrl', url: `${base}/v.mp4`, title: '', referenceIdMode: 'none', mediaOptions: { fileName: 'c?d.mp4' } },
			[{ json: {} }],
		);
		expect(result.status).toBe('error');
		expect(error?.message).toContain('contains "?"');
		expect(authorizations).toHaveLength(0);
		expect(calls('CreateUploadVideo')).toBe(0);
	});

	test('names taken from the binary or the URL are cleaned: # and ? read "_", the title keeps them', async () => {
		const fromBinary = await run(binaryUpload(), [{ json: {} }], 'stopWorkflow', [video('Episode #3?.mp4')]);
		expect(fromBinary.out[0].json).toMatchObject({ fileName: 'Episode _3_.mp4', title: 'Episode #3?' });
		const fromUrl = await run(
			{ resource: 'upload', operation: 'uploadFromUrl', url: `${base}/ep%233%3F.mp4`, title: '', referenceIdMode: 'derive' },
			[{ json: {} }],
		);
		expect(fromUrl.out[0].json).toMatchObject({ fileName: 'ep_3_.mp4', title: 'ep#3?' });
		expect(media().map((m) => m.fileName).sort()).toEqual(['Episode _3_.mp4', 'ep_3_.mp4']);
	});

	test('property: any name, from the binary or typed, uploads under a name VOD takes or is refused before VOD is asked', async () => {
		const character = fc.constantFrom(...'ab #?%+./\\ é中😀'.replace(/ /g, '').split(''), ' ', '%23', '%3F');
		const name = fc
			.tuple(fc.array(character, { minLength: 1, maxLength: 8 }), fc.constantFrom('.mp4', '.MOV', '.txt', '', '.mp4#x', '.mp4?'))
			.map(([chars, ext]) => chars.join('') + ext);
		const seen = { uploaded: 0, refused: 0 };
		await fc.assert(
			fc.asyncProperty(fc.array(fc.tuple(name, fc.boolean()), { minLength: 1, maxLength: 6 }), async (cases) => {
				emulator.reset();
				const { out } = await run(
					binaryUpload({ referenceIdMode: 'none', mediaOptions: { fileName: '={{ $json.typed ?? "" }}' } }),
					cases.map(([, typed], i) => ({ json: typed ? { typed: cases[i][0] } : {} })),
					'continueRegularOutput',
					cases.map(([fileName]) => video(fileName)),
				);
				const uploaded = out.filter((item) => item.json.videoId);
				for (const item of out) {
					if (!item.json.videoId) expect(String(item.json.error)).not.toMatch(/InvalidFileName|VOD answered|extension is illegal/);
				}
				expect(calls('CreateUploadVideo')).toBe(uploaded.length);
				seen.uploaded += uploaded.length;
				seen.refused += out.length - uploaded.length;
			}),
			propertyParams(15),
		);
		// the inputs reach both sides
		expect(seen.uploaded).toBeGreaterThan(5);
		expect(seen.refused).toBeGreaterThan(5);
	}, 120_000);
});

describe('what a stopped run says about running again (finding 4)', () => {
	const fromUrl = (referenceIdMode: string): INodeParameters => ({
		resource: 'upload',
		operation: 'uploadFromUrl',
		url: '={{ $json.url }}',
		title: '',
		referenceIdMode,
	});
	const items = () => [{ json: { url: `${base}/a.mp4` } }, { json: { url: `${base}/missing/b.mp4` } }];

	test('Reference ID None: running again uploads the files again, and it does', async () => {
		const { error } = await run(fromUrl('none'), items());
		expect(error?.description).toContain(
			'Running the same items again uploads the files listed above again (they have no Reference ID to find them by): remove those items first.',
		);
		expect(error?.description).not.toContain('does not upload them twice');
		await run(fromUrl('none'), items());
		expect(media()).toHaveLength(2);
	});

	test('Reference ID derived: running again finds the video, and it does', async () => {
		const { error } = await run(fromUrl('derive'), items());
		expect(error?.description).toContain('Running the same items again finds videos uploaded with a Reference ID and does not upload them twice.');
		await run(fromUrl('derive'), items());
		expect(media()).toHaveLength(1);
	});

	test('mixed: only the items without a Reference ID are named', () => {
		expect(rerunText(3, [1])).toBe(
			'Running the same items again uploads the files of item 1 again (they have no Reference ID to find them by): remove those items first.',
		);
	});
});

describe("a binary's MIME type goes through the rule Upload from URL applies (finding 5)", () => {
	test('Stop Workflow: item 1 holding a web page stops the run before item 0 is uploaded, naming the type and the fix', async () => {
		const { result, error } = await run(binaryUpload(), [{ json: {} }, { json: {} }], 'stopWorkflow', [
			video('a.mp4'),
			video('b.mp4', 'text/html; charset=utf-8'),
		]);
		expect(result.status).toBe('error');
		expect(error?.message).toBe(
			"[item 1] binary field 'data' has MIME type text/html, a page or data rather than a video or audio file; nothing was created in VOD",
		);
		expect(error?.description).toContain('Check the node that made the binary data');
		expect(calls('CreateUploadVideo')).toBe(0);
	});

	const cases: Array<[operation: string, mimeType: string, refused: boolean]> = [
		['uploadBinary', 'text/html', true],
		['uploadBinary', 'application/json', true],
		['uploadBinary', 'multipart/form-data; boundary=x', true],
		['uploadBinary', 'application/vnd.apple.mpegurl', true],
		['uploadBinary', 'application/octet-stream', false],
		['uploadBinary', '', false],
		['uploadBinary', 'video/mp4', false],
		['uploadImage', 'video/mp4', true],
		['uploadImage', 'audio/mpeg', true],
		['uploadImage', 'text/html', true],
		['uploadImage', 'application/json', true],
		['uploadImage', 'application/octet-stream', false],
		['uploadImage', 'image/png', false],
		['uploadAttachedMedia', 'text/html', true],
		['uploadAttachedMedia', 'text/plain', false],
	];
	test('each operation refuses what the URL rule refuses and passes the rest', async () => {
		for (const [operation, mimeType, refused] of cases) {
			emulator.reset();
			const fileName = operation === 'uploadImage' ? 'a.png' : operation === 'uploadAttachedMedia' ? 'a.srt' : 'a.mp4';
			const { out } = await run(
				{ resource: 'upload', operation, source: 'binary', title: '', businessType: 'subtitle', referenceIdMode: 'none' },
				[{ json: {} }],
				'continueRegularOutput',
				[{ data: Buffer.alloc(2000, 1), fileName, mimeType: mimeType || 'video/mp4' }],
				(binary) => {
					if (!mimeType) binary!.data.mimeType = '';
				},
			);
			const error = String(out[0].json.error ?? '');
			expect({ operation, mimeType, refused: error.includes('has MIME type') }).toEqual({ operation, mimeType, refused });
			expect({ operation, mimeType, created: media().length }).toEqual({ operation, mimeType, created: refused ? 0 : 1 });
		}
	});
});

describe("a source URL's user:password@ (finding 7)", () => {
	const fromUrl = (url: string, headers: Array<{ name: string; value: string }> = []): INodeParameters => ({
		resource: 'upload',
		operation: 'uploadFromUrl',
		url,
		title: '',
		referenceIdMode: 'derive',
		requestHeaders: { header: headers },
	});

	test('the password reaches the server as Basic credentials and never the output', async () => {
		const url = base.replace('http://', 'http://user:URLPASS999@') + '/v.mp4?x=1';
		const { out } = await run(fromUrl(url), [{ json: {} }]);
		expect(authorizations).toEqual([`Basic ${Buffer.from('user:URLPASS999').toString('base64')}`]);
		expect(out[0].json.source).toBe(`${base}/v.mp4?x=1`);
		expect(JSON.stringify(out)).not.toContain('URLPASS999');
		expect(JSON.stringify(out)).not.toContain('user:');
	});

	test('with an Authorization request header too it is refused as ambiguous, before anything is sent', async () => {
		const url = base.replace('http://', 'http://user:URLPASS999@') + '/v.mp4';
		const { result, error } = await run(fromUrl(url, [{ name: 'authorization', value: 'Bearer TOKEN777' }]), [{ json: {} }]);
		expect(result.status).toBe('error');
		expect(error?.message).toContain('URL carries a user name and password (user:…@, not shown) and Request Headers set Authorization too');
		expect(error?.description).toContain('Keep one');
		expect(`${error?.message} ${error?.description}`).not.toMatch(/URLPASS999|TOKEN777/);
		expect(authorizations).toHaveLength(0);
		expect(calls('CreateUploadVideo')).toBe(0);
	});

	test('a stopped run lists the uploaded source without the password', async () => {
		const url = base.replace('http://', 'http://user:URLPASS999@');
		const { error } = await run(fromUrl('={{ $json.url }}'), [{ json: { url: `${url}/a.mp4` } }, { json: { url: `${url}/missing/b.mp4` } }]);
		expect(error?.description).toContain(`${base}/a.mp4`);
		expect(JSON.stringify({ message: error?.message, description: error?.description, context: error?.context })).not.toContain('URLPASS999');
	});
});

describe("a binary whose stored file is gone (M5)", () => {
	test("fails its item without n8n's storage path, naming the field and the fix", async () => {
		const { out } = await run(binaryUpload(), [{ json: {} }, { json: {} }], 'continueRegularOutput', [video('a.mp4'), video('b.mp4')], (binary, i) => {
			if (i === 1) binary!.data.id = binary!.data.id!.replace(/[^/:]+$/, 'nonexistent-1234');
		}, 'filesystem');
		expect(out[0].json.videoId).toBeDefined();
		const error = JSON.stringify(out[1].json);
		expect(error).toContain("[item 1] The data of binary field 'data' could not be read from n8n's binary data storage (it is missing)");
		expect(error).not.toMatch(/nonexistent-1234|binaryData|\/tmp\/|\/home\//);
		expect(media()).toHaveLength(1);
	});
});
