/** The transport's one wait (transport/wait.ts), built on n8n-workflow's `sleep`. */
import { sleepWithAbort } from 'n8n-workflow';

import { waitUnlessAborted } from '../../nodes/AlibabaCloudVod/transport/wait';

test('waits the time and says so', async () => {
	const started = Date.now();
	expect(await waitUnlessAborted(60, new AbortController().signal)).toBe(true);
	expect(await waitUnlessAborted(20)).toBe(true);
	expect(await waitUnlessAborted(0, new AbortController().signal)).toBe(true);
	expect(Date.now() - started).toBeGreaterThanOrEqual(75);
});

test('ends at once when the signal aborts, and does not start on an aborted one', async () => {
	const controller = new AbortController();
	const removed = jest.spyOn(controller.signal, 'removeEventListener');
	const started = Date.now();
	setTimeout(() => controller.abort(), 30);
	expect(await waitUnlessAborted(300, controller.signal)).toBe(false);
	expect(Date.now() - started).toBeLessThan(200);
	expect(removed).toHaveBeenCalledTimes(1);
	expect(await waitUnlessAborted(300, controller.signal)).toBe(false);
	await new Promise((resolve) => setTimeout(resolve, 300)); // the abandoned timer runs out here
});

test('every wait that ends normally takes its listener with it (an execution waits many times)', async () => {
	const controller = new AbortController();
	const added = jest.spyOn(controller.signal, 'addEventListener');
	const removed = jest.spyOn(controller.signal, 'removeEventListener');
	for (let i = 0; i < 12; i++) await waitUnlessAborted(1, controller.signal);
	expect(added).toHaveBeenCalledTimes(12);
	expect(removed).toHaveBeenCalledTimes(12);
});

test("why not n8n-workflow 1.x's sleepWithAbort: it leaves a listener behind on every normal end", async () => {
	const controller = new AbortController();
	const added = jest.spyOn(controller.signal, 'addEventListener');
	const removed = jest.spyOn(controller.signal, 'removeEventListener');
	await sleepWithAbort(1, controller.signal);
	expect(added).toHaveBeenCalledTimes(1);
	expect(removed).not.toHaveBeenCalled();
});
