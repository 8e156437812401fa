import { createHash } from 'node:crypto';

import { sizeMismatchText } from '../../helpers/uploadMessages';
import { PartBufferPool, rechunk, type SourceChunk } from './rechunk';
import type { UploadRun } from './run';

/** a part read from the source, with the Content-MD5 OSS checks it against */
export interface Part {
	data: Buffer;
	contentMd5: string;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
	return promise.then(
		(value): Settled<T> => ({ ok: true, value }),
		(error: unknown): Settled<T> => ({ ok: false, error }),
	);
}

/**
 * Counts what arrives from the source as it arrives, so a source that stops mid-part is reported with
 * the bytes it really sent, not those of the whole parts cut so far.
 */
async function* counted(source: AsyncIterable<SourceChunk>, run: UploadRun): AsyncGenerator<SourceChunk> {
	for await (const chunk of source) {
		run.sourceBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
		yield chunk;
	}
}

/**
 * Reads the source in exact parts from a pool of part buffers, checks it against the size it
 * announced, and may read one part ahead while others upload. The source is read only when a part is
 * asked for: that is the backpressure.
 */
export class PartReader {
	private readonly pool: PartBufferPool;

	private readonly parts: AsyncGenerator<Buffer, void, undefined>;

	private ahead: Promise<Settled<Part | undefined>> | undefined;

	constructor(
		private readonly run: UploadRun,
		source: AsyncIterable<SourceChunk>,
		partSize: number,
		/** stops the source at once (destroys a download) so that a failed upload does not wait on it */
		private readonly closeSource?: () => void,
	) {
		this.pool = new PartBufferPool(partSize);
		this.parts = rechunk(counted(source, run), this.pool);
	}

	/** the next part, or undefined at the end of the source */
	async next(): Promise<Part | undefined> {
		const run = this.run;
		const total = run.settings.totalBytes;
		let result: IteratorResult<Buffer> | undefined;
		let failure: unknown;
		try {
			result = await this.parts.next();
		} catch (caught) {
			failure = caught;
		}
		if (run.cancelled) throw run.cancelledError();
		if (!result) throw run.sourceFailure(failure);
		if (result.done) {
			if (total !== undefined && run.sourceBytes !== total) {
				throw run.sourceFailure(new Error(sizeMismatchText(run.sourceBytes, total)));
			}
			return undefined;
		}
		if (total !== undefined && run.sourceBytes > total) {
			throw run.sourceFailure(new Error(sizeMismatchText(run.sourceBytes, total)));
		}
		return { data: result.value, contentMd5: createHash('md5').update(result.value).digest('base64') };
	}

	/** starts reading (and hashing) the next part now, so it is ready when a slot frees */
	readAhead() {
		this.ahead = settle(this.next());
	}

	get readingAhead() {
		return this.ahead !== undefined;
	}

	async takeAhead(): Promise<Part | undefined> {
		const read = await (this.ahead as Promise<Settled<Part | undefined>>);
		this.ahead = undefined;
		if (!read.ok) throw read.error;
		return read.value;
	}

	/** gives a part's buffer back once the part is stored */
	release(part: Part) {
		this.pool.release(part.data);
	}

	/** Ends the source (closes the file or the download) if it was not read to the end. */
	async close() {
		if (this.ahead) {
			// The upload failed while the next part was being read: stop the source rather than wait
			// for a download that may be slow or stalled.
			this.closeSource?.();
			await this.ahead;
			this.ahead = undefined;
		}
		await this.parts.return(undefined).catch(() => undefined);
	}
}
