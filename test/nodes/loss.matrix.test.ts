/**
 * Loss matrix: every VOD and OSS call that URL Upload → Submit and Upload make is failed at each of its
 * positions, three ways — refused before VOD/OSS acts (503), the connection cut before it acts, and
 * performed with the answer lost (the connection cut after the action ran; to the client the same as the
 * cut before). The calls come from a clean run's request counts, so a call
 * added later is covered without touching this file.
 *
 * Each cell checks the promises the README makes: every source ends with exactly one job (Submit) or one
 * media (Upload); a job or media that exists is reported in an output item or named in the error; and
 * running the same input again creates nothing new and reports what exists (for Upload: the stored bytes
 * are the source's).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import type { FaultConfig } from '../emulator';
import { ossRegistryOf } from '../emulator/oss';
import type { TargetedFault } from '../emulator/state';
import {
	chain,
	emulatorCredentials,
	functionNode,
	runWorkflow,
	startNode,
	vodNode,
	type WorkflowResult,
} from '../harness';
import { diskRoutes } from '../harness/sourceServer';
import { useTestBed } from '../harness/testBed';
import { useRandomFiles } from '../upload/fixtures';

const KiB = 1024;
const MiB = 1024 * KiB;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

type FaultKind = 'unavailable' | 'dropBefore' | 'dropAfter';
const FAULT_KINDS: FaultKind[] = ['unavailable', 'dropBefore', 'dropAfter'];

interface Call {
	service: 'vod' | 'oss';
	action: string;
	call: number;
}

interface Scenario {
	name: string;
	/** faults every run of the scenario has (e.g. an expired token that forces a credential renewal) */
	base?: FaultConfig;
	run(): Promise<WorkflowResult>;
	/** what is wrong after the first (faulted) run and the re-run; [] when every promise held */
	check(first: WorkflowResult, rerun: WorkflowResult): string[];
}

/**
 * Cells that fail because of a finding of issue 12 another change fixes: `cellKey` → the finding.
 * They run in the `it.failing` test below, so that the fix shows up as that test failing. None today.
 */
const KNOWN: Record<string, string> = {};

const { paths, data: files } = useRandomFiles('loss-matrix-', { 'small.mp4': 200 * KiB, 'parts.mp4': 2.5 * MiB });
const bed = useTestBed({ muteWarnings: true, routes: diskRoutes(paths) });

const jobsFor = (url: string) => [...bed.emulator.state.vod.jobs.values()].filter((job) => job.uploadUrl === url);
const allMedia = () => [...bed.emulator.state.vod.media.values()];

