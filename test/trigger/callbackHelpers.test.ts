import { createHash } from 'node:crypto';
import fc from 'fast-check';

import { markedCallbackUrl, registeringWorkflowOf, unmarkedCallbackUrl } from '../../nodes/AlibabaCloudVod/helpers/callbackUrl';

import {
	callbackDeliveryKey,
	countRememberedDeliveries,
	decodeDeliveries,
	encodeDeliveries,
	pruneDeliveries,
	recordDelivery,
} from '../../nodes/AlibabaCloudVod/helpers/callbackDedup';
import {
	CallbackPayloadError,
	eventOutcome,
	normaliseVodEvent,
} from '../../nodes/AlibabaCloudVod/helpers/callbackEvent';
import {
	authKeyProblem,
	computeCallbackSignature,
	verifyCallbackSignature,
} from '../../nodes/AlibabaCloudVod/helpers/callbackSignature';
import { alibabaCloudVodCallbackApiTest } from '../../nodes/AlibabaCloudVod/trigger/callbackCredentialTest';

const URL = 'https://n8n.example.com/webhook/abc/webhook';
const KEY = 'CurrentKey123';
const OLD_KEY = 'PreviousKey456';
const NOW_MS = 1_700_000_000_000;
const TS = String(NOW_MS / 1000);

describe('callback signature', () => {
	it('is md5(url|timestamp|key) as VOD documents it', () => {
		// Independent computation of the documented formula.
		const expected = createHash('md5').update(`${URL}|${TS}|${KEY}`).digest('hex');
		expect(computeCallbackSignature(URL, TS, KEY)).toBe(expected);
		expect(expected).toMatch(/^[0-9a-f]{32}$/);
	});

	const base = {
		timestamp: TS,
		signature: computeCallbackSignature(URL, TS, KEY),
		callbackUrls: [URL],
		authKeys: [KEY, OLD_KEY],
		nowMs: NOW_MS,
		maxAgeSeconds: 300,
	};

	it('accepts the current key and tells which key matched', () => {
		expect(verifyCallbackSignature(base)).toEqual({
			ok: true,
			keyIndex: 0,
			callbackUrl: URL,
			timestampSeconds: NOW_MS / 1000,
		});
	});

	it('accepts the previous key during rotation', () => {
		const result = verifyCallbackSignature({
			...base,
			signature: computeCallbackSignature(URL, TS, OLD_KEY),
		});
		expect(result).toMatchObject({ ok: true, keyIndex: 1 });
	});

	it('accepts an upper-case hex signature (same digest)', () => {
		expect(verifyCallbackSignature({ ...base, signature: base.signature.toUpperCase() }).ok).toBe(true);
	});

	it.each([
		['a wrong key', { signature: computeCallbackSignature(URL, TS, 'SomeOtherKey') }, 'badSignature'],
		['another URL', { callbackUrls: ['https://n8n.example.com/webhook/abc/other'] }, 'badSignature'],
		['a signature for another timestamp', { timestamp: String(NOW_MS / 1000 - 1) }, 'badSignature'],
		['no timestamp', { timestamp: undefined }, 'missingHeaders'],
		['no signature', { signature: '' }, 'missingHeaders'],
		['a stale timestamp', { timestamp: String(NOW_MS / 1000 - 301) }, 'staleTimestamp'],
		['a timestamp from the future', { timestamp: String(NOW_MS / 1000 + 301) }, 'staleTimestamp'],
		['a non-numeric timestamp', { timestamp: '17000abc' }, 'malformedTimestamp'],
		['a signature that is not hex', { signature: 'z'.repeat(32) }, 'malformedSignature'],
		['a truncated signature', { signature: computeCallbackSignature(URL, TS, KEY).slice(0, 31) }, 'malformedSignature'],
		['no key configured', { authKeys: ['', undefined] }, 'noKey'],
	])('refuses %s', (_label, change, reason) => {
		expect(verifyCallbackSignature({ ...base, ...change })).toEqual({ ok: false, reason });
	});

	it('keeps a stale-but-correctly-signed callback out (the window is what stops replays)', () => {
		const old = String(NOW_MS / 1000 - 3600);
		const result = verifyCallbackSignature({
			...base,
			timestamp: old,
			signature: computeCallbackSignature(URL, old, KEY),
		});
		expect(result).toEqual({ ok: false, reason: 'staleTimestamp' });
	});

	it('tries every candidate URL', () => {
		const testUrl = 'https://n8n.example.com/webhook-test/abc/webhook';
		const result = verifyCallbackSignature({
			...base,
			callbackUrls: [URL, testUrl],
			signature: computeCallbackSignature(testUrl, TS, KEY),
		});
		expect(result).toMatchObject({ ok: true, callbackUrl: testUrl });
	});

	it('checks keys the way VOD accepts them', () => {
		expect(authKeyProblem('Abc123', 'Key')).toBeUndefined();
		expect(authKeyProblem('a'.repeat(32), 'Key')).toBeUndefined();
		expect(authKeyProblem('a'.repeat(33), 'Key')).toMatch(/1 to 32 letters and digits/);
		expect(authKeyProblem('with-dash', 'Key')).toMatch(/not letters or digits/);
		expect(authKeyProblem('', 'Key')).toBe('Key is empty');
		expect(authKeyProblem(undefined, 'Key')).toBe('Key is empty');
	});

	it('credential test: OK for a valid key, an error naming the field otherwise, never echoing the key', async () => {
		const run = async (data: Record<string, unknown>) =>
			await alibabaCloudVodCallbackApiTest.call({} as never, {
				id: '1',
				name: 'c',
				type: 'alibabaCloudVodCallbackApi',
				data: data as never,
			});
		expect(await run({ authKey: 'Good1234' })).toEqual({ status: 'OK', message: expect.any(String) });
		const bad = await run({ authKey: 'secret-with-dashes' });
		expect(bad.status).toBe('Error');
		expect(bad.message).toContain('Callback Auth Key');
		expect(bad.message).not.toContain('secret-with-dashes');
		const badPrevious = await run({ authKey: 'Good1234', previousAuthKey: 'x'.repeat(40) });
		expect(badPrevious).toMatchObject({ status: 'Error', message: expect.stringContaining('Previous Auth Key') });
		expect((await run({})).status).toBe('Error');
	});
});

