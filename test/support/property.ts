import type { Parameters } from 'fast-check';

/** One seed for every property test in `npm test`; PROPERTY_RUNS=10000 for the larger documented run. */
export function propertyParams<T>(defaultRuns: number): Parameters<T> {
	const runs = Number(process.env.PROPERTY_RUNS);
	return { seed: 20261201, numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns };
}
