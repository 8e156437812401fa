import { MiB } from '../../helpers/uploadFormat';

/** OSS multipart limits (OSS API reference, Multipart upload). */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 100 * 1024;
export const DEFAULT_PART_SIZE = 8 * MiB;
export const MAX_PART_SIZE_MIB = 1024;

/**
 * The part size to use: the one asked for, raised when the size is known so that the file fits in
 * 10,000 parts (rounded up to whole MiB). An unknown-length source keeps the size asked for but at
 * least 8 MiB, which covers 78 GiB.
 */
export function choosePartSize(requested: number, totalBytes: number | undefined): number {
	let size = Math.max(MIN_PART_SIZE, Math.floor(requested));
	if (totalBytes === undefined) return Math.max(size, DEFAULT_PART_SIZE);
	const needed = Math.ceil(totalBytes / MAX_PARTS);
	if (size < needed) size = Math.ceil(needed / MiB) * MiB;
	return size;
}
