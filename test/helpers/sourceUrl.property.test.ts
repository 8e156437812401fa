/**
 * The canonical form of a source URL (helpers/sourceUrl.ts), searched with generated URLs and generated
 * spellings of them; the redirect policy's pure part (helpers/redirects.ts).
 */
import fc from 'fast-check';

import { chunkApart } from '../../nodes/AlibabaCloudVod/helpers/batching';
import { ItemInputError } from '../../nodes/AlibabaCloudVod/helpers/items';
import {
	headersFor,
	MAX_REDIRECTS,
	redirectTarget,
} from '../../nodes/AlibabaCloudVod/helpers/redirects';
import {
	canonicalUrl,
	looseUrlKey,
	refuseUrlList,
	sameUrl,
	urlKey,
	urlsInList,
} from '../../nodes/AlibabaCloudVod/helpers/sourceUrl';
import { propertyParams } from '../support/property';

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const SUB_DELIMS = "!$&'()*+,;=";

/** One character of a path segment or query: unreserved, reserved, encoded reserved, a stray space or non-ASCII. */
const pathAtom = fc.oneof(
	{ weight: 6, arbitrary: fc.constantFrom(...UNRESERVED) },
	{ weight: 2, arbitrary: fc.constantFrom(...SUB_DELIMS, ':', '@') },
	{ weight: 2, arbitrary: fc.constantFrom('%2C', '%2F', '%3F', '%23', '%25', '%3D', '%26', '%2B') },
	{ weight: 1, arbitrary: fc.constantFrom(' ', 'é', '中', '%E4%B8%AD') },
);
const segment = fc.array(pathAtom, { minLength: 1, maxLength: 8 }).map((atoms) => atoms.join(''));
const label = fc.stringMatching(/^[a-z0-9]{1,8}$/);

/** Generated http(s) URLs, parsed (so they are URLs), with a file name ending in .mp4. */
export const sourceUrls = fc
	.record({
		scheme: fc.constantFrom('http', 'https'),
		host: fc.oneof(
			fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'cn', 'net')).map(
				([labels, tld]) => [...labels, tld].join('.'),
			),
			fc.constant('127.0.0.1'),
		),
		port: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
		path: fc.array(segment, { minLength: 0, maxLength: 3 }),
		name: segment,
		query: fc.option(fc.array(fc.tuple(segment, segment), { minLength: 1, maxLength: 3 }), { nil: undefined }),
	})
	.map(({ scheme, host, port, path, name, query }) => {
		const q = query ? `?${query.map(([k, v]) => `${k.replace(/[&=#]/g, '')}=${v.replace(/[&#]/g, '')}`).join('&')}` : '';
		return `${scheme}://${host}${port ? `:${port}` : ''}/${[...path, name.replace(/[?#]/g, '')].join('/').replace(/[?#]/g, '')}.mp4${q}`;
	})
	.filter((text) => URL.canParse(text));

const hexCase = (hex: string, upper: boolean) => (upper ? hex.toUpperCase() : hex.toLowerCase());

/**
 * Another spelling of the same URL, as a person or a tool writes it: upper-case scheme and host letters,
 * the default port written out, unreserved characters percent-encoded, encodings in either hex case, a
 * fragment. `coin` decides each choice.
 */
function spell(canonical: string, coin: () => boolean): string {
	const url = new URL(canonical);
	const defaultPort = url.protocol === 'https:' ? '443' : '80';
	const flipCase = (text: string) =>
		[...text].map((c) => (coin() ? c.toUpperCase() : c)).join('');
	const prefix = `${url.protocol}//${url.host}`;
	const scheme = flipCase(url.protocol);
	const host = flipCase(url.hostname) + (url.port ? `:${url.port}` : coin() ? `:${defaultPort}` : '');
	let rest = '';
	const tail = canonical.slice(prefix.length);
	for (let i = 0; i < tail.length; i++) {
		const c = tail[i];
		if (c === '%' && /^[0-9A-F]{2}$/.test(tail.slice(i + 1, i + 3))) {
			rest += `%${hexCase(tail.slice(i + 1, i + 3), coin())}`;
			i += 2;
		} else if (UNRESERVED.includes(c) && coin()) {
			rest += `%${hexCase(c.charCodeAt(0).toString(16).padStart(2, '0'), coin())}`;
		} else {
			rest += c;
		}
	}
	return `${scheme}//${host}${rest}${coin() ? '#t=10' : ''}`;
}

const coins = fc.infiniteStream(fc.boolean()).map((stream) => {
	const iterator = stream[Symbol.iterator]();
	return () => iterator.next().value as boolean;
});

describe('canonical form of a source URL', () => {
	it('the reported spellings: %41bc is Abc, x%2Cy is not x,y', () => {
		expect(canonicalUrl('https://h.example/v/%41bc.mp4')).toBe('https://h.example/v/Abc.mp4');
		expect(sameUrl('https://h.example/v/%41bc.mp4', 'https://h.example/v/Abc.mp4')).toBe(true);
		expect(canonicalUrl('https://h.example/v/x%2cy.mp4')).toBe('https://h.example/v/x%2Cy.mp4');
		expect(sameUrl('https://h.example/v/x%2Cy.mp4', 'https://h.example/v/x,y.mp4')).toBe(false);
		expect(canonicalUrl('HTTPS://H.Example:443/a/./b/../c.mp4#t=1')).toBe('https://h.example/a/c.mp4');
		expect(canonicalUrl('http://h.example:80/a b.mp4?q=%7e')).toBe('http://h.example/a%20b.mp4?q=~');
	});

	it('every spelling of a URL has one canonical form, and that form is stable', () => {
		fc.assert(
			fc.property(sourceUrls, coins, (text, coin) => {
				const canonical = canonicalUrl(text);
				expect(canonicalUrl(canonical)).toBe(canonical);
				const spelling = spell(canonical, coin);
				expect(canonicalUrl(spelling)).toBe(canonical);
				expect(sameUrl(spelling, text)).toBe(true);
			}),
			propertyParams(500),
		);
	});

	it('a reserved character and its encoding stay different URLs', () => {
		fc.assert(
			fc.property(sourceUrls, fc.nat(), (text, pick) => {
				const canonical = canonicalUrl(text);
				const { origin, pathname, search } = new URL(canonical);
				const positions = [...pathname].flatMap((c, i) => (",;=!$&'()*+@:".includes(c) ? [i] : []));
				fc.pre(positions.length > 0);
				const at = positions[pick % positions.length];
				const hex = pathname.charCodeAt(at).toString(16).toUpperCase();
				const encoded = `${origin}${pathname.slice(0, at)}%${hex}${pathname.slice(at + 1)}${search}`;
				expect(canonicalUrl(encoded)).not.toBe(canonical);
				expect(sameUrl(encoded, canonical)).toBe(false);
				// ...but they share a loose key, so one UploadMediaByURL call never carries both
				expect(looseUrlKey(encoded)).toBe(looseUrlKey(canonical));
			}),
			propertyParams(300),
		);
	});

	it('VOD echoing the URL decoded or still encoded matches the same item', () => {
		fc.assert(
			fc.property(sourceUrls, (text) => {
				const canonical = canonicalUrl(text);
				expect(urlKey(canonical)).toBe(canonical);
				expect(urlKey(encodeURIComponent(canonical))).toBe(canonical);
			}),
			propertyParams(300),
		);
	});
});

describe('a list of URLs in one field', () => {
	it('is recognised whatever separates the URLs; one URL is not a list', () => {
		fc.assert(
			fc.property(
				fc.array(sourceUrls, { minLength: 2, maxLength: 25 }),
				fc.constantFrom(',', ', ', ';', '\n', ' ', ' , '),
				(urls, separator) => {
					const canonical = urls.map((url) => canonicalUrl(url));
					expect(urlsInList(canonical.join(separator))).toHaveLength(urls.length);
					for (const url of canonical) expect(urlsInList(url)).toEqual([]);
				},
			),
			propertyParams(200),
		);
	});

	it('is refused with the count and the fix', () => {
		const list = Array.from({ length: 21 }, (_, i) => `https://cdn.example.com/v/${i}.mp4?sig=s3cr3t`).join(',');
		let thrown: unknown;
		try {
			refuseUrlList(list, 'The Source URL');
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(ItemInputError);
		expect((thrown as ItemInputError).message).toMatch(/^The Source URL holds 21 URLs .*one item takes one URL/);
		expect((thrown as ItemInputError).message).not.toMatch(/s3cr3t/);
		expect((thrown as ItemInputError).fix).toMatch(/Split Out/);
	});
});

describe('chunkApart', () => {
	it('keeps every value once, chunks within size, no key twice in a chunk', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 80 }),
				fc.integer({ min: 1, max: 20 }),
				(keys, size) => {
					const values = keys.map((key, index) => ({ key, index }));
					const chunks = chunkApart(values, size, (v) => String(v.key));
					expect(chunks.flat().map((v) => v.index).sort((a, b) => a - b)).toEqual(values.map((v) => v.index));
					for (const c of chunks) {
						expect(c.length).toBeGreaterThan(0);
						expect(c.length).toBeLessThanOrEqual(size);
						expect(new Set(c.map((v) => v.key)).size).toBe(c.length);
					}
				},
			),
			propertyParams(300),
		);
	});
});

