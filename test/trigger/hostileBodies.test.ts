/**
 * Callback bodies no VOD sends — nested thousands deep, huge, oddly shaped — reach the trigger with
 * valid signature headers (VOD signs the URL and timestamp, not the body, so captured headers fit any
 * body). The trigger must answer each one with a 4xx or 200, never 500, and never throw.
 */
import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import {
	CallbackPayloadError,
	normaliseVodEvent,
} from '../../nodes/AlibabaCloudVod/helpers/callbackEvent';
import { callbackDeliveryKey } from '../../nodes/AlibabaCloudVod/helpers/callbackDedup';
import { callbackSignature } from '../emulator';
import { startTriggerServer, type TriggerServer } from '../harness/webhook';
import { propertyParams } from '../support/property';

const KEY = 'HostileBodyKey01';
let trigger: TriggerServer;

beforeAll(async () => {
	trigger = await startTriggerServer({
		parameters: { events: ['*'], status: 'any', options: {} },
		credentials: { alibabaCloudVodCallbackApi: { authKey: KEY, previousAuthKey: '' } } as never,
	});
});
afterAll(async () => {
	await trigger?.close();
});

function signed() {
	const ts = String(Math.floor(Date.now() / 1000));
	return {
		'content-type': 'application/json',
		'x-vod-timestamp': ts,
		'x-vod-signature': callbackSignature(trigger.productionUrl, ts, KEY),
	};
}

async function post(body: string) {
	const response = await fetch(trigger.productionUrl, { method: 'POST', headers: signed(), body });
	const text = await response.text();
	await trigger.idle();
	return { status: response.status, text };
}

const nested = (depth: number, open: string, close: string, inner = '1') =>
	open.repeat(depth) + inner + close.repeat(depth);

describe('hostile callback bodies', () => {
	test.each([
		['arrays 5,000 deep in a field', `{"EventType":"FileUploadComplete","a":${nested(5000, '[', ']')}}`],
		['objects 5,000 deep in a field', `{"EventType":"FileUploadComplete","a":${nested(5000, '{"a":', '}')}}`],
		['arrays 100,000 deep as the body', nested(100_000, '[', ']')],
		['objects in arrays 3,000 deep', `{"EventType":"X","StreamInfos":${nested(3000, '[{"a":', '}]')}}`],
	])('%s: a clear 400, no crash', async (_, body) => {
		const before = trigger.deliveries.length;
		const { status, text } = await post(body);
		expect(status).toBe(400);
		expect(text).toMatch(/^Bad Request: /);
		const delivery = trigger.deliveries[before];
		expect(delivery.error).toBeUndefined();
		expect(delivery.started).toBe(false);
	});

	test('an event with ordinary nesting still starts an execution', async () => {
		const { status } = await post(
			JSON.stringify({
				EventType: 'TranscodeComplete',
				VideoId: 'v1',
				Status: 'success',
				StreamInfos: [{ Definition: 'HD', Size: '12' }],
				Extend: '{"a":{"b":[1,2]}}',
			}),
		);
		expect(status).toBe(200);
	});

	test('random JSON shapes: normalising never throws anything but a payload error', () => {
		const deep = fc
			.tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom(['[', ']'], ['{"k":', '}'], ['[{"k":', '}]']))
			.map(([depth, [open, close]]) => nested(depth, open, close));
		const shapes = fc.oneof(
			fc.jsonValue(),
			fc.anything({ maxDepth: 6, withNullPrototype: true, withObjectString: true }),
			fc.dictionary(fc.string(), fc.jsonValue()).map((d) => ({ ...d, EventType: 'X' })),
			deep.map((text) => ({ EventType: 'X', Extend: text, value: JSON.parse(text) as unknown })),
			fc.string({ minLength: 0, maxLength: 200_000 }).map((s) => ({ EventType: 'X', Extend: s })),
		);
		fc.assert(
			fc.property(shapes, (body) => {
				try {
					callbackDeliveryKey(normaliseVodEvent(body as IDataObject));
				} catch (error) {
					expect(error).toBeInstanceOf(CallbackPayloadError);
				}
			}),
			propertyParams(300),
		);
	});

	test('random bodies over HTTP are never answered 500', async () => {
		const bodies = fc.oneof(
			fc.json(),
			fc.string(),
			fc
				.tuple(fc.integer({ min: 10, max: 20_000 }), fc.constantFrom('[', '{"a":', '[{"a":'))
				.map(([depth, open]) => `{"EventType":"X","v":${open.repeat(depth)}`),
		);
		await fc.assert(
			fc.asyncProperty(bodies, async (body) => {
				const { status } = await post(body);
				// 422: n8n's own body parser refuses what is not JSON before the node sees it
				expect([200, 400, 422]).toContain(status);
			}),
			propertyParams(40),
		);
	});
});
