import {
	lowerBound,
	MAX_SEEN,
	observe,
	prune,
	readCursor,
	type PollCursor,
} from '../../nodes/AlibabaCloudVod/pollTrigger/cursor';

const OVERLAP = 120_000;
const cursorAt = (watermark: number): PollCursor => ({ v: 1, floor: 0, watermark, seen: {} });

describe('poll trigger cursor', () => {
	test('readCursor copies a valid cursor and refuses anything else', () => {
		const valid = { v: 1, floor: 5, watermark: 9, resumeFrom: 7, seen: { a: ['Normal', 3], b: 'junk' } };
		expect(readCursor(valid)).toEqual({ v: 1, floor: 5, watermark: 9, resumeFrom: 7, seen: { a: ['Normal', 3] } });
		expect(readCursor(valid)!.seen).not.toBe(valid.seen);
		for (const bad of [undefined, null, 'x', { v: 2, floor: 0, watermark: 0 }, { v: 1, floor: '0', watermark: 0 }]) {
			expect(readCursor(bad)).toBeUndefined();
		}
	});

	test('observe: news is a status other than the last one emitted; a stale reading is never news', () => {
		const cursor = cursorAt(0);
		expect(observe(cursor, { mediaId: 'm', status: 'Uploading', modifiedAt: 10_000 })).toEqual({ emit: true, previous: undefined });
		expect(observe(cursor, { mediaId: 'm', status: 'Uploading', modifiedAt: 12_000 })).toEqual({ emit: false, previous: 'Uploading' });
		expect(observe(cursor, { mediaId: 'm', status: 'Normal', modifiedAt: 13_000 })).toEqual({ emit: true, previous: 'Uploading' });
		expect(observe(cursor, { mediaId: 'm', status: 'Uploading', modifiedAt: 11_000 })).toEqual({ emit: false, previous: 'Normal' });
		expect(cursor.seen.m).toEqual(['Normal', 13]);
	});

	test('lowerBound: resume point while draining, else one overlap before the watermark, never below the floor', () => {
		expect(lowerBound({ ...cursorAt(1_000_000), floor: 0 }, OVERLAP)).toBe(880_000);
		expect(lowerBound({ ...cursorAt(1_000_000), floor: 950_000 }, OVERLAP)).toBe(950_000);
		expect(lowerBound({ ...cursorAt(1_000_000), resumeFrom: 400_000 }, OVERLAP)).toBe(400_000);
	});

	test('prune keeps what the next poll can re-read (plus one overlap), at most MAX_SEEN', () => {
		const cursor = cursorAt(1_000_000);
		cursor.seen = { old: ['Normal', 600], keep: ['Normal', 770], needed: ['Normal', 900] };
		prune(cursor, OVERLAP);
		expect(Object.keys(cursor.seen).sort()).toEqual(['keep', 'needed']);
		expect(cursor.floor).toBe(0);
	});

	test('prune: a burst larger than MAX_SEEN moves the floor past what it forgets, a second at a time', () => {
		const cursor = cursorAt(1_000_000);
		// MAX_SEEN + 10 changes inside the re-read window (from 880 s), 9 per second
		for (let i = 0; i < MAX_SEEN + 10; i++) cursor.seen[`m${i}`] = ['Normal', 1000 - Math.floor(i / 9)];
		prune(cursor, OVERLAP);
		const kept = Object.values(cursor.seen).map(([, s]) => s);
		const oldestKept = Math.min(...kept);
		expect(kept.length).toBeLessThanOrEqual(MAX_SEEN);
		expect(cursor.floor).toBe(oldestKept * 1000);
		// every remembered second is whole: nothing at or after the floor is forgotten
		expect(kept.filter((s) => s === oldestKept)).toHaveLength(9);
		expect(lowerBound(cursor, OVERLAP)).toBe(cursor.floor);
	});
});
