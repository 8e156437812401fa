import { MiB } from '../../helpers/uploadFormat';

/** OSS multipart limits (OSS API reference, Multipart upload). */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 100 * 1024;
/**
 * The most part buffers an upload may ask for (Part Size × Parallel Parts); it holds one buffer more
 * while reading ahead. Every Part Size the editor allows still runs, one part at a time.
 */
export const MAX_PART_BUFFERS_MIB = 1024;

/**
 * The part size to use: the one asked for, raised when the size is known so that the file fits in
 * 10,000 parts (rounded up to whole MiB). An unknown-length source keeps the size asked for: Part Size
 * is also what bounds the memory an upload holds, and Part Size × 10,000 is then the largest file it
 * takes (78 GiB at the default 8 MiB), which the option's description says.
 */
export function choosePartSize(requested: number, totalBytes: number | undefined): number {
	let size = Math.max(MIN_PART_SIZE, Math.floor(requested));
	if (totalBytes === undefined) return size;
	const needed = Math.ceil(totalBytes / MAX_PARTS);
	if (size < needed) size = Math.ceil(needed / MiB) * MiB;
	return size;
}

/**
 * Parallel Parts for the part size actually used: a size raised for a very large file would multiply
 * the memory by Parallel Parts, so fewer run at once to stay within MAX_PART_BUFFERS_MIB.
 */
export function parallelWithin(partSize: number, parallel: number): number {
	return Math.max(1, Math.min(parallel, Math.floor((MAX_PART_BUFFERS_MIB * MiB) / partSize)));
}
