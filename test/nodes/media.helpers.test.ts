import { batchByGroup } from '../../nodes/AlibabaCloudVod/helpers/mediaBatches';
import {
	checkCategoryId,
	checkFileUrl,
	checkReferenceId,
	checkVideoId,
} from '../../nodes/AlibabaCloudVod/helpers/mediaValidation';
import {
	checkTags,
	checkText,
	checkUserData,
} from '../../nodes/AlibabaCloudVod/helpers/metadataValidation';
import { ItemInputError } from '../../nodes/AlibabaCloudVod/helpers/items';
import {
	buildSearchMatch,
	quoteMatchValue,
	toVodTime,
} from '../../nodes/AlibabaCloudVod/helpers/searchMatch';

describe('buildSearchMatch', () => {
	test('nothing to filter on gives no statement', () => {
		expect(buildSearchMatch({})).toBeUndefined();
		expect(buildSearchMatch({ statuses: [], title: '  ', match: '' })).toBeUndefined();
	});

	test('every simple filter, combined with and, in VOD syntax', () => {
		expect(
			buildSearchMatch({
				statuses: ['Normal', 'Checking'],
				title: 'Music',
				categoryId: '1000',
				createdAfter: '2018-01-01T00:00:00Z',
				createdBefore: '2018-02-01T00:00:00Z',
			}),
		).toBe(
			"Status in ('Normal','Checking') and Title = 'Music' and CateId = 1000 and " +
				"CreationTime = ('2018-01-01T00:00:00Z','2018-02-01T00:00:00Z')",
		);
	});

	test('one-sided time range leaves the other side empty', () => {
		expect(buildSearchMatch({ createdAfter: '2018-01-01T00:00:00Z' })).toBe(
			"CreationTime = ('2018-01-01T00:00:00Z',)",
		);
		expect(buildSearchMatch({ createdBefore: '2018-01-01T00:00:00Z' })).toBe(
			"CreationTime = (,'2018-01-01T00:00:00Z')",
		);
	});

	test('the raw statement is ANDed after the simple filters', () => {
		expect(
			buildSearchMatch({ statuses: ['Normal'], match: " (Tags = 'a' or Tags = 'b') " }),
		).toBe("Status in ('Normal') and (Tags = 'a' or Tags = 'b')");
	});

	test('quotes and backslashes in a value cannot end it early', () => {
		expect(quoteMatchValue("Don't")).toBe("'Don\\'t'");
		expect(quoteMatchValue('a\\b')).toBe("'a\\\\b'");
		expect(quoteMatchValue("x\\' or Title = '")).toBe("'x\\\\\\' or Title = \\''");
		expect(buildSearchMatch({ title: "it's" })).toBe("Title = 'it\\'s'");
	});

	test('category must be a whole number', () => {
		expect(() => buildSearchMatch({ categoryId: "1 or 1=1" })).toThrow(/whole number/);
		expect(buildSearchMatch({ categoryId: 7 })).toBe('CateId = 7');
	});
});

