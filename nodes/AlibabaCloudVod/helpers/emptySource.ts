/**
 * An empty file must not become a media: VOD would create it, OSS would store 0 bytes, and the output would
 * say "uploaded". A source whose size is unknown (a download without Content-Length) is read up to its first
 * non-empty chunk before anything is created; the chunk is then handed on with the rest.
 */
export async function withFirstChunk(
	chunks: AsyncIterable<Uint8Array>,
): Promise<{ chunks: AsyncIterable<Uint8Array>; firstBytes: number } | undefined> {
	const iterator = chunks[Symbol.asyncIterator]();
	for (;;) {
		const next = await iterator.next();
		if (next.done) return undefined;
		if (next.value.length === 0) continue;
		const first = next.value;
		const whole = {
			async *[Symbol.asyncIterator]() {
				yield first;
				try {
					for (let rest = await iterator.next(); !rest.done; rest = await iterator.next()) yield rest.value;
				} finally {
					await iterator.return?.();
				}
			},
		};
		return { chunks: whole, firstBytes: first.length };
	}
}
