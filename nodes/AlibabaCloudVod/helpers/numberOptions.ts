import type { INodeProperties } from 'n8n-workflow';

import { inputProblem } from './items';

export interface WholeNumberRange {
	min: number;
	max: number;
	fallback: number;
}

/**
 * A whole-number option within its range. n8n enforces a number field's minValue/maxValue only in the
 * editor: an expression, an imported workflow or the API can still give 0, -1 or "abc", which must not
 * turn silently into another value. Not set (undefined or '') gives `fallback`.
 */
export function wholeNumberOption(
	label: string,
	raw: unknown,
	range: WholeNumberRange,
): number {
	return numberOption(label, raw, range, { whole: true });
}

/** A number option within its range, as `wholeNumberOption`; fractions are allowed unless `whole`. */
export function numberOption(
	label: string,
	raw: unknown,
	range: WholeNumberRange,
	{ whole = false } = {},
): number {
	if (raw === undefined || raw === null || raw === '') return range.fallback;
	const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
	const kind = whole ? 'whole number' : 'number';
	if ((whole ? Number.isInteger(value) : Number.isFinite(value)) && value >= range.min && value <= range.max) {
		return value;
	}
	const shown = typeof raw === 'string' ? `"${raw.slice(0, 40)}"` : String(raw).slice(0, 40);
	throw inputProblem(
		`${label} ${shown} is not a ${kind} from ${range.min} to ${range.max}`,
		`Set ${label} to a ${kind} from ${range.min} to ${range.max}, or remove the option (default ${range.fallback})`,
	);
}

/** The range a number option's description gives the editor (minValue, maxValue, default), for `wholeNumberOption`. */
export function numberOptionRange(property: INodeProperties): WholeNumberRange {
	return {
		min: property.typeOptions?.minValue ?? Number.MIN_SAFE_INTEGER,
		max: property.typeOptions?.maxValue ?? Number.MAX_SAFE_INTEGER,
		fallback: property.default as number,
	};
}
