interface OpenBatch<T> {
	entries: T[];
	ids: Set<string>;
}

/**
 * Splits entries into API calls of at most `size` distinct ids. Entries only share a call when their
 * `groupOf` keys match (parameters that apply to a whole call, e.g. TemplateGroupId, or the storage
 * location RegisterMedia demands be the same for every file of a call). An id that is already in its
 * group's open batch joins that batch instead of taking a second slot, so repeated ids get one answer.
 * Batches come out in the order they were opened.
 */
export function batchByGroup<T>(
	entries: T[],
	groupOf: (entry: T) => string,
	idOf: (entry: T) => string,
	size: number,
): T[][] {
	if (!Number.isInteger(size) || size < 1) throw new Error(`Batch size must be ≥ 1, got ${size}`);
	const batches: Array<OpenBatch<T>> = [];
	const open = new Map<string, OpenBatch<T>>();
	for (const entry of entries) {
		const group = groupOf(entry);
		const id = idOf(entry);
		let batch = open.get(group);
		if (!batch || (!batch.ids.has(id) && batch.ids.size >= size)) {
			batch = { entries: [], ids: new Set() };
			batches.push(batch);
			open.set(group, batch);
		}
		batch.entries.push(entry);
		batch.ids.add(id);
	}
	return batches.map((batch) => batch.entries);
}
