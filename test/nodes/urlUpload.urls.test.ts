/**
 * One canonical form of a source URL through Submit, Job Status and Cancel, in-process against the
 * emulator: spellings of one URL are one job; distinct URLs never share a job.
 */
import fc from 'fast-check';
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { chain, emulatorCredentials, jobStatusNode, runWorkflow, startNode, vodNode } from '../harness';
import { useTestBed } from '../harness/testBed';
import { canonicalUrl } from '../../nodes/AlibabaCloudVod/helpers/sourceUrl';
import { propertyParams } from '../support/property';

const bed = useTestBed();

const jobs = () => [...bed.emulator.state.vod.jobs.values()];
const items = (urls: string[]): INodeExecutionData[] => urls.map((url, row) => ({ json: { url, row } }));

async function submit(urls: string[], options: INodeParameters = {}) {
	const result = await runWorkflow({
		nodes: [
			startNode(),
			vodNode('Submit', { resource: 'urlUpload', operation: 'submit', options }, undefined, {
				onError: 'continueRegularOutput',
			}),
		],
		connections: chain('Start', 'Submit'),
		credentials: emulatorCredentials(bed.emulator),
		startItems: items(urls),
	});
	expect(result.status).toBe('success');
	return result.output('Submit');
}

describe('Submit: one canonical form of a source URL', () => {
	it('x%2Cy and x,y are two jobs; %41bc and Abc are one, the second marked duplicateOf', async () => {
		const urls = [
			bed.sources.url('/files/x%2Cy.mp4'),
			bed.sources.url('/files/x,y.mp4'),
			bed.sources.url('/files/%41bc.mp4'),
			bed.sources.url('/files/Abc.mp4'),
		];
		const out = await submit(urls);
		expect(jobs()).toHaveLength(3);
		expect(out[0].json.jobId).not.toBe(out[1].json.jobId);
		expect(out[3].json.jobId).toBe(out[2].json.jobId);
		expect(out[3].json.duplicateOf).toBe(2);
		out.forEach((item, i) => {
			expect(item.json.error).toBeUndefined();
			// the job VOD made for this item is for this item's URL
			expect(canonicalUrl(bed.emulator.state.vod.jobs.get(item.json.jobId as string)!.uploadUrl)).toBe(
				canonicalUrl(urls[i]),
			);
		});
		expect(out[0].json.duplicateOf).toBeUndefined();
		expect(out[1].json.duplicateOf).toBeUndefined();

		// Every job is reported: Job Status by Source URL finds each item's own job.
		await bed.emulator.finishJobs();
		const status = await runWorkflow({
			nodes: [startNode(), jobStatusNode('Status', { lookUpBy: 'sourceUrl' })],
			connections: chain('Start', 'Status'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: urls.map((url, row) => ({ json: { sourceUrl: url, row } })),
		});
		const reported = [0, 1, 2].flatMap((output) => status.output('Status', output));
		expect(reported).toHaveLength(4);
		for (const item of reported) {
			const row = item.json.row as number;
			expect(item.json.jobId).toBe(out[row].json.jobId);
		}
	});

	it('Skip Already Submitted finds a job submitted under another spelling of the URL', async () => {
		const first = await submit([bed.sources.url('/files/Abc.mp4'), bed.sources.url('/files/x,y.mp4')]);
		const again = await submit(
			[bed.sources.url('/files/%41bc.mp4'), bed.sources.url('/files/x%2Cy.mp4'), bed.sources.url('/files/x%2cy.mp4')],
			{ skipAlreadySubmitted: true },
		);
		expect(again[0].json).toMatchObject({ skipped: true, jobId: first[0].json.jobId });
		// x%2Cy is another URL than x,y: submitted, once, with its own job
		expect(again[1].json.skipped).toBeUndefined();
		expect(again[1].json.jobId).not.toBe(first[1].json.jobId);
		expect(again[2].json).toMatchObject({ jobId: again[1].json.jobId, duplicateOf: 1 });
		expect(jobs()).toHaveLength(3);
	});

	it('distinct canonical URLs never share a job; spellings of one URL are one job (generated)', async () => {
		const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
		const atom = fc.oneof(
			{ weight: 4, arbitrary: fc.constantFrom(...'abcXYZ019-_.~') },
			{ weight: 2, arbitrary: fc.constantFrom(',', '%2C', '%2c', ';', '%3B', '=', '%3D', '+', '%2B') },
		);
		const name = fc.array(atom, { minLength: 1, maxLength: 5 }).map((atoms) => atoms.join(''));
		/**
		 * another spelling: unreserved characters randomly percent-encoded, hex in random case; never the
		 * hex digits of an escape (%2C → %2%43 is no URL: a % must start an escape, and Submit refuses it)
		 */
		const inEscape = (text: string, i: number) => text[i - 1] === '%' || text[i - 2] === '%';
		const respell = (text: string, coins: boolean[]) =>
			[...text]
				.map((c, i) => {
					if (!unreserved.includes(c) || inEscape(text, i) || !coins[i % coins.length]) return c;
					const hex = c.charCodeAt(0).toString(16);
					return `%${coins[(i + 1) % coins.length] ? hex.toUpperCase() : hex}`;
				})
				.join('');
		// a whole workflow per case: a hundredth of the larger run's cases, at least 10
		const params = propertyParams<[Array<[string, boolean[]]>]>(1000);
		params.numRuns = Math.max(10, Math.floor((params.numRuns ?? 1000) / 100));
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.tuple(name, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 })), {
					minLength: 2,
					maxLength: 30,
				}),
				async (picks) => {
					bed.emulator.reset();
					const urls = picks.map(([n, coins]) => bed.sources.url(`/files/${respell(n, coins)}.mp4`));
					const out = await submit(urls);
					const canonical = urls.map((url) => canonicalUrl(url));
					expect(jobs()).toHaveLength(new Set(canonical).size);
					const jobOf = new Map<string, unknown>();
					out.forEach((item, i) => {
						expect(item.json.error).toBeUndefined();
						const job = bed.emulator.state.vod.jobs.get(item.json.jobId as string)!;
						expect(canonicalUrl(job.uploadUrl)).toBe(canonical[i]);
						if (jobOf.has(canonical[i])) expect(item.json.jobId).toBe(jobOf.get(canonical[i]));
						else jobOf.set(canonical[i], item.json.jobId);
					});
					expect(new Set(jobOf.values()).size).toBe(jobOf.size);
				},
			),
			params,
		);
	});
});

