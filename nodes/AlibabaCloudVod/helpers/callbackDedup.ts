import { createHash } from 'node:crypto';

import type { VodEvent } from './callbackEvent';

/**
 * Recognising a delivery VOD repeats. VOD retries a callback it did not see answered with 200 within 5 s
 * (3 attempts, about a second apart); a retry carries a new timestamp and signature but the same body.
 * The key is a hash of the whole normalised event with its keys sorted: a retry hashes the same, while two
 * genuinely different events (another EventTime, Status, JobId, stream Definition...) never do. Hashing the
 * normalised event rather than the raw bytes also absorbs key order and VOD's padded key names.
 *
 * The remembered deliveries are stored as ONE string of fixed-width entries (key, then first-seen time),
 * not as a list. n8n loads and saves this memory with every production callback, and it wraps every
 * object and array in workflow static data in a Proxy each time it builds a workflow (twice per callback);
 * a list of 500 pairs meant 1,000+ proxies and a 25 KB JSON per callback, a string of 1,000 entries means
 * none and 23 KB.
 */

/** [key, first seen (Unix seconds)], oldest first */
export type DeliveryEntry = [string, number];

export interface DeliveryLimits {
	/** how long a delivery is remembered */
	windowSeconds: number;
	/** at most this many deliveries are remembered; the oldest go first */
	maxEntries: number;
}

/**
 * 1,000 entries cover VOD's retry horizon (~15 s: three attempts, 5 s timeout, ~1 s apart) up to ~65
 * callbacks a second, more than one n8n process takes.
 */
export const DEFAULT_DELIVERY_LIMITS: DeliveryLimits = { windowSeconds: 900, maxEntries: 1000 };

/** 16 base64url characters: 96 bits of SHA-256, so that collisions among 1,000 entries are out of reach */
const KEY_CHARS = 16;
/** Unix seconds in base 36, zero-padded: 7 characters last until the year 4453 */
const TIME_CHARS = 7;
const ENTRY_CHARS = KEY_CHARS + TIME_CHARS;
const KEY_PATTERN = /^[A-Za-z0-9_-]+$/;

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

export function callbackDeliveryKey(event: VodEvent): string {
	return createHash('sha256').update(canonicalJson(event)).digest('base64url').slice(0, KEY_CHARS);
}

/** The stored string → its entries; anything malformed (hand-edited static data, an older format) is dropped. */
export function decodeDeliveries(stored: unknown): DeliveryEntry[] {
	if (typeof stored !== 'string') return [];
	const entries: DeliveryEntry[] = [];
	for (let offset = 0; offset + ENTRY_CHARS <= stored.length; offset += ENTRY_CHARS) {
		const key = stored.slice(offset, offset + KEY_CHARS);
		const seenAt = parseInt(stored.slice(offset + KEY_CHARS, offset + ENTRY_CHARS), 36);
		if (KEY_PATTERN.test(key) && Number.isFinite(seenAt)) entries.push([key, seenAt]);
	}
	return entries;
}

export function encodeDeliveries(entries: DeliveryEntry[]): string {
	return entries
		.filter(([key, seenAt]) => key.length === KEY_CHARS && seenAt >= 0)
		.map(([key, seenAt]) => key + Math.floor(seenAt).toString(36).padStart(TIME_CHARS, '0'))
		.join('');
}

/** How many deliveries a stored memory holds (for tests and the load script). */
export function countRememberedDeliveries(stored: unknown): number {
	return decodeDeliveries(stored).length;
}

/** Entries still inside the window, oldest first. */
export function pruneDeliveries(stored: unknown, nowSeconds: number, limits: DeliveryLimits) {
	return decodeDeliveries(stored)
		.filter(([, seenAt]) => nowSeconds - seenAt <= limits.windowSeconds && seenAt - nowSeconds <= 60)
		.slice(-limits.maxEntries);
}

/**
 * Looks `key` up in the remembered deliveries and returns whether it is a repeat, with the new memory to
 * store (pruned by age and count; `key` appended when it is new). Pure: the caller persists the result.
 */
export function recordDelivery(
	stored: unknown,
	key: string,
	nowSeconds: number,
	limits: DeliveryLimits = DEFAULT_DELIVERY_LIMITS,
): { duplicate: boolean; deliveries: string } {
	const deliveries = pruneDeliveries(stored, nowSeconds, limits);
	if (deliveries.some(([seenKey]) => seenKey === key)) {
		return { duplicate: true, deliveries: encodeDeliveries(deliveries) };
	}
	deliveries.push([key, nowSeconds]);
	return { duplicate: false, deliveries: encodeDeliveries(deliveries.slice(-limits.maxEntries)) };
}