/** What a failed run told the user: the execution error's message and description. */
function errorText(result: WorkflowResult): string {
	const error = result.error as { message?: string; description?: string | null } | undefined;
	return `${error?.message ?? ''}\n${error?.description ?? ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Submit

const SUBMIT_URLS = 21; // two UploadMediaByURL calls (20 + 1), three GetURLUploadInfos calls (10 + 10 + 1)

function submitScenario(skipAlreadySubmitted: boolean): Scenario {
	const urls = Array.from({ length: SUBMIT_URLS }, (_, i) => bed.sources.url(`/files/clip-${i}.mp4`));
	const run = async () =>
		await runWorkflow({
			nodes: [
				startNode(),
				vodNode('Submit', {
					resource: 'urlUpload',
					operation: 'submit',
					options: skipAlreadySubmitted ? { skipAlreadySubmitted: true } : {},
				}),
			],
			connections: chain('Start', 'Submit'),
			credentials: emulatorCredentials(bed.emulator),
			startItems: urls.map((url) => ({ json: { url } })),
		});
	return {
		name: `Submit${skipAlreadySubmitted ? ' (Skip Already Submitted)' : ''}`,
		run,
		check(first, rerun) {
			const problems: string[] = [];
			const firstOut = first.output('Submit');
			urls.forEach((url, i) => {
				const jobs = jobsFor(url);
				if (jobs.length !== 1) problems.push(`item ${i}: ${jobs.length} jobs after the re-run`);
				const job = jobs[0];
				if (!job) return;
				// was the job reported by the first run?
				const reported =
					first.status === 'success'
						? firstOut[i]?.json.jobId === job.jobId
						: errorText(first).includes(job.jobId);
				if (!reported && jobsAfterFirstRun.has(job.jobId)) {
					problems.push(`item ${i}: job ${job.jobId} was created by the first run but reported nowhere`);
				}
			});
			if (rerun.status !== 'success') {
				problems.push(`the re-run failed: ${errorText(rerun).split('\n')[0]}`);
			} else {
				rerun.output('Submit').forEach((item, i) => {
					const job = jobsFor(urls[i])[0];
					if (item.json.jobId !== job?.jobId) {
						problems.push(`item ${i}: the re-run reports job ${String(item.json.jobId)}, VOD has ${job?.jobId}`);
					}
				});
			}
			return problems;
		},
	};
}

/** Job and media ids that existed when the first run ended (set between the runs). */
let jobsAfterFirstRun = new Set<string>();

// ---------------------------------------------------------------------------------------------------------
// Upload

interface UploadSpec {
	file: string;
	from: 'binary' | 'url';
	/** multi-part, with one part refused for an expired token so that RefreshUploadVideo runs mid-upload */
	parts: boolean;
}

function uploadScenario(spec: UploadSpec): Scenario {
	const parameters: INodeParameters = {
		resource: 'upload',
		title: 'Clip',
		referenceIdMode: 'derive',
		transferOptions: { partSizeMiB: 1, parallelParts: 1 },
		...(spec.from === 'binary'
			? { operation: 'uploadBinary' }
			: { operation: 'uploadFromUrl', url: bed.sources.url(`/files/${spec.file}`) }),
	};
	const run = async () =>
		await runWorkflow({
			nodes: [startNode(), functionNode('Make Binary'), vodNode('Upload', parameters)],
			connections: chain('Start', 'Make Binary', 'Upload'),
			credentials: emulatorCredentials(bed.emulator),
			functions: {
				'Make Binary': async function (this: IExecuteFunctions, items: INodeExecutionData[]) {
					if (spec.from !== 'binary') return items;
					const binary = await this.helpers.prepareBinaryData(files[spec.file], spec.file);
					return [{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }];
				},
			},
		});
	return {
		name: `Upload ${spec.from} ${spec.parts ? 'multi-part with a renewal' : 'single PUT'}`,
		base: spec.parts
			? { oss: { at: [{ action: 'UploadPart', call: 2, kind: 'tokenExpired' }] } }
			: undefined,
		run,
		check(first, rerun) {
			const problems: string[] = [];
			const media = allMedia();
			if (media.length !== 1) problems.push(`${media.length} media after the re-run`);
			const video = media[0];
			if (!video) return problems;
			if (jobsAfterFirstRun.has(video.mediaId)) {
				const reported =
					first.status === 'success'
						? first.output('Upload')[0]?.json.videoId === video.mediaId
						: errorText(first).includes(video.mediaId);
				if (!reported) problems.push(`video ${video.mediaId} made by the first run is reported nowhere`);
			}
			if (rerun.status !== 'success') {
				problems.push(`the re-run failed: ${errorText(rerun).split('\n')[0]}`);
				return problems;
			}
			const json = rerun.output('Upload')[0]?.json ?? {};
			if (json.videoId !== video.mediaId) {
				problems.push(`the re-run reports video ${String(json.videoId)}, VOD has ${video.mediaId}`);
			}
			const stored = bed.emulator.state.objects.get(`${video.bucket}/${video.objectKey}`);
			if (!stored) problems.push(`nothing stored for video ${video.mediaId}`);
			else if (md5(readFileSync(stored.path)) !== md5(files[spec.file])) {
				problems.push(`the stored bytes of video ${video.mediaId} differ from the source`);
			}
			if (video.status !== 'Normal') problems.push(`video ${video.mediaId} is ${video.status}`);
			return problems;
		},
	};
}

// ---------------------------------------------------------------------------------------------------------
// the matrix

interface Cell {
	call: Call;
	kind: FaultKind;
}

function prepare(scenario: Scenario, cells: Cell[] = []) {
	bed.emulator.reset();
	bed.emulator.setJobSettings({ autoRun: false });
	const base = scenario.base ?? {};
	const at = (service: Call['service']) =>
		cells
			.filter(({ call }) => call.service === service)
			.map(({ call, kind }): TargetedFault => ({ action: call.action, call: call.call, kind }));
	bed.emulator.setFaults({
		...base,
		vod: { ...base.vod, at: [...at('vod'), ...(base.vod?.at ?? [])] },
		oss: { ...base.oss, at: [...at('oss'), ...(base.oss?.at ?? [])] },
	});
}

function callCounts(): Call[] {
	const calls: Call[] = [];
	const add = (service: Call['service'], counts: Iterable<[string, number]>) => {
		for (const [action, count] of counts) {
			for (let call = 1; call <= count; call++) calls.push({ service, action, call });
		}
	};
	add('vod', bed.emulator.state.vod.callCounts);
	add('oss', ossRegistryOf(bed.emulator.state)?.callCounts ?? []);
	return calls;
}

const countOf = ({ service, action }: Call) =>
	(service === 'vod'
		? bed.emulator.state.vod.callCounts
		: ossRegistryOf(bed.emulator.state)?.callCounts
	)?.get(action) ?? 0;

const callKey = (call: Call) => `${call.action} #${call.call}`;
const cellKey = (scenario: Scenario, cells: Cell[]) =>
	`${scenario.name} | ${cells.map(({ call, kind }) => `${callKey(call)} ${kind}`).join(' + ')}`;

/** The calls a clean run of the scenario makes (and that the clean run keeps the promises). */
async function observeCalls(scenario: Scenario): Promise<Call[]> {
	prepare(scenario);
	const first = await scenario.run();
	const calls = callCounts();
	jobsAfterFirstRun = idsNow();
	bed.emulator.setFaults({});
	const rerun = await scenario.run();
	expect(first.status).toBe('success');
	expect(scenario.check(first, rerun)).toEqual([]);
	return calls;
}

function idsNow() {
	return new Set([...bed.emulator.state.vod.jobs.keys(), ...bed.emulator.state.vod.media.keys()]);
}

/**
 * Runs one cell: the first run with its faults, a re-run without. Returns what went wrong, and the calls
 * the faulted run made.
 */
async function runCell(scenario: Scenario, cells: Cell[]): Promise<{ problems: string[]; calls: Call[] }> {
	prepare(scenario, cells);
	const first = await scenario.run();
	const calls = callCounts();
	const unfired = cells.filter(({ call }) => countOf(call) < call.call);
	if (unfired.length) {
		return { problems: [`the fault at ${unfired.map(({ call }) => callKey(call)).join(', ')} never fired`], calls };
	}
	jobsAfterFirstRun = idsNow();
	bed.emulator.setFaults({});
	const rerun = await scenario.run();
	return { problems: scenario.check(first, rerun), calls };
}

/**
 * Every cell of a scenario: each call of the clean run × each fault kind, then each recovery call × each
 * fault kind, on top of the first fault. A recovery call is one the faulted run made beyond the clean run's
 * calls, other than a retry of the faulted action (e.g. the lookup after a lost answer). Cells in KNOWN are
 * left to `held`.
 */
async function searchScenario(scenario: Scenario, held: Array<{ scenario: Scenario; cells: Cell[] }>) {
	const clean = await observeCalls(scenario);
	const cleanKeys = new Set(clean.map(callKey));
	const problems: string[] = [];
	let cellCount = 0;
	const tryCells = async (cells: Cell[]) => {
		const key = cellKey(scenario, cells);
		if (KNOWN[key]) {
			held.push({ scenario, cells });
			return [];
		}
		cellCount++;
		const outcome = await runCell(scenario, cells);
		problems.push(...outcome.problems.map((problem) => `${key}: ${problem}`));
		return outcome.calls;
	};
	let recoveryCalls = 0;
	for (const call of clean) {
		for (const kind of FAULT_KINDS) {
			const seen = await tryCells([{ call, kind }]);
			const recovery = seen.filter((other) => !cleanKeys.has(callKey(other)) && other.action !== call.action);
			recoveryCalls += recovery.length;
			for (const other of recovery) {
				for (const otherKind of FAULT_KINDS) await tryCells([{ call, kind }, { call: other, kind: otherKind }]);
			}
		}
	}
	matrixSize.push(
		`${scenario.name}: ${clean.length} calls × ${FAULT_KINDS.length} faults, + ${recoveryCalls} recovery calls × ${FAULT_KINDS.length} = ${cellCount} cells`,
	);
	return problems;
}

/** Built once the servers run (the scenarios need their URLs); `name` is the test's. */
const scenarios: Array<{ name: string; make: () => Scenario }> = [
	{ name: 'Submit', make: () => submitScenario(false) },
	{ name: 'Submit (Skip Already Submitted)', make: () => submitScenario(true) },
	{ name: 'Upload binary, one PUT', make: () => uploadScenario({ file: 'small.mp4', from: 'binary', parts: false }) },
	{ name: 'Upload binary, multi-part with a renewal', make: () => uploadScenario({ file: 'parts.mp4', from: 'binary', parts: true }) },
	{ name: 'Upload from URL, one PUT', make: () => uploadScenario({ file: 'small.mp4', from: 'url', parts: false }) },
	{ name: 'Upload from URL, multi-part with a renewal', make: () => uploadScenario({ file: 'parts.mp4', from: 'url', parts: true }) },
];

const matrixSize: string[] = [];

describe('loss matrix: each VOD/OSS call of Submit and Upload fails before acting, or acts and loses its answer', () => {
	const held: Array<{ scenario: Scenario; cells: Cell[] }> = [];

	for (const { name, make } of scenarios) {
		it(`${name}: every cell keeps every source to one job or media, reported, and a re-run adds nothing`, async () => {
			expect(await searchScenario(make(), held)).toEqual([]);
		}, 300_000);
	}

	const heldBack = Object.keys(KNOWN).length ? it.failing : it.skip;
	heldBack('cells held back by findings other changes fix (fails while any of them still breaks)', async () => {
		const problems: string[] = [];
		for (const { scenario, cells } of held) {
			const key = cellKey(scenario, cells);
			problems.push(...(await runCell(scenario, cells)).problems.map((problem) => `${key} (${KNOWN[key]}): ${problem}`));
		}
		expect(problems).toEqual([]);
	}, 120_000);

	afterAll(() => {
		if (process.env.LOSS_MATRIX_REPORT) console.log(matrixSize.join('\n'));
	});
});
