import { createHash } from 'node:crypto';

/** Splits a list into consecutive chunks of at most `size`. */
export function chunk<T>(list: T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let start = 0; start < list.length; start += size)
		chunks.push(list.slice(start, start + size));
	return chunks;
}

/**
 * Chunks of at most `size`, in input order, in which no two values share a key: a value whose key is
 * taken goes to the next chunk with room for it. Without shared keys this is `chunk`.
 */
export function chunkApart<T>(list: T[], size: number, keyOf: (value: T) => string): T[][] {
	const chunks: Array<{ values: T[]; keys: Set<string> }> = [];
	for (const value of list) {
		const key = keyOf(value);
		let target = chunks.find((c) => c.values.length < size && !c.keys.has(key));
		if (!target) {
			target = { values: [], keys: new Set() };
			chunks.push(target);
		}
		target.values.push(value);
		target.keys.add(key);
	}
	return chunks.map((c) => c.values);
}

/** Groups by key, keeping first-seen order of the groups and input order inside each group. */
export function groupBy<T>(list: T[], keyOf: (value: T) => string): T[][] {
	const groups = new Map<string, T[]>();
	for (const value of list) {
		const key = keyOf(value);
		const group = groups.get(key);
		if (group) group.push(value);
		else groups.set(key, [value]);
	}
	return [...groups.values()];
}

/**
 * A SessionId derived only from what a call sends, so every retry of the same batch (transport retry,
 * node retry, a re-run within VOD's 10-minute window) carries the same key and VOD refuses the repeat.
 * A call that resubmits URLs whose jobs failed also names those jobs: it differs from the call that
 * made them (which VOD would refuse for 10 minutes), while a retry of the resubmission is still refused.
 * ≤50 chars of [A-Za-z0-9_-] as VOD requires.
 */
export function sessionIdFor(content: unknown, replacedJobIds: string[] = []): string {
	const key = replacedJobIds.length
		? { content, replaces: [...replacedJobIds].sort() }
		: content;
	const digest = createHash('sha256').update(JSON.stringify(key)).digest('base64url');
	return `n8n-${digest.slice(0, 43)}`;
}

/**
 * Runs `worker` over `tasks` with at most `concurrency` at once; results keep the task order. Stops
 * starting new tasks once `signal` aborts (the running ones see the signal themselves).
 */
export async function mapWithConcurrency<T, R>(
	tasks: T[],
	concurrency: number,
	worker: (task: T, index: number) => Promise<R>,
	signal?: AbortSignal,
): Promise<R[]> {
	const results = new Array<R>(tasks.length);
	let next = 0;
	const lanes = Array.from(
		{ length: Math.max(1, Math.min(concurrency, tasks.length)) },
		async () => {
			while (next < tasks.length && !signal?.aborted) {
				const index = next++;
				results[index] = await worker(tasks[index], index);
			}
		},
	);
	await Promise.all(lanes);
	return results;
}

/**
 * Looks keys up in batches of `size`, `concurrency` calls at once; every key gets an answer. `ask`
 * returns the records for a batch and whether they filled the answer's cap: such a batch is asked again
 * key by key, so one key's many records cannot hide another's. A failed call answers its keys with the
 * error.
 */
export async function lookUpInBatches<R, A>(
	keys: string[],
	size: number,
	concurrency: number,
	ask: (batch: string[]) => Promise<{ records: R[]; full: boolean }>,
	answer: (key: string, records: R[]) => A,
	signal?: AbortSignal,
): Promise<Map<string, A | { error: unknown }>> {
	const found = new Map<string, A | { error: unknown }>();
	const settle = (batch: string[], records: R[]) => {
		for (const key of batch) found.set(key, answer(key, records));
	};
	await mapWithConcurrency(
		chunk(keys, size),
		concurrency,
		async (batch) => {
			try {
				const { records, full } = await ask(batch);
				if (full && batch.length > 1) {
					for (const key of batch) settle([key], (await ask([key])).records);
				} else {
					settle(batch, records);
				}
			} catch (error) {
				for (const key of batch) found.set(key, { error });
			}
		},
		signal,
	);
	return found;
}
