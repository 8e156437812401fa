/**
 * One rule for titles, descriptions, tags and Extend: every operation gives the same verdict on the same
 * text, and the emulator (standing for VOD) accepts exactly what the node sends.
 */
import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import OSS from 'ali-oss';
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { checkMetadata, parseUserData } from '../emulator/vod/validate';
import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';
import { propertyParams } from '../support/property';
import { checkFileName, derivedUploadFileName } from '../../nodes/AlibabaCloudVod/helpers/uploadValidation';
import {
	buildUserData,
	checkTags,
	checkText,
	checkDescription,
	checkHttpUrl,
	checkUserData,
	derivedFileName,
	derivedTitle,
	LIMITS,
	titleFromFileName,
} from '../../nodes/AlibabaCloudVod/helpers/metadataValidation';

const bed = useTestBed();

/** Pieces that tell character rules apart: emoji, flags, ZWJ sequences, keycaps, text symbols, CJK, marks. */
const PIECES = [
	'🇨🇳', '🇯🇵', '👨‍👩‍👧', '👍🏽', '1️⃣', '❤️', '❤', '✅', '⌚', '☺', '™', '©', '®', '℗', '→', '★',
	'视频', '動画', '한국어', '𠀀', 'é', 'e\u0301', 'a\u0308\u0301', '\u200d', '\u200b', 'ß', 'Ω', ' ', ',', '"', "'",
	'<b>', '\\', 'Launch', 'Acme', '2024', '\t', '\u00a0',
	// not text: C0 and C1 controls, line breaks, lone surrogates (half of a 4-byte character)
	'\u0000', '\n', '\r\n', '\u001b', '\u007f', '\u0085', '\u009f', '\ud83c', '\udfac', '\ud800x',
];
const textArb = fc
	.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: 'grapheme', maxLength: 6 })), {
		maxLength: 30,
	})
	.map((parts) => parts.join(''));
/** What a mapped expression may hand the node instead of text. */
const NOT_TEXT: unknown[] = [{ title: 'Launch' }, ['Launch'], ['a', 'b'], true, {}];

function nodeVerdict(check: () => unknown): 'accepted' | 'refused' {
	try {
		check();
		return 'accepted';
	} catch {
		return 'refused';
	}
}

