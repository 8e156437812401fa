/**
 * Turns a stream of arbitrarily sized chunks into exact part-size Buffers. n8n only delivers chunks
 * of the requested size in filesystem mode (n8n PR #11698); other stores, HTTP bodies and decoded
 * base64 arrive in whatever sizes they like, and OSS wants every part but the last to be full.
 *
 * Parts are copied into Buffers from `pool`, so memory stays at (parts held by the caller + 1) × part
 * size, and the generator reads the source only while the caller asks for the next part — that is the
 * backpressure. A chunk is fully copied before the source is asked for the next one, so a source may
 * hand out views of one Buffer it reuses.
 */
export class PartBufferPool {
	private readonly free: Buffer[] = [];

	/** every Buffer handed out, by its memory, so a view of a part (the short last one) finds it */
	private readonly owned = new Map<ArrayBufferLike, Buffer>();

	constructor(readonly partSize: number) {}

	acquire(): Buffer {
		const buffer = this.free.pop();
		if (buffer) return buffer;
		// A dedicated ArrayBuffer per part (allocUnsafe may hand out slices of a shared pool).
		const fresh = Buffer.from(new ArrayBuffer(this.partSize));
		this.owned.set(fresh.buffer, fresh);
		return fresh;
	}

	/** Give back a part (or a view of one) once its upload has finished. */
	release(part: Buffer) {
		const whole = this.owned.get(part.buffer);
		if (whole && !this.free.includes(whole)) this.free.push(whole);
	}

	get buffersAllocated() {
		return this.owned.size;
	}
}

export type SourceChunk = Uint8Array | string;

function toBuffer(chunk: SourceChunk): Buffer {
	if (typeof chunk === 'string') return Buffer.from(chunk);
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export async function* rechunk(
	source: AsyncIterable<SourceChunk>,
	pool: PartBufferPool,
): AsyncGenerator<Buffer, void, undefined> {
	const partSize = pool.partSize;
	let current: Buffer | undefined;
	let filled = 0;
	for await (const chunk of source) {
		const data = toBuffer(chunk);
		let offset = 0;
		while (offset < data.length) {
			if (!current) {
				current = pool.acquire();
				filled = 0;
			}
			const copied = data.copy(current, filled, offset, Math.min(data.length, offset + partSize - filled));
			filled += copied;
			offset += copied;
			if (filled === partSize) {
				const part = current;
				current = undefined;
				yield part;
			}
		}
	}
	if (current && filled > 0) yield current.subarray(0, filled);
}
