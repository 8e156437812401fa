import { MiB } from '../../helpers/uploadFormat';

/** OSS multipart limits (OSS API reference, Multipart upload). */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 100 * 1024;
export const MAX_PART_SIZE_MIB = 1024;

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