describe('the metadata rule', () => {
	test('titles from the outside report: flags refused, text symbols accepted', () => {
		expect(() => checkText('Title', 'Launch 🇨🇳', LIMITS.titleBytes)).toThrow(/"🇨🇳".*U\+1F1E8.*refuses/);
		expect(checkText('Title', 'Acme™ ©2024 ®', LIMITS.titleBytes)).toBe('Acme™ ©2024 ®');
		expect(checkText('Title', '视频 é', LIMITS.titleBytes)).toBe('视频 é');
		expect(() => checkText('Title', 'done ✅', LIMITS.titleBytes)).toThrow(/emoji/);
	});

	test('values that are not text are named, never sent as "[object Object]"', () => {
		expect(() => checkText('Title', { title: 'x' }, LIMITS.titleBytes)).toThrow(/^Title is an object, not text/);
		expect(() => checkText('Title', ['x'], LIMITS.titleBytes)).toThrow(/^Title is a list of 1 value, not text/);
		expect(() => checkTags([{ tag: 'x' }])).toThrow(/^A tag is an object, not text/);
		expect(() => checkDescription(false)).toThrow(/^Description is the boolean false, not text/);
		expect(checkText('Title', 2024, LIMITS.titleBytes)).toBe('2024');
	});

	test('control characters and lone surrogates are refused in what the user gives', () => {
		expect(() => checkText('Title', 'a\u0000b', LIMITS.titleBytes)).toThrow(/control character U\+0000/);
		expect(() => checkText('Title', 'a\nb', LIMITS.titleBytes)).toThrow(/control character U\+000A/);
		expect(() => checkText('Title', 'a\u0085b', LIMITS.titleBytes)).toThrow(/U\+0085/);
		expect(() => checkText('Title', 'bad\ud83d', LIMITS.titleBytes)).toThrow(/lone surrogate/);
		expect(() => checkTags('ok,a\u0007b')).toThrow(/U\+0007/);
		expect(() => checkDescription('x\udc00')).toThrow(/lone surrogate/);
		// a description is the one field with more than one line
		expect(checkDescription('line one\n\tline two')).toBe('line one\n\tline two');
		expect(() => checkDescription('a\u0000b')).toThrow(/U\+0000/);
	});

	test('derived titles and file names drop control characters: %00x is "x.mp4", a%0Ab is "a b.mp4"', () => {
		expect(derivedFileName('\u0000x.mp4')).toBe('x.mp4');
		expect(derivedFileName('a\nb.mp4')).toBe('a b.mp4');
		expect(derivedFileName('a\ud800b.mp4')).toBe('a b.mp4');
		expect(derivedFileName('a/b.mp4')).toBe('a_b.mp4');
		expect(titleFromFileName('a/b.mp4', 'x')).toBe('a_b');
		expect(titleFromFileName('\u0000x.mp4', 'y')).toBe('x');
		expect(derivedTitle('\u0000\u0001', 'host\u0000')).toBe('host');
	});

	test('Cover URL and Callback URL: one http(s) rule', () => {
		for (const bad of ['javascript:x', 'data:text/html,x', 'file:///etc/passwd', 'not a url']) {
			expect(() => checkHttpUrl('Cover URL', bad)).toThrow(/is not an http\(s\) URL/);
			expect(() => buildUserData(bad, undefined)).toThrow(/Callback URL .* is not an http\(s\) URL/);
		}
		expect(() => checkHttpUrl('Cover URL', { url: 'https://x' })).toThrow(/Cover URL is an object/);
		expect(checkHttpUrl('Cover URL', ' https://cdn.example.com/a.jpg ')).toBe('https://cdn.example.com/a.jpg');
		expect(checkHttpUrl('Cover URL', '')).toBeUndefined();
	});

	test('the emulator refuses exactly the Title, Description and Tags the node refuses', () => {
		fc.assert(
			fc.property(textArb, fc.constantFrom('Title', 'Description', 'Tags'), (text, field) => {
				const node = nodeVerdict(() =>
					field === 'Tags'
						? checkTags(text)
						: field === 'Title'
							? checkText(field, text, LIMITS.titleBytes)
							: checkDescription(text),
				);
				// the node trims and normalises before sending; the emulator sees what is sent
				const sent = field === 'Tags' ? checkTagsOrRaw(text) : text.trim();
				const emulated = nodeVerdict(() => checkMetadata({ [field]: sent }));
				expect(emulated).toBe(node);
			}),
			propertyParams(400),
		);
	});

	test('a derived title is never refused, fits 128 bytes and never splits a character', () => {
		fc.assert(
			fc.property(textArb, fc.string({ unit: 'grapheme', maxLength: 200 }), (a, b) => {
				const title = derivedTitle(a + b + '视'.repeat(60), 'example.com');
				expect(checkText('Title', title, LIMITS.titleBytes, { required: true })).toBe(title);
				expect(Buffer.from(title, 'utf8').toString('utf8')).toBe(title);
				expect(title).not.toMatch(/[\uD800-\uDFFF]/u);
				// the name Upload derives from a source's name
				const fileName = derivedUploadFileName(`${a}${b}.mp4`);
				expect(checkFileName(fileName, ['mp4'], 'video')).toBe(fileName);
			}),
			propertyParams(300),
		);
	});

	test('Extend: one rule for the separate field and for User Data, and the emulator agrees on size', () => {
		fc.assert(
			fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
				const viaField = nodeVerdict(() => buildUserData('', JSON.stringify(value)));
				// VOD's docs nest Extend in UserData both as a JSON string and as an object
				expect(nodeVerdict(() => checkUserData({ Extend: JSON.stringify(value) }))).toBe(viaField);
				if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
					expect(nodeVerdict(() => checkUserData({ Extend: value }))).toBe(viaField);
				}
				if (viaField === 'accepted') {
					const sent = buildUserData('', JSON.stringify(value));
					expect(() => parseUserData(sent)).not.toThrow();
				}
			}),
			propertyParams(300),
		);
		expect(() => buildUserData('', '[1,2]')).toThrow(/not a JSON object/);
		expect(() => buildUserData('', JSON.stringify({ id: 'x'.repeat(520) }))).toThrow(/bytes; VOD accepts at most 512/);
		expect(buildUserData('', '{}')).toBeUndefined();
	});
});

function checkTagsOrRaw(text: string) {
	try {
		return checkTags(text);
	} catch {
		return text;
	}
}

