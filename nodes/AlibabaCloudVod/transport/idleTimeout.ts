import { STALLED_SOURCE_FIX } from '../helpers/uploadMessages';
import { waitUnlessAborted } from './wait';

/** A download that delivered no byte for the idle limit while the upload was waiting for one. */
export class SourceStalledError extends Error {
	/** what happened, without the fix */
	readonly silence: string;

	constructor(
		idleMs: number,
		/** bytes the source delivered before it went silent */
		readonly receivedBytes: number,
	) {
		const silence = `no byte arrived for ${Math.round(idleMs / 1000)} s (Request Timeout)`;
		super(`${silence}. ${STALLED_SOURCE_FIX}`);
		this.silence = silence;
		this.name = 'SourceStalledError';
	}
}

const WATCH_STEP_MS = 1000;

interface DestroyableStream extends AsyncIterable<Uint8Array> {
	destroy(error?: Error): void;
	readonly destroyed?: boolean;
}

/**
 * The chunks of a download, ended with a SourceStalledError when none arrives for `idleMs` while they
 * are asked for. n8n's HTTP timeout covers only the wait for the headers, so a server that goes silent
 * in the body would otherwise hold the item for as long as it keeps the connection open. Only the time
 * the reader waits counts: while parts upload the download is not read (backpressure), and that is no
 * stall. One watch runs per download, not a timer per chunk: a chunk costs a clock read, and the watch
 * wakes at most once a second to compare the wait it sees with the limit. It ends with the download, when the
 * download is closed, or with the execution's cancel signal.
 *
 * A stall ends the read itself, then lets the download go with `release` (by default, destroys the body).
 * The read cannot wait for the body to end: n8n 2.x hands over a stream wrapped around the HTTP message
 * (axios 1.18), whose destroy and pending read both wait for the silent socket under it, so `release`
 * has to close that socket too.
 */
export async function* withIdleTimeout(
	body: DestroyableStream,
	idleMs: number,
	signal?: AbortSignal,
	release: (stall: SourceStalledError) => void = (stall) => body.destroy(stall),
): AsyncGenerator<Uint8Array> {
	let waitingSince: number | undefined = Date.now();
	let received = 0;
	let stalled: SourceStalledError | undefined;
	let interruptRead: ((stall: SourceStalledError) => void) | undefined;
	const finished = new AbortController();
	const stop = signal ? AbortSignal.any([finished.signal, signal]) : finished.signal;
	// n8n's sleep cannot be cancelled: short steps, so the last one outlives the download by a second at most
	// (one step of the whole limit kept a 300 s timer, and a test runner's exit, after every download).
	const step = (ms: number) => Math.min(ms, WATCH_STEP_MS);
	const watch = async () => {
		for (let sleepMs = step(idleMs); await waitUnlessAborted(sleepMs, stop); ) {
			// closed by its owner while this reader was left suspended
			if (body.destroyed) return;
			const idle = waitingSince === undefined ? 0 : Date.now() - waitingSince;
			if (idle >= idleMs) {
				stalled = new SourceStalledError(idle, received);
				interruptRead?.(stalled);
				release(stalled);
				return;
			}
			sleepMs = step(idleMs - idle);
		}
	};
	void watch();
	const chunks = body[Symbol.asyncIterator]();
	// one promise per read, not a race against one stall promise: that would keep a reaction per chunk
	const read = () =>
		new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
			interruptRead = reject;
			chunks.next().then(resolve, reject);
		});
	let ended = false;
	try {
		for (let next = await read(); !next.done; next = await read()) {
			waitingSince = undefined;
			received += next.value.length;
			yield next.value;
			waitingSince = Date.now();
		}
		ended = true;
	} catch (error) {
		ended = true;
		throw stalled ?? error;
	} finally {
		finished.abort();
		// the reader stopped early: the body is let go as a for-await loop lets it go
		if (!ended) await chunks.return?.();
	}
	// a stream destroyed without an error may end as if complete
	if (stalled) throw stalled;
}
