/**
 * One check for each media input, whatever the operation: Video ID (Get, Get Source File, Get Play Info,
 * Delete) and Auth Timeout (Get Source File, Get Play Info). A refused value is never sent to VOD, and the
 * error names what was given.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';
import { checkAuthTimeout, checkVideoId } from '../../nodes/AlibabaCloudVod/helpers/mediaValidation';

const bed = useTestBed();

const vodCalls = () => [...bed.emulator.state.vod.callCounts.values()].reduce((a, b) => a + b, 0);

async function runMedia(parameters: INodeParameters, startItems: INodeExecutionData[]) {
	const result = await runWorkflow({
		nodes: [
			startNode(),
			vodNode('VOD', { resource: 'media', ...parameters }, undefined, { onError: 'continueRegularOutput' }),
		],
		connections: chain('Start', 'VOD'),
		credentials: emulatorCredentials(bed.emulator),
		startItems,
	});
	return result.output('VOD');
}

const ID = '93ab850b4f6f54b6e91d24d81d44abcd';

describe('Video ID', () => {
	test('a list, an object, a path or a control character is named, never called empty', () => {
		expect(() => checkVideoId([ID])).toThrow(/Video ID is a list of 1 value, not one media ID/);
		expect(() => checkVideoId([ID, ID])).toThrow(/a list of 2 values/);
		expect(() => checkVideoId({ id: ID })).toThrow(/Video ID is an object, not a media ID/);
		expect(() => checkVideoId(true)).toThrow(/the boolean true/);
		expect(() => checkVideoId(`../${ID}`)).toThrow(/contains "\." \(U\+002E\), which no media ID holds/);
		expect(() => checkVideoId(`a/${ID}`)).toThrow(/"\/"/);
		expect(() => checkVideoId(`${ID}\u0000`)).toThrow(/U\+0000/);
		expect(() => checkVideoId(`${ID}%2F`)).toThrow(/"%"/);
		expect(() => checkVideoId(`${ID},${ID}`)).toThrow(/not a single media ID/);
		expect(() => checkVideoId('')).toThrow(/Video ID is empty/);
		expect(() => checkVideoId([])).toThrow(/Video ID is empty/);
		expect(checkVideoId(` ${ID} `)).toBe(ID);
		// documented samples and other id shapes VOD has used stay accepted
		for (const id of ['dfde02284a5c46622a097adaf44a****'.replace(/\*/g, 'f'), '43q9fjdun3f9', 'A1b2-C3_d4']) {
			expect(checkVideoId(id)).toBe(id);
		}
	});

	test.each(['get', 'getSourceFile', 'getPlayInfo', 'deleteMedia'])(
		'%s: refuses the same ids with the same message and sends none of them',
		async (operation) => {
			const given: unknown[] = [[ID], [ID, ID], { id: ID }, `../${ID}`, `..%2F${ID}`];
			const out = await runMedia(
				{ operation, videoId: '={{ $json.id }}' },
				given.map((id) => ({ json: { id } as INodeExecutionData['json'] })),
			);
			expect(out).toHaveLength(given.length);
			const errors = out.map((item) => String(item.json.error));
			expect(errors[0]).toMatch(/^\[item 0\] Video ID is a list of 1 value/);
			expect(errors[1]).toMatch(/^\[item 1\] Video ID is a list of 2 values/);
			expect(errors[2]).toMatch(/^\[item 2\] Video ID is an object/);
			expect(errors[3]).toMatch(/^\[item 3\] Video ID "\.\.\/93ab.*" contains "\."/);
			expect(errors[4]).toMatch(/^\[item 4\] Video ID .* contains "\."/);
			expect(errors.join('\n')).not.toMatch(/object Object|is empty/);
			// the error item keeps the value as it came, so the user sees what was mapped
			expect(out[2].json.videoId).toEqual({ id: ID });
			expect(out.map((item) => item.pairedItem)).toEqual(given.map((_, item) => ({ item })));
			expect(vodCalls()).toBe(0);
		},
	);
});

describe('Auth Timeout', () => {
	test('one rule: whole seconds from 1 to the output type\'s documented maximum', () => {
		expect(checkAuthTimeout(3600, 'oss')).toBe(3600);
		expect(checkAuthTimeout('3600', 'cdn')).toBe(3600);
		expect(checkAuthTimeout(2_592_000, 'oss')).toBe(2_592_000);
		expect(() => checkAuthTimeout(2_592_001, 'oss')).toThrow(/from 1 to 2,592,000/);
		expect(checkAuthTimeout(2_592_001, 'cdn')).toBe(2_592_001);
		for (const bad of [0, -1, 1.5, 1e12, Number.NaN, 'abc', {}]) {
			expect(() => checkAuthTimeout(bad, 'cdn')).toThrow(/is not a whole number of seconds from 1 to/);
		}
	});

	test('Get Source File and Get Play Info give the same verdict and send nothing refused', async () => {
		const ids = bed.emulator.seedMedia({ count: 1 });
		const timeouts = [1e12, -1, 0, 2.5, 2_592_001, 3600];
		const items = timeouts.map((timeout) => ({ json: { id: ids[0], timeout } }));
		const source = await runMedia(
			{ operation: 'getSourceFile', videoId: '={{ $json.id }}', outputType: 'oss', authTimeout: '={{ $json.timeout }}' },
			items,
		);
		const play = await runMedia(
			{
				operation: 'getPlayInfo',
				videoId: '={{ $json.id }}',
				options: { outputType: 'oss', authTimeout: '={{ $json.timeout }}' },
			},
			items,
		);
		const refused = (out: INodeExecutionData[]) =>
			out.map((item) => /Auth Timeout .* is not a whole number/.test(String(item.json.error ?? '')));
		expect(refused(source)).toEqual([true, true, true, true, true, false]);
		expect(refused(play)).toEqual(refused(source));
		expect(bed.emulator.state.vod.callCounts.get('GetMezzanineInfo')).toBe(1);
		expect(bed.emulator.state.vod.callCounts.get('GetPlayInfo')).toBe(1);
	});
});