describe('toVodTime', () => {
	test('zoned values keep their zone, output is UTC without milliseconds', () => {
		expect(toVodTime('2024-05-01T08:00:00+08:00')).toBe('2024-05-01T00:00:00Z');
		expect(toVodTime('2024-05-01T00:00:00.123Z')).toBe('2024-05-01T00:00:00Z');
		expect(toVodTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe('2024-01-02T03:04:05Z');
	});

	test("zone-less values are read in the workflow's time zone, DST included", () => {
		expect(toVodTime('2024-05-01T00:00:00', 'Asia/Shanghai')).toBe('2024-04-30T16:00:00Z');
		expect(toVodTime('2024-07-01T12:00:00', 'Europe/Berlin')).toBe('2024-07-01T10:00:00Z');
		expect(toVodTime('2024-01-01T12:00:00', 'Europe/Berlin')).toBe('2024-01-01T11:00:00Z');
		expect(toVodTime('2024-01-01', 'UTC')).toBe('2024-01-01T00:00:00Z');
	});

	test('garbage is refused', () => {
		expect(() => toVodTime('yesterday')).toThrow(/not a date/);
	});
});

describe('batchByGroup', () => {
	const ids = (batches: Array<Array<{ id: string }>>) => batches.map((b) => b.map((e) => e.id));

	test('splits 45 ids into 20 + 20 + 5', () => {
		const entries = Array.from({ length: 45 }, (_, i) => ({ id: `v${i}` }));
		const batches = batchByGroup(entries, () => '', (e) => e.id, 20);
		expect(batches.map((b) => b.length)).toEqual([20, 20, 5]);
		expect(batches.flat()).toEqual(entries);
	});

	test('only entries of one group share a call; a repeated id joins its batch', () => {
		const entries = [
			{ id: 'a', g: 'x' },
			{ id: 'b', g: 'y' },
			{ id: 'c', g: 'x' },
			{ id: 'a', g: 'x' },
			{ id: 'd', g: 'x' },
		];
		const batches = batchByGroup(entries, (e) => e.g, (e) => e.id, 2);
		expect(ids(batches)).toEqual([['a', 'c', 'a'], ['b'], ['d']]);
	});

	test('refuses a batch size below 1', () => {
		expect(() => batchByGroup([], () => '', () => '', 0)).toThrow();
	});
});

describe('media validation', () => {
	const fixOf = (fn: () => unknown) => {
		try {
			fn();
		} catch (error) {
			expect(error).toBeInstanceOf(ItemInputError);
			return (error as ItemInputError).fix;
		}
		throw new Error('expected a ItemInputError');
	};

	test('video ids: real ones pass, broken ones are refused with a fix', () => {
		expect(checkVideoId(' 93ab850b4f6f54b6e91d24d81d4400aa ')).toBe('93ab850b4f6f54b6e91d24d81d4400aa');
		expect(checkVideoId('43q9fjdun3f')).toBe('43q9fjdun3f');
		expect(fixOf(() => checkVideoId(''))).toMatch(/Video ID/);
		expect(fixOf(() => checkVideoId('a,b'))).toMatch(/one ID per item/);
		expect(fixOf(() => checkVideoId('https://x/y.mp4'))).toMatch(/not its address/);
	});

	test('reference ids follow the 6–64 rule', () => {
		expect(checkReferenceId('ref_123')).toBe('ref_123');
		expect(() => checkReferenceId('abc')).toThrow(ItemInputError);
		expect(() => checkReferenceId('has space')).toThrow(ItemInputError);
	});

	test('text limits count UTF-8 bytes and refuse emoji', () => {
		expect(checkText('Title', 'a'.repeat(128), 128)).toHaveLength(128);
		expect(() => checkText('Title', '视'.repeat(43), 128)).toThrow(/129 bytes/);
		expect(() => checkText('Title', 'fun 🎉', 128)).toThrow(/emoji/);
		expect(() => checkText('Title', ' ', 128, { required: true })).toThrow(/empty/);
		expect(checkText('Description', '', 1024)).toBeUndefined();
	});

	test('tags: at most 16 of at most 32 bytes', () => {
		expect(checkTags(' a, b ,,c ')).toBe('a,b,c');
		expect(() => checkTags(Array.from({ length: 17 }, (_, i) => `t${i}`).join(','))).toThrow(/17 tags/);
		expect(() => checkTags('x'.repeat(33))).toThrow(/33 bytes/);
	});

	test('file URL, category and user data', () => {
		expect(checkFileUrl(' https://b.oss-cn-shanghai.aliyuncs.com/a.mp4 ')).toBe(
			'https://b.oss-cn-shanghai.aliyuncs.com/a.mp4',
		);
		expect(() => checkFileUrl('oss://b/a.mp4')).toThrow(/not an http/);
		expect(() => checkFileUrl('not a url')).toThrow(/not a URL/);
		expect(checkCategoryId('12')).toBe(12);
		expect(() => checkCategoryId('x')).toThrow(ItemInputError);
		expect(checkUserData('{"Extend":{"a":1}}')).toBe('{"Extend":{"a":1}}');
		expect(() => checkUserData({ Extend: 'x' })).toThrow(/Extend is not valid JSON/);
		expect(checkUserData({ Extend: '{"a": 1}' })).toBe('{"Extend":{"a":1}}');
		expect(() => checkUserData('{nope')).toThrow(/not valid JSON/);
		expect(() => checkUserData('[1]')).toThrow(/not a JSON object/);
	});
});