describe('redirect policy', () => {
	const named = 'https://media.example.com/v/a.mp4';
	const secret = { Authorization: 'Bearer t', 'X-Api-Key': 'k' };

	it("sends the user's headers only to the origin the user named", () => {
		expect(headersFor('https://media.example.com/other/b.mp4?x=1', named, secret)).toBe(secret);
		expect(headersFor('https://MEDIA.example.com:443/b.mp4', named, secret)).toBe(secret);
		for (const other of [
			'https://bucket.oss-cn-shanghai.aliyuncs.com/a.mp4?Signature=s',
			'http://media.example.com/v/a.mp4', // downgrade to http
			'https://media.example.com:8443/v/a.mp4', // another port
			'https://evil.media.example.com/v/a.mp4',
		]) {
			expect(headersFor(other, named, secret)).toEqual({});
		}
	});

	it('resolves relative Locations and refuses loops, long chains, empty and non-http targets', () => {
		expect(redirectTarget(named, 302, '/v/b.mp4', [named])).toBe('https://media.example.com/v/b.mp4');
		expect(() => redirectTarget(named, 302, undefined, [named])).toThrow(/HTTP 302 \(a redirect\) without/);
		expect(() => redirectTarget(named, 301, 'ftp://x/a.mp4', [named])).toThrow(/ftp address/);
		expect(() => redirectTarget('https://media.example.com/b', 302, named, [named, 'https://media.example.com/b'])).toThrow(/in a loop/);
		const chain = Array.from({ length: MAX_REDIRECTS + 1 }, (_, i) => `https://media.example.com/${i}`);
		expect(() => redirectTarget(chain.at(-1)!, 302, '/next', chain)).toThrow(new RegExp(`more than ${MAX_REDIRECTS} times`));
		expect(redirectTarget(chain.at(-2)!, 302, '/next', chain.slice(0, -1))).toBe('https://media.example.com/next');
	});
});
