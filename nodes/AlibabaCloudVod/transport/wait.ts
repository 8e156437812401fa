import { sleep } from 'n8n-workflow';

/**
 * The one wait of the package (backoff between tries, Job Status's poll interval), without timers of
 * our own: n8n's scanner allows none. Not `sleepWithAbort`: n8n-workflow 2.x does not export it, and 1.x's leaves its abort
 * listener on the signal after every wait that ends normally (after ten waits on one execution Node
 * warns of a leak). `sleep` exists in both; raced against the signal, a cancel ends the wait at once
 * and the listener goes with it. The timer behind a cancelled wait runs out by itself at the end of the
 * wait it was (at most a backoff, or a Job Status interval) and holds nothing.
 */
export async function waitUnlessAborted(ms: number, signal?: AbortSignal): Promise<boolean> {
	if (signal?.aborted) return false;
	if (ms <= 0) return true;
	if (!signal) {
		await sleep(ms);
		return true;
	}
	let onAbort: (() => void) | undefined;
	const aborted = new Promise<boolean>((resolve) => {
		onAbort = () => resolve(false);
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([sleep(ms).then(() => true), aborted]);
	} finally {
		if (onAbort) signal.removeEventListener('abort', onAbort);
	}
}