/** Each text goes in as Title and as Description: one item per text, run through every operation. */
describe('every operation gives the same verdict', () => {
	const fixed = ['Launch 🇨🇳', 'Acme™ ©2024', '视频 ✅', '👨‍👩‍👧 family', 'Cafe\u0301 ★', 'x'.repeat(129)];
	const texts: unknown[] = [
		...fixed,
		'a\u0000b',
		'line\nbreak',
		'half \ud83c',
		...NOT_TEXT,
		...fc.sample(textArb, { seed: 20261201, numRuns: 24 }),
	];

	async function outputs(parameters: INodeParameters, items: INodeExecutionData[]) {
		const result = await runWorkflow({
			nodes: [startNode(), vodNode('VOD', parameters, undefined, { onError: 'continueRegularOutput' })],
			connections: chain('Start', 'VOD'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: items,
		});
		const out = result.output('VOD');
		expect(out).toHaveLength(items.length);
		return out;
	}

	async function run(parameters: INodeParameters, items: INodeExecutionData[]) {
		return (await outputs(parameters, items)).map((item) => (item.json.error ? 'refused' : 'accepted'));
	}

	async function ossObjects(count: number) {
		const bucket = bed.emulator.state.vod.bucket;
		const oss = new OSS({
			...bed.emulator.accessKey,
			endpoint: bed.emulator.ossEndpoint,
			bucket,
			region: 'oss-cn-shanghai',
		} as OSS.Options);
		const urls: string[] = [];
		for (let i = 0; i < count; i++) {
			const key = `agree/${randomBytes(4).toString('hex')}-${i}.mp4`;
			await oss.put(key, randomBytes(64));
			urls.push(`${bed.emulator.ossEndpoint}/${bucket}/${key}`);
		}
		return urls;
	}

	test.each(['Title', 'Description'])(
		'URL Upload → Submit, Upload → From URL and Media → Register agree with the rule (%s)',
		async (field) => {
			const expected = texts.map((text) =>
				nodeVerdict(() =>
					field === 'Title'
						? checkText('Title', text, LIMITS.titleBytes, { required: true })
						: checkDescription(text),
				),
			);
			// the field under test takes the text; the other one a text every rule accepts
			const title = field === 'Title' ? '={{ $json.text }}' : 'Fine';
			const description = field === 'Description' ? '={{ $json.text }}' : 'Fine';
			const urls = texts.map((_, i) => bed.sources.url(`/files/clip-${i}.mp4?size=64`));
			const items = texts.map((text, i) => ({ json: { text, url: urls[i] } as INodeExecutionData['json'] }));
			const submit = await run(
				{
					resource: 'urlUpload',
					operation: 'submit',
					sourceUrl: '={{ $json.url }}',
					title,
					options: { description },
				},
				items,
			);
			const upload = await run(
				{
					resource: 'upload',
					operation: 'uploadFromUrl',
					url: '={{ $json.url }}',
					title,
					referenceIdMode: 'none',
					mediaOptions: { description },
				},
				items,
			);
			const registerUrls = await ossObjects(texts.length);
			const register = await run(
				{
					resource: 'media',
					operation: 'register',
					fileUrl: '={{ $json.url }}',
					title,
					additionalFields: { description },
				},
				texts.map((text, i) => ({ json: { text, url: registerUrls[i] } as INodeExecutionData['json'] })),
			);
			// an empty title counts as "not given" for Submit and Upload (they derive one): compare the rest
			const comparable = texts.map(
				(text) => field !== 'Title' || typeof text !== 'string' || text.trim() !== '',
			);
			const pick = (verdicts: string[]) => verdicts.filter((_, i) => comparable[i]);
			expect(pick(submit)).toEqual(pick(expected));
			expect(pick(upload)).toEqual(pick(expected));
			expect(pick(register)).toEqual(pick(expected));
			// 129 bytes: too long for a Title, not for a Description
			const long = field === 'Title' ? 'refused' : 'accepted';
			expect(expected.slice(0, 6)).toEqual(['refused', 'accepted', 'refused', 'refused', 'accepted', long]);
			// NUL, a lone surrogate and every value that is not text are refused; a line break only in a Title
			expect(expected.slice(6, 9 + NOT_TEXT.length)).toEqual([
				'refused',
				field === 'Title' ? 'refused' : 'accepted',
				...new Array(1 + NOT_TEXT.length).fill('refused'),
			]);
		},
	);

	test('a title or file name derived from a URL is cleaned and clipped, not refused, in Submit and Upload', async () => {
		const name = encodeURIComponent('视频'.repeat(40) + ' final');
		const items = [{ json: { url: bed.sources.url(`/files/${name}.mp4?size=64`) } }];
		const [submitted] = await outputs({ resource: 'urlUpload', operation: 'submit', sourceUrl: '={{ $json.url }}', title: '' }, items);
		expect(submitted.json.error).toBeUndefined();
		expect(submitted.json.title).toBe('视频'.repeat(21));
		const [uploaded] = await outputs(
			{ resource: 'upload', operation: 'uploadFromUrl', url: '={{ $json.url }}', title: '', referenceIdMode: 'none' },
			items,
		);
		expect(uploaded.json.error).toBeUndefined();
		expect(uploaded.json.title).toBe(submitted.json.title);

		const [emoji] = await outputs(
			{ resource: 'upload', operation: 'uploadFromUrl', url: '={{ $json.url }}', title: '', referenceIdMode: 'none' },
			[{ json: { url: bed.sources.url(`/files/${encodeURIComponent('🎬 intro ✅')}.mp4?size=64`) } }],
		);
		expect(emoji.json).toMatchObject({ fileName: 'intro.mp4', title: 'intro' });
	});

	test('Submit and Upload derive one title and file name: a%2Fb is "a_b", %00x is "x", a%0Ab is "a b"', async () => {
		const names = ['a%2Fb', '%00x', 'a%0Ab', 'c%E2%80%A8d%C2%85e'];
		const items = names.map((name) => ({ json: { url: bed.sources.url(`/files/${name}.mp4?size=64`) } }));
		const submitted = await outputs(
			{ resource: 'urlUpload', operation: 'submit', sourceUrl: '={{ $json.url }}', title: '' },
			items,
		);
		const uploaded = await outputs(
			{ resource: 'upload', operation: 'uploadFromUrl', url: '={{ $json.url }}', title: '', referenceIdMode: 'none' },
			items,
		);
		expect(submitted.map((item) => item.json.error)).toEqual(names.map(() => undefined));
		expect(uploaded.map((item) => item.json.error)).toEqual(names.map(() => undefined));
		expect(submitted.map((item) => item.json.title)).toEqual(['a_b', 'x', 'a b', 'c d e']);
		expect(uploaded.map((item) => item.json.title)).toEqual(submitted.map((item) => item.json.title));
		expect(uploaded.map((item) => item.json.fileName)).toEqual(['a_b.mp4', 'x.mp4', 'a b.mp4', 'c d e.mp4']);
	});

	test('a javascript: Cover URL is refused by Submit, Upload and Register alike, before any call', async () => {
		const url = bed.sources.url('/files/cover.mp4?size=64');
		const [registerUrl] = await ossObjects(1);
		const cover = { coverUrl: 'javascript:x' };
		const runs = await Promise.all([
			outputs({ resource: 'urlUpload', operation: 'submit', sourceUrl: url, title: 't', options: cover }, [{ json: {} }]),
			outputs(
				{ resource: 'upload', operation: 'uploadFromUrl', url, title: 't', referenceIdMode: 'none', mediaOptions: cover },
				[{ json: {} }],
			),
			outputs({ resource: 'media', operation: 'register', fileUrl: registerUrl, title: 't', additionalFields: cover }, [
				{ json: {} },
			]),
		]);
		for (const [item] of runs) expect(item.json.error).toMatch(/^\[item 0\] Cover URL "javascript:x" is not an http\(s\) URL/);
		expect([...bed.emulator.state.vod.callCounts.keys()]).toEqual([]);
	});

	test('Submit and Upload name a Title or File Name that is an object, rather than sending "[object Object]"', async () => {
		const url = bed.sources.url('/files/obj.mp4?size=64');
		const items = [{ json: { value: { name: 'intro' } } as INodeExecutionData['json'] }];
		const [submitted] = await outputs(
			{ resource: 'urlUpload', operation: 'submit', sourceUrl: url, title: '={{ $json.value }}' },
			items,
		);
		expect(submitted.json.error).toMatch(/^\[item 0\] Title is an object, not text/);
		const [uploaded] = await outputs(
			{
				resource: 'upload',
				operation: 'uploadFromUrl',
				url,
				title: 't',
				referenceIdMode: 'none',
				mediaOptions: { fileName: '={{ $json.value }}' },
			},
			items,
		);
		expect(uploaded.json.error).toMatch(/^\[item 0\] File Name is an object, not text/);
		expect([...bed.emulator.state.vod.callCounts.keys()]).toEqual([]);
	});
});
