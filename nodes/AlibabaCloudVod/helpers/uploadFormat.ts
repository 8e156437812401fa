export const MiB = 1024 * 1024;

/** 1536 → "1.5 KiB", 1073741824 → "1 GiB" */
export function formatBytes(bytes: number): string {
	const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	if (unit === 0) return `${bytes} bytes`;
	return `${Number(value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2))} ${units[unit]}`;
}
