import type { IDataObject } from 'n8n-workflow';

/**
 * The poll trigger's cursor, kept in the node's static data (n8n saves it with the workflow whenever a
 * poll emits, and at activation). Times are VOD's own ModificationTime values, never the n8n host's
 * clock, so a skewed host clock cannot open a gap. Small and bounded: a few numbers and at most
 * `MAX_SEEN` (media ID → status) pairs.
 *
 * How it is read: each poll asks SearchMedia for media with ModificationTime ≥ `lowerBound()`, oldest
 * first. After a poll that read to the end, the next one starts `overlapMs` before the newest change it
 * saw, so a media that VOD's search index lists a little late is still found; the `seen` pairs keep
 * those re-read media from being emitted twice. A poll that stops early (its item or time budget ran
 * out) leaves `resumeFrom`: the ModificationTime of the last media it handled. The media at exactly that
 * second that it did handle are in `seen`, so the next poll continues from there without repeats.
 */
export interface PollCursor {
	v: 1;
	/**
	 * changes before this (ms) are never read: the start for "from now on", 0 with Include Existing;
	 * moved forward past changes that no longer fit in `seen`
	 */
	floor: number;
	/** the newest ModificationTime (ms) read by a poll that reached the end of the results */
	watermark: number;
	/** while a backlog is drained: the ModificationTime (ms) the next poll continues from */
	resumeFrom?: number;
	/** media ID → [status last emitted (or found at the start), its ModificationTime in Unix seconds] */
	seen: Record<string, [string, number]>;
}

export const CURSOR_VERSION = 1;
/** Pairs kept at most (~55 bytes each in the saved JSON). */
export const MAX_SEEN = 1000;

function isSeenEntry(value: unknown): value is [string, number] {
	return (
		Array.isArray(value) &&
		value.length === 2 &&
		typeof value[0] === 'string' &&
		typeof value[1] === 'number' &&
		Number.isFinite(value[1])
	);
}

/** A copy of the stored cursor, or undefined when there is none or it is not one this code wrote. */
export function readCursor(stored: unknown): PollCursor | undefined {
	if (typeof stored !== 'object' || stored === null) return undefined;
	const value = stored as IDataObject;
	if (value.v !== CURSOR_VERSION) return undefined;
	if (typeof value.floor !== 'number' || typeof value.watermark !== 'number') return undefined;
	const seen: PollCursor['seen'] = {};
	if (typeof value.seen === 'object' && value.seen !== null) {
		for (const [id, entry] of Object.entries(value.seen as IDataObject)) {
			if (isSeenEntry(entry)) seen[id] = [entry[0], entry[1]];
		}
	}
	const cursor: PollCursor = { v: 1, floor: value.floor, watermark: value.watermark, seen };
	if (typeof value.resumeFrom === 'number') cursor.resumeFrom = value.resumeFrom;
	return cursor;
}

/** Where the next poll starts reading (ms, inclusive). */
export function lowerBound(cursor: PollCursor, overlapMs: number): number {
	if (cursor.resumeFrom !== undefined) return Math.max(cursor.floor, cursor.resumeFrom);
	return Math.max(cursor.floor, cursor.watermark - overlapMs);
}

export interface Change {
	mediaId: string;
	status: string;
	/** ModificationTime, ms */
	modifiedAt: number;
}

/**
 * Records a media the poll read. Returns the status this trigger last emitted for it (`previous`) and
 * whether this reading is news: a status other than the last one emitted. A reading older than the one
 * remembered (a stale copy from the search index) is never news.
 */
export function observe(cursor: PollCursor, change: Change): { emit: boolean; previous?: string } {
	const seconds = Math.floor(change.modifiedAt / 1000);
	const known = cursor.seen[change.mediaId];
	if (known && seconds < known[1]) return { emit: false, previous: known[0] };
	cursor.seen[change.mediaId] = [change.status, seconds];
	if (known && known[0] === change.status) return { emit: false, previous: known[0] };
	return { emit: true, previous: known?.[0] };
}

/**
 * Drops the pairs the next poll cannot need: those older than where it starts reading, less one more
 * overlap (a media edited again soon after, without a status change, is then still recognised), and
 * keeps the newest `maxSeen`. When more changes than that fall inside the re-read window (a burst, or a
 * dense backlog just drained), the pairs that had to go would come back as repeats: `floor` then moves
 * past them, so the re-check window shrinks to the changes still remembered rather than report
 * thousands of changes a second time.
 */
export function prune(cursor: PollCursor, overlapMs: number, maxSeen = MAX_SEEN): void {
	const needFromSeconds = Math.floor(lowerBound(cursor, overlapMs) / 1000);
	const keepFromSeconds = Math.floor((lowerBound(cursor, overlapMs) - overlapMs) / 1000);
	const recent = Object.entries(cursor.seen)
		.filter(([, [, seconds]]) => seconds >= keepFromSeconds)
		.sort((a, b) => b[1][1] - a[1][1]);
	let kept = recent.slice(0, maxSeen);
	const firstDropped = recent[maxSeen]?.[1][1];
	if (firstDropped !== undefined && firstDropped >= needFromSeconds) {
		cursor.floor = Math.max(cursor.floor, (firstDropped + 1) * 1000);
		// a second is remembered whole or not at all
		kept = kept.filter(([, [, seconds]]) => seconds > firstDropped);
	}
	cursor.seen = Object.fromEntries(kept);
}
