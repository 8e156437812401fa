/**
 * A node execution reads its credential once, however many VOD calls it makes: in n8n every read is a
 * database read and a decryption. Counted at the harness's credentials helper, which n8n-core asks on
 * every getCredentials.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { readingCredentialsOnce } from '../../nodes/AlibabaCloudVod/transport/credentials';
import { startEmulator, type Emulator } from '../emulator';
import { chain, emulatorCredentials, jobStatusNode, runWorkflow, startNode, vodNode } from '../harness';

let emulator: Emulator;

beforeAll(async () => {
	emulator = await startEmulator();
});
afterAll(async () => {
	await emulator?.stop();
});
beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
});

const calls = (action: string) => emulator.state.vodCalls[action] ?? 0;

describe('one credential read per execution', () => {
	test('a 200-item Submit (10 calls) and its Job Status round (20 calls) read the credential once each', async () => {
		const startItems: INodeExecutionData[] = Array.from({ length: 200 }, (_, i) => ({
			json: { url: `https://media.example.com/library/clip-${i}.mp4` },
		}));
		const submitted = await runWorkflow({
			nodes: [startNode(), vodNode('Submit', { resource: 'urlUpload', operation: 'submit', options: { parallelCalls: 4 } })],
			connections: chain('Start', 'Submit'),
			credentials: emulatorCredentials(emulator),
			startItems,
		});
		expect(submitted.status).toBe('success');
		expect(calls('UploadMediaByURL')).toBe(10);
		expect(submitted.credentialReads('alibabaCloudVodApi')).toBe(1);

		const jobs = submitted.output('Submit');
		expect(jobs.filter((item) => typeof item.json.jobId === 'string')).toHaveLength(200);
		const checked = await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', { options: { parallelCalls: 4 } })],
			connections: chain('Start', 'Status'),
			credentials: emulatorCredentials(emulator),
			startItems: jobs.map((item) => ({ json: item.json })),
		});
		expect(checked.status).toBe('success');
		expect(calls('GetURLUploadInfos')).toBe(20);
		expect(checked.credentialReads('alibabaCloudVodApi')).toBe(1);
		expect([0, 1, 2].map((output) => checked.output('Status', output).length).reduce((a, b) => a + b)).toBe(200);
	});
});

describe('readingCredentialsOnce', () => {
	/** A context as n8n's are: a class whose methods use its fields. */
	class Context {
		reads = 0;
		data = { accessKeyId: 'first' };
		failNext = false;
		readonly items = ['a', 'b'];

		async getCredentials<T extends object>(_type: string): Promise<T> {
			this.reads++;
			await new Promise((resolve) => setImmediate(resolve));
			if (this.failNext) {
				this.failNext = false;
				throw new Error('database unavailable');
			}
			return { ...this.data } as T;
		}

		getInputData() {
			return this.items;
		}
	}

	test('requests in flight at once share the one read; the rest of the context is the context', async () => {
		const context = new Context();
		const once = readingCredentialsOnce(context);
		const answers = await Promise.all(Array.from({ length: 8 }, async () => await once.getCredentials('alibabaCloudVodApi')));
		expect(context.reads).toBe(1);
		expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(new Set(['{"accessKeyId":"first"}']));
		expect(once.getInputData()).toEqual(['a', 'b']);
	});

	test('each execution reads afresh: a credential edited between two polls of one context reaches the second', async () => {
		// n8n hands a polling node the same context for every poll of an activation
		const context = new Context();
		expect(await readingCredentialsOnce(context).getCredentials('alibabaCloudVodApi')).toEqual({ accessKeyId: 'first' });
		context.data = { accessKeyId: 'edited' };
		expect(await readingCredentialsOnce(context).getCredentials('alibabaCloudVodApi')).toEqual({ accessKeyId: 'edited' });
		expect(context.reads).toBe(2);
	});

	test('a failed read is asked again by the next request, not kept as the answer', async () => {
		const context = new Context();
		context.failNext = true;
		const once = readingCredentialsOnce(context);
		await expect(once.getCredentials('alibabaCloudVodApi')).rejects.toThrow('database unavailable');
		await expect(once.getCredentials('alibabaCloudVodApi')).resolves.toEqual({ accessKeyId: 'first' });
		await once.getCredentials('alibabaCloudVodApi');
		expect(context.reads).toBe(2);
	});

	test('each credential type is read once', async () => {
		const context = new Context();
		const once = readingCredentialsOnce(context);
		await once.getCredentials('alibabaCloudVodApi');
		await once.getCredentials('alibabaCloudVodCallbackApi');
		await once.getCredentials('alibabaCloudVodApi');
		expect(context.reads).toBe(2);
	});
});
