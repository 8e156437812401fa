import { createHash } from 'node:crypto';

import type { VodEvent } from './callbackEvent';

/**
 * Recognising a delivery VOD repeats. VOD retries a callback it did not see answered with 200 within 5 s
 * (3 attempts, about a second apart); a retry carries a new timestamp and signature but the same body.
 * The key is a hash of the whole normalised event with its keys sorted: a retry hashes the same, while two
 * genuinely different events (another EventTime, Status, JobId, stream Definition...) never do. Hashing the
 * normalised event rather than the raw bytes also absorbs key order and VOD's padded key names.
 */

/** [key, first seen (Unix seconds)], oldest first */
export type DeliveryEntry = [string, number];

export interface DeliveryLimits {
	/** how long a delivery is remembered */
	windowSeconds: number;
	/** at most this many deliveries are remembered; the oldest go first */
	maxEntries: number;
}

export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { windowSeconds: 900, maxEntries: 500 };

function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (typeof value === 'object' && value !== null) {
		const entries = Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** 128 bits of SHA-256: collisions are out of reach, and 500 keys stay ~20 KB of static data. */
export function callbackDeliveryKey(event: VodEvent): string {
	return createHash('sha256').update(canonicalJson(event)).digest('hex').slice(0, 32);
}

function isEntry(value: unknown): value is DeliveryEntry {
	return (
		Array.isArray(value) &&
		value.length === 2 &&
		typeof value[0] === 'string' &&
		typeof value[1] === 'number' &&
		Number.isFinite(value[1])
	);
}

/** Entries still inside the window, oldest first; anything malformed (hand-edited static data) is dropped. */
export function pruneDeliveries(stored: unknown, nowSeconds: number, limits: DeliveryLimits) {
	if (!Array.isArray(stored)) return [] as DeliveryEntry[];
	return stored
		.filter(isEntry)
		.filter(([, seenAt]) => nowSeconds - seenAt <= limits.windowSeconds && seenAt - nowSeconds <= 60)
		.map(([key, seenAt]): DeliveryEntry => [key, seenAt])
		.slice(-limits.maxEntries);
}

/**
 * Looks `key` up in the remembered deliveries and returns whether it is a repeat, with the new list to
 * store (pruned by age and count; `key` appended when it is new). Pure: the caller persists the result.
 */
export function recordDelivery(
	stored: unknown,
	key: string,
	nowSeconds: number,
	limits: DeliveryLimits = DEFAULT_DELIVERY_LIMITS,
): { duplicate: boolean; deliveries: DeliveryEntry[] } {
	const deliveries = pruneDeliveries(stored, nowSeconds, limits);
	if (deliveries.some(([seenKey]) => seenKey === key)) return { duplicate: true, deliveries };
	deliveries.push([key, nowSeconds]);
	return { duplicate: false, deliveries: deliveries.slice(-limits.maxEntries) };
}
