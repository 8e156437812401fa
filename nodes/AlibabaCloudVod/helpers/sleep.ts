/**
 * Abortable sleep. n8n-workflow 1.x has `sleepWithAbort`, 2.x does not, so the nodes carry their own.
 * The timer is cleared and the listener removed whichever way the wait ends, so a cancelled execution
 * leaves nothing pending behind.
 */

export class SleepAbortedError extends Error {
	constructor() {
		super('The wait was cancelled');
		this.name = 'SleepAbortedError';
	}
}

export function isSleepAborted(error: unknown): error is SleepAbortedError {
	return error instanceof SleepAbortedError;
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal?.aborted) throw new SleepAbortedError();
	if (ms <= 0) return;
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer);
			reject(new SleepAbortedError());
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** Like `sleep`, but resolves `false` instead of throwing when the signal aborts the wait. */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
	return await sleep(ms, signal).then(
		() => true,
		(error: unknown) => {
			if (isSleepAborted(error)) return false;
			throw error;
		},
	);
}