describe('Submit when VOD reads URLs otherwise than documented', () => {
	const tricky = () => [
		bed.sources.url('/files/x%2Cy.mp4'),
		bed.sources.url('/files/x,y.mp4'),
		bed.sources.url('/files/%41bc.mp4'),
		bed.sources.url('/files/Abc.mp4'),
	];

	it('echoing URLs still encoded: every item still gets the job made for its URL', async () => {
		bed.emulator.setJobSettings({ urlHandling: 'echoAsSent' });
		const urls = tricky();
		const out = await submit(urls);
		expect(jobs()).toHaveLength(3);
		out.forEach((item, i) => {
			const job = bed.emulator.state.vod.jobs.get(item.json.jobId as string)!;
			expect(canonicalUrl(job.uploadUrl)).toBe(canonicalUrl(urls[i]));
		});
	});

	it('decoding x%2Cy into x,y: the two never share a call, and never a job', async () => {
		bed.emulator.setJobSettings({ urlHandling: 'decodeRepeatedly' });
		const out = await submit(tricky());
		expect(bed.emulator.state.vodCalls.UploadMediaByURL).toBe(2);
		expect(jobs()).toHaveLength(3);
		expect(out[0].json.jobId).not.toBe(out[1].json.jobId);
		expect(out[3].json).toMatchObject({ jobId: out[2].json.jobId, duplicateOf: 2 });
	});
});

describe('Cancel by Source URL', () => {
	it('find the job whatever the spelling of its URL', async () => {
		bed.emulator.setJobSettings({ autoRun: false });
		const out = await submit([bed.sources.url('/files/Abc.mp4'), bed.sources.url('/files/x,y.mp4')]);
		const result = await runWorkflow({
			nodes: [
				startNode(),
				vodNode('Cancel', { resource: 'urlUpload', operation: 'cancel', cancelBy: 'sourceUrl' }),
			],
			connections: chain('Start', 'Cancel'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: [
				{ json: { sourceUrl: bed.sources.url('/files/%41bc.mp4') } },
				{ json: { sourceUrl: bed.sources.url('/files/x%2Cy.mp4') } },
			],
		});
		const cancel = result.output('Cancel');
		expect(cancel[0].json).toMatchObject({ jobId: out[0].json.jobId, result: 'canceled' });
		// x%2Cy is another URL: VOD has no job for it, and x,y's job is left alone
		expect(cancel[1].json.result).toBe('nonExists');
		expect(bed.emulator.state.vod.jobs.get(out[1].json.jobId as string)!.status).toBe('PENDING');
	});
});

describe('a list of URLs in one Source URL', () => {
	it('is refused naming the item and the fix; the other items go on', async () => {
		const list = Array.from({ length: 21 }, (_, i) => bed.sources.url(`/files/part-${i}.mp4`)).join(',');
		const out = await submit([bed.sources.url('/files/alone.mp4'), list]);
		expect(out[0].json.jobId).toBeTruthy();
		expect(out[1].json.error).toMatch(/^\[item 1\] The Source URL holds 21 URLs .*one item takes one URL/);
		expect(out[1].json.description).toMatch(/Split Out/);
		expect(jobs()).toHaveLength(1);
	});
});
