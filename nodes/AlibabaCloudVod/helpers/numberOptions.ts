import { inputProblem } from './items';

/**
 * A whole-number option within its range. n8n enforces a number field's minValue/maxValue only in the
 * editor: an expression, an imported workflow or the API can still give 0, -1 or "abc", which must not
 * turn silently into another value. Not set (undefined or '') gives `fallback`.
 */
export function wholeNumberOption(
	label: string,
	raw: unknown,
	range: { min: number; max: number; fallback: number },
): number {
	if (raw === undefined || raw === null || raw === '') return range.fallback;
	const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
	if (Number.isInteger(value) && value >= range.min && value <= range.max) return value;
	const shown = typeof raw === 'string' ? `"${raw.slice(0, 40)}"` : String(raw).slice(0, 40);
	throw inputProblem(
		`${label} ${shown} is not a whole number from ${range.min} to ${range.max}`,
		`Set ${label} to a whole number from ${range.min} to ${range.max}, or remove the option (default ${range.fallback})`,
	);
}
