/**
 * fast-check parameters shared by every property test, so one switch runs them all larger.
 *
 * `npm test` runs each property with a fixed seed and its own default number of runs (quick, repeatable).
 * `PROPERTY_RUNS=10000` runs every property that many times; `PROPERTY_SEED=<n>` explores other inputs
 * (a failure prints its seed and path, and setting the same seed replays it). See docs/property-tests.md.
 */
import type { Parameters } from 'fast-check';

export const DEFAULT_SEED = 20261201;

function positiveInteger(name: string): number | undefined {
	const raw = process.env[name];
	if (raw === undefined || raw.trim() === '') return undefined;
	const value = Number(raw);
	if (!Number.isSafeInteger(value) || value <= 0) {
		throw new Error(`${name}="${raw}" is not a positive whole number`);
	}
	return value;
}

/** How many runs a property gets: PROPERTY_RUNS when set, otherwise its own default. */
export function propertyRuns(defaultRuns: number): number {
	return positiveInteger('PROPERTY_RUNS') ?? defaultRuns;
}

/** `fc.assert(property, propertyParams(100))`: fixed seed, PROPERTY_RUNS honoured. */
export function propertyParams<T = unknown>(defaultRuns: number): Parameters<T> {
	return {
		seed: positiveInteger('PROPERTY_SEED') ?? DEFAULT_SEED,
		numRuns: propertyRuns(defaultRuns),
	};
}

/** A jest timeout that grows with the number of runs: `it(name, fn, propertyTimeout(100, 30_000))`. */
export function propertyTimeout(defaultRuns: number, defaultTimeoutMs: number): number {
	return Math.ceil((defaultTimeoutMs * propertyRuns(defaultRuns)) / defaultRuns);
}
