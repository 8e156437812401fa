import { chain, connect, functionNode, noOpNode, runWorkflow, startNode } from '.';

describe('workflow harness', () => {
	it('runs start items through nodes with pairedItem, in filesystem binary mode', async () => {
		const result = await runWorkflow({
			nodes: [startNode(), functionNode('Attach'), noOpNode('Pass')],
			connections: chain('Start', 'Attach', 'Pass'),
			binaryMode: 'filesystem',
			startItems: [{ json: { n: 1 } }, { json: { n: 2 } }],
			functions: {
				async Attach(items) {
					const out = [];
					for (let i = 0; i < items.length; i++) {
						const binary = await this.helpers.prepareBinaryData(
							Buffer.from(`file ${i}`),
							`f${i}.txt`,
						);
						out.push({
							json: { n: (items[i].json.n as number) * 10 },
							binary: { data: binary },
							pairedItem: { item: i },
						});
					}
					return out;
				},
			},
		});
		expect(result.status).toBe('success');
		const items = result.output('Pass');
		expect(items.map((item) => item.json.n)).toEqual([10, 20]);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// filesystem mode stores by id, as n8n 2.x does
		expect(items[0].binary?.data.id).toMatch(/^filesystem/);
	});

	it('routes by output index and reports a failing node', async () => {
		const connections = chain('Start', 'Split');
		connect(connections, 'Split', 'Second', 1);
		const result = await runWorkflow({
			nodes: [startNode(), functionNode('Split'), functionNode('Second')],
			connections,
			startItems: [{ json: { a: 1 } }],
			functions: {
				Split: (items) => [[], items.map((item) => ({ ...item, pairedItem: { item: 0 } }))],
				Second: () => {
					throw new Error('boom in Second');
				},
			},
		});
		expect(result.status).toBe('error');
		expect(result.output('Split', 1)).toHaveLength(1);
		expect(result.nodeError('Second')?.message).toContain('boom in Second');
	});

	it('cancels a running execution and the node sees the cancel signal', async () => {
		let sawAbort = false;
		const result = await runWorkflow({
			nodes: [startNode(), functionNode('Hang')],
			connections: chain('Start', 'Hang'),
			abortAfterMs: 150,
			functions: {
				async Hang(items) {
					const signal = this.getExecutionCancelSignal();
					await new Promise<void>((resolve) => {
						const timer = setTimeout(resolve, 20_000);
						signal?.addEventListener('abort', () => {
							sawAbort = true;
							clearTimeout(timer);
							resolve();
						});
					});
					return items;
				},
			},
		});
		expect(result.status).toBe('canceled');
		expect(sawAbort).toBe(true);
		expect(result.durationMs).toBeLessThan(5000);
	});
});