describe('callback event normalisation', () => {
	it("fixes VOD's sample quirks: padded keys, numbers as strings, Extend as a JSON string", () => {
		// VOD's published UploadByURLComplete sample, with its stray spaces.
		const event = normaliseVodEvent({
			Status: 'success',
			EventTime: '2017-03-20T07:49:17Z',
			EventType: 'UploadByURLComplete',
			VideoId: '43q9fjdun3f****',
			JobId: '4c815bjs83j1****',
			'SourceURL ': 'http://example.aliyundoc.com/video.mp4',
			Size: '123456',
			Extend: '{"batch":"b1","n":2}',
		});
		expect(event).toEqual({
			Status: 'success',
			EventTime: '2017-03-20T07:49:17.000Z',
			EventType: 'UploadByURLComplete',
			VideoId: '43q9fjdun3f****',
			MediaId: '43q9fjdun3f****',
			JobId: '4c815bjs83j1****',
			SourceURL: 'http://example.aliyundoc.com/video.mp4',
			Size: 123456,
			Extend: { batch: 'b1', n: 2 },
		});
	});

	it('types the VideoAnalysisComplete and nested TranscodeComplete stream fields', () => {
		const analysis = normaliseVodEvent({
			VideoId: 'v1',
			Duration: '12',
			Height: '360',
			Width: '630',
			Fps: '29.97',
			Bitrate: '499',
			Size: '1234568',
			EventTime: '2017-03-20T07:49:17Z',
			EventType: 'VideoAnalysisComplete',
			Status: 'success',
		});
		expect(analysis).toMatchObject({ Duration: 12, Height: 360, Width: 630, Fps: 29.97, Bitrate: 499, Size: 1234568 });

		const transcode = normaliseVodEvent({
			EventType: 'TranscodeComplete',
			VideoId: 'v1',
			Status: 'success',
			StreamInfos: [
				{ 'Status ': 'success', Bitrate: '925', Definition: 'LD', Duration: 15.0, Encrypt: 'false', Size: 1815321 },
			],
		});
		expect(transcode.StreamInfos).toEqual([
			{ Status: 'success', Bitrate: 925, Definition: 'LD', Duration: 15, Encrypt: false, Size: 1815321 },
		]);
	});

	it('leaves values it cannot type as they came', () => {
		const event = normaliseVodEvent({
			EventType: 'FileUploadComplete',
			Size: 'about 3 MB',
			EventTime: 'yesterday',
			Extend: '{not json',
			Width: '',
		});
		expect(event).toMatchObject({ Size: 'about 3 MB', EventTime: 'yesterday', Extend: '{not json', Width: '' });
		expect(normaliseVodEvent({ EventType: 'X', Extend: 'plain text' }).Extend).toBe('plain text');
	});

	it('prefers the correctly spelt key over its padded twin, whatever the order', () => {
		expect(normaliseVodEvent({ EventType: 'X', 'ErrorCode ': 'padded', ErrorCode: 'exact' }).ErrorCode).toBe('exact');
		expect(normaliseVodEvent({ EventType: 'X', ErrorCode: 'exact', 'ErrorCode ': 'padded' }).ErrorCode).toBe('exact');
	});

	it('uses ImageId or MediaId as MediaId for non-video events', () => {
		expect(normaliseVodEvent({ EventType: 'ImageUploadComplete', ImageId: 'img1', FileURL: 'u' }).MediaId).toBe('img1');
		expect(normaliseVodEvent({ EventType: 'CreateAuditComplete', MediaId: 'm1' }).MediaId).toBe('m1');
		expect(normaliseVodEvent({ EventType: 'UploadByURLComplete', Status: 'fail' }).MediaId).toBeUndefined();
	});

	it('drops keys that would reach Object.prototype', () => {
		const body = JSON.parse('{"EventType":"X","__proto__":{"polluted":true},"constructor":1}');
		const event = normaliseVodEvent(body);
		expect(Object.keys(event)).toEqual(['EventType']);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it.each([[null], [[]], ['text'], [{}], [{ EventType: '  ' }], [{ EventType: 3 }]])(
		'refuses a body that is not a VOD event: %j',
		(body) => {
			expect(() => normaliseVodEvent(body)).toThrow(CallbackPayloadError);
		},
	);

	it('reads the outcome from Status', () => {
		expect(eventOutcome(normaliseVodEvent({ EventType: 'X', Status: 'success' }))).toBe('success');
		expect(eventOutcome(normaliseVodEvent({ EventType: 'X', Status: 'fail' }))).toBe('fail');
		expect(eventOutcome(normaliseVodEvent({ EventType: 'X' }))).toBe('other');
	});
});

describe('delivery de-duplication', () => {
	const event = normaliseVodEvent({ EventType: 'UploadByURLComplete', JobId: 'j1', VideoId: 'v1', Status: 'success', EventTime: '2024-01-01T00:00:00Z', Size: '5' });

	it('gives a repeat of the same event the same key, however VOD spelt it', () => {
		const repeat = normaliseVodEvent({ Size: 5, 'Status ': 'success', VideoId: 'v1', JobId: 'j1', EventTime: '2024-01-01T00:00:00Z', EventType: 'UploadByURLComplete' });
		expect(callbackDeliveryKey(repeat)).toBe(callbackDeliveryKey(event));
	});

	it('gives different events different keys', () => {
		const keys = new Set([
			callbackDeliveryKey(event),
			callbackDeliveryKey({ ...event, Status: 'fail' }),
			callbackDeliveryKey({ ...event, EventTime: '2024-01-01T00:00:01.000Z' }),
			callbackDeliveryKey({ ...event, JobId: 'j2' }),
			callbackDeliveryKey({ ...event, EventType: 'FileUploadComplete' }),
		]);
		expect(keys.size).toBe(5);
	});

	/** a key of the stored width */
	const k = (name: string) => name.padEnd(16, '_');

	it('makes keys of 16 URL-safe characters', () => {
		expect(callbackDeliveryKey(event)).toMatch(/^[A-Za-z0-9_-]{16}$/);
	});

	it('recognises a repeat inside the window only', () => {
		const limits = { windowSeconds: 60, maxEntries: 10 };
		const first = recordDelivery(undefined, k('k1'), 1000, limits);
		expect(first.duplicate).toBe(false);
		expect(decodeDeliveries(first.deliveries)).toEqual([[k('k1'), 1000]]);
		expect(recordDelivery(first.deliveries, k('k1'), 1059, limits).duplicate).toBe(true);
		const later = recordDelivery(first.deliveries, k('k1'), 1061, limits);
		expect(later.duplicate).toBe(false);
		expect(decodeDeliveries(later.deliveries)).toEqual([[k('k1'), 1061]]);
	});

	it('stays bounded in count, forgetting the oldest first', () => {
		const limits = { windowSeconds: 3600, maxEntries: 3 };
		let deliveries: unknown;
		for (let i = 0; i < 5; i++) deliveries = recordDelivery(deliveries, k(`k${i}`), 1000 + i, limits).deliveries;
		expect(decodeDeliveries(deliveries)).toEqual([[k('k2'), 1002], [k('k3'), 1003], [k('k4'), 1004]]);
		expect(recordDelivery(deliveries, k('k0'), 1010, limits).duplicate).toBe(false);
		expect(recordDelivery(deliveries, k('k4'), 1010, limits).duplicate).toBe(true);
	});

	it('stores 1,000 deliveries as one string of 23 characters each, read back exactly', () => {
		let stored: unknown;
		const keys = Array.from({ length: 1001 }, (_, i) => callbackDeliveryKey({ ...event, JobId: `j${i}` }));
		const now = 1_763_700_000;
		// two a second: all inside the 900 s window, so only the count limit forgets
		for (const [i, key] of keys.entries()) stored = recordDelivery(stored, key, now + Math.floor(i / 2)).deliveries;
		expect(typeof stored).toBe('string');
		expect((stored as string).length).toBe(1000 * 23);
		expect(countRememberedDeliveries(stored)).toBe(1000);
		// the oldest went first
		expect(recordDelivery(stored, keys[0], now + 500).duplicate).toBe(false);
		expect(recordDelivery(stored, keys[1], now + 500).duplicate).toBe(true);
		expect(decodeDeliveries(stored).at(-1)).toEqual([keys[1000], now + 500]);
	});

	it('survives malformed or older stored data', () => {
		const limits = { windowSeconds: 60, maxEntries: 5 };
		expect(pruneDeliveries({ not: 'a string' }, 1000, limits)).toEqual([]);
		// the list format of version 0.1.0 is not read: forgotten once, then rebuilt
		expect(pruneDeliveries([['0123456789abcdef', 990]], 1000, limits)).toEqual([]);
		const good = encodeDeliveries([[k('ok'), 990]]);
		expect(pruneDeliveries(`${good}!!!!!!!!!!!!!!!!0000000${good}short`, 1000, limits)).toEqual([
			[k('ok'), 990],
			[k('ok'), 990],
		]);
	});
});

describe('registration mark', () => {
	it('unmarking a marked URL gives back the URL, whatever query it had', () => {
		fc.assert(
			fc.property(
				fc.webUrl({ withQueryParameters: true }),
				fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
				(url, workflowId) => {
					fc.pre(registeringWorkflowOf(url) === undefined && !url.includes('#'));
					const marked = markedCallbackUrl(url, workflowId);
					expect(registeringWorkflowOf(marked)).toBe(workflowId);
					expect(unmarkedCallbackUrl(marked)).toBe(url);
				},
			),
			{ seed: 42, numRuns: 200 },
		);
		expect(unmarkedCallbackUrl('https://h/w?n8nVodTrigger=x&k=1')).toBe('https://h/w?k=1');
		expect(unmarkedCallbackUrl('https://h/w?k=1&n8nVodTrigger=x&j=2')).toBe('https://h/w?k=1&j=2');
	});
});
