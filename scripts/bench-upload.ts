/**
 * Benchmark of the Upload resource (run: `npx tsx scripts/bench-upload.ts [sizes in MiB…]`, default
 * 256 1024 4096; env BENCH_ROUNDS, default 3, and 2048 ÷ size for smaller files). For each size it
 * generates a random file on disk and uploads it into the emulator three times per round, each time in a
 * fresh child process so that memory is measured cleanly, in an order that rotates every round:
 *   node            the Alibaba Cloud VOD node (Upload Video/Audio From Binary Data, filesystem binary
 *                   mode) in a real workflow run by n8n-core's WorkflowExecute;
 *   ali-oss         ali-oss's own multipartUpload(key, filePath) with the same part size and parallelism,
 *                   in a process that loads nothing else;
 *   ali-oss in n8n  the same call in a function node in the VOD node's place: same workflow, same modules,
 *                   same kind of process, uploading n8n's stored copy of the file (what the node reads).
 * It prints, per size, the throughputs, node ÷ each baseline (goal ≥ 0.9; medians of the rounds with their
 * range, since one round's ratio moves by ±0.1 on a 2-CPU machine), and for each side the CPU and the
 * mark-compacts per GiB and the peak RSS growth (goal for the node: ≤ 64 MiB + part size × parallel parts,
 * at every size); each round's line on stderr has the scavenges and GC pauses too.
 *
 * BENCH_N8N_HEAP_MIB=<n> makes both workflow children hold about n MiB of live objects, as a running
 * n8n's heap does (see n8nSizedHeap).
 *
 * Throughput counts the upload only (from the first OSS request to Complete): for the node its own
 * `seconds` output; n8n's copy of the file into its binary store happens before and is not counted.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
	createReadStream,
	existsSync,
	mkdtempSync,
	rmSync,
	statfsSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';

import type { INode } from 'n8n-workflow';

import type { HarnessFunction, RunWorkflowOptions, WorkflowResult } from '../test/harness';
import { median } from './lib/stats';

const MiB = 1024 * 1024;
const PART_SIZE_MIB = 8;
const PARALLEL = 4;

interface ChildResult {
	seconds: number;
	mibPerSecond: number;
	rssBeforeMiB: number;
	rssPeakMiB: number;
	/** CPU time (user + system) of the child while it uploaded */
	cpuSeconds: number;
	/** garbage collections while it uploaded: scavenges (young generation) and mark-compacts (whole heap) */
	gc: GcCounts;
	md5?: string;
}

interface GcCounts {
	scavenges: number;
	markCompacts: number;
	/** milliseconds spent in either */
	pauseMs: number;
}

/** counts the process's garbage collections until stopped */
function gcCounter() {
	const counts: GcCounts = { scavenges: 0, markCompacts: 0, pauseMs: 0 };
	const observer = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) {
			const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
			if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) counts.scavenges++;
			else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) counts.markCompacts++;
			counts.pauseMs += entry.duration;
		}
	});
	observer.observe({ entryTypes: ['gc'] });
	return () =>
		new Promise<GcCounts>((resolve) =>
			// entries are delivered asynchronously: let the last ones arrive
			setImmediate(() => {
				observer.disconnect();
				resolve(counts);
			}),
		);
}

/** samples RSS every 20 ms until stopped; returns the peak */
function rssSampler() {
	let peak = process.memoryUsage().rss;
	const timer = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().rss);
	}, 20);
	return () => {
		clearInterval(timer);
		return Math.max(peak, process.memoryUsage().rss);
	};
}

function gc() {
	(globalThis as { gc?: () => void }).gc?.();
}

/** what one upload cost its process, measured from just before it starts until `stop` */
function startMeasuring() {
	startClean();
	gc();
	const rssBefore = process.memoryUsage().rss;
	const stopSampling = rssSampler();
	const stopCounting = gcCounter();
	const cpuBefore = process.cpuUsage();
	return async (): Promise<Omit<ChildResult, 'seconds' | 'mibPerSecond'>> => {
		const cpuSeconds = cpuSince(cpuBefore);
		const peak = stopSampling();
		return { rssBeforeMiB: rssBefore / MiB, rssPeakMiB: peak / MiB, cpuSeconds, gc: await stopCounting() };
	};
}

/**
 * Both sides start from the same state: nothing left to write back, and (where this process may, i.e.
 * as root) no file in the page cache, so both read their source from disk. Otherwise the node's side
 * would start with n8n's fresh copy of the file cached on top of the source, and at 4 GiB that extra
 * memory pressure slowed the emulator during the node's rounds only (profiles: its Complete took
 * 32 s against the baseline's 19 s).
 */
function startClean() {
	execFileSync('sync');
	try {
		writeFileSync('/proc/sys/vm/drop_caches', '1');
	} catch {
		// not root: the page cache stays as it is
	}
}

function cpuSince(start: NodeJS.CpuUsage) {
	const used = process.cpuUsage(start);
	return (used.user + used.system) / 1e6;
}

// ---------------------------------------------------------------------------------------------------
// children in a workflow: the node, and ali-oss in a function node in its place

type Harness = typeof import('../test/harness');

/** what stands between Mark and Done, and how to read the upload's time and size from the run */
interface UploadStep {
	node: INode;
	function?: HarnessFunction;
	credentials?: RunWorkflowOptions['credentials'];
	extraNodeTypes?: RunWorkflowOptions['extraNodeTypes'];
	outcome(result: WorkflowResult): { seconds: number; bytes: number };
}

/**
 * Runs Start → Read File → Mark → <upload> → Done with binary data in filesystem mode, as n8n would:
 * Read File stores the source in n8n's binary store, Mark starts measuring, and what the upload step
 * costs its process is measured up to the end of the run.
 */
async function childInWorkflow(file: string, uploadStep: (harness: Harness) => UploadStep) {
	process.env.N8N_LOG_LEVEL = 'silent';
	const harness = await import('../test/harness');
	const step = uploadStep(harness);
	const heap = n8nSizedHeap(Number(process.env.BENCH_N8N_HEAP_MIB ?? 0));
	let stopMeasuring: ReturnType<typeof startMeasuring> | undefined;
	const result = await harness.runWorkflow({
		nodes: [
			harness.startNode(),
			harness.functionNode('Read File'),
			harness.functionNode('Mark'),
			step.node,
			harness.functionNode('Done'),
		],
		connections: harness.chain('Start', 'Read File', 'Mark', step.node.name, 'Done'),
		credentials: step.credentials,
		binaryMode: 'filesystem',
		extraNodeTypes: step.extraNodeTypes,
		functions: {
			'Read File': async function (items) {
				const binary = await this.helpers.prepareBinaryData(createReadStream(file), 'bench.mp4', 'video/mp4');
				return [{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }];
			},
			Mark: (items) => {
				stopMeasuring = startMeasuring();
				return items;
			},
			...(step.function ? { [step.node.name]: step.function } : {}),
			Done: (items) => items,
		},
	});
	const measured = stopMeasuring ? await stopMeasuring() : undefined;
	heap.length = 0;
	const error = result.nodeError(step.node.name);
	if (error) throw error;
	if (!measured) throw new Error('the workflow never reached Mark');
	const { seconds, bytes } = step.outcome(result);
	const out: ChildResult = { seconds, mibPerSecond: bytes / MiB / seconds, ...measured };
	return out;
}

/**
 * About `mib` MiB of live objects, held while the workflow runs. The harness's process holds a heap of
 * ~45 MB, a running n8n several times that; V8 sizes its old-generation limit on the live heap, and with a
 * small heap the limit's slack is smaller than the fresh buffers V8 lets pile up before a scavenge, so
 * each slack's worth of them starts a mark-compact instead.
 */
function n8nSizedHeap(mib: number) {
	const held: Array<{ index: number; text: string }> = [];
	const start = process.memoryUsage().heapUsed;
	while (process.memoryUsage().heapUsed - start < mib * MiB) {
		for (let i = 0; i < 10_000; i++) held.push({ index: held.length, text: `${'x'.repeat(64)}${held.length}` });
	}
	return held;
}

/** the Alibaba Cloud VOD node, Upload from binary data */
async function childNode(file: string, config: { vodEndpoint: string; accessKeyId: string; accessKeySecret: string }) {
	return await childInWorkflow(file, (harness) => {
		// Loaded here with its extension: a path ending in ".node" reads as a native addon to tsx's resolver.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { AlibabaCloudVod } = require(join(__dirname, '../nodes/AlibabaCloudVod/AlibabaCloudVod.node.ts')) as typeof import('../nodes/AlibabaCloudVod/AlibabaCloudVod.node');
		return {
			node: harness.vodNode('VOD', {
				resource: 'upload',
				operation: 'uploadBinary',
				title: 'Bench',
				referenceIdMode: 'none',
				transferOptions: { partSizeMiB: PART_SIZE_MIB, parallelParts: PARALLEL },
			}),
			credentials: harness.emulatorCredentials({
				vodEndpoint: config.vodEndpoint,
				accessKey: { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret },
			}),
			extraNodeTypes: { [harness.VOD_NODE_TYPE]: new AlibabaCloudVod() },
			outcome: (result) => result.output('VOD')[0].json as { seconds: number; bytes: number },
		};
	});
}

/**
 * ali-oss's multipartUpload in a function node where the VOD node stands: the official client inside
 * n8n, as the package uploaded before issue 14. It uploads n8n's stored copy (getBinaryPath), the file
 * the node reads, so that the two differ in the uploader only.
 */
async function childBaselineInN8n(file: string, target: OssTarget) {
	const client = await aliOssClient(target);
	return await childInWorkflow(file, (harness) => {
		let seconds = 0;
		return {
			node: harness.functionNode('ali-oss'),
			function: async function (items) {
				const path = this.helpers.getBinaryPath(items[0].binary?.data.id as string);
				seconds = await aliOssUpload(client, target.key, path);
				return [{ json: { bytes: statSync(path).size }, pairedItem: { item: 0 } }];
			},
			outcome: (result) => ({ seconds, bytes: result.output('ali-oss')[0].json.bytes as number }),
		};
	});
}

// ---------------------------------------------------------------------------------------------------
// child: ali-oss's own multipart upload from a file path, in a process of its own

interface OssTarget {
	endpoint: string;
	bucket: string;
	key: string;
	accessKeyId: string;
	accessKeySecret: string;
	securityToken: string;
}

async function aliOssClient(target: OssTarget) {
	const OSS = (await import('ali-oss')).default;
	return new OSS({
		endpoint: target.endpoint,
		bucket: target.bucket,
		region: 'oss-cn-shanghai',
		accessKeyId: target.accessKeyId,
		accessKeySecret: target.accessKeySecret,
		stsToken: target.securityToken,
		refreshSTSTokenInterval: 3600 * 1000,
		timeout: 300_000,
	} as never);
}

/** the upload's seconds */
async function aliOssUpload(client: Awaited<ReturnType<typeof aliOssClient>>, key: string, path: string) {
	const started = Date.now();
	await client.multipartUpload(key, path, { partSize: PART_SIZE_MIB * MiB, parallel: PARALLEL });
	return (Date.now() - started) / 1000;
}

async function childBaseline(file: string, target: OssTarget) {
	const client = await aliOssClient(target);
	const stopMeasuring = startMeasuring();
	const seconds = await aliOssUpload(client, target.key, file);
	const out: ChildResult = { seconds, mibPerSecond: statSync(file).size / MiB / seconds, ...(await stopMeasuring()) };
	return out;
}

// ---------------------------------------------------------------------------------------------------
// parent

function runChild(args: string[]): Promise<ChildResult> {
	return new Promise((resolve, reject) => {
		// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each upload into <dir> (open it in Chrome DevTools).
		const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
		// BENCH_NODE_FLAGS="--trace-gc …" adds V8 flags to each child; BENCH_CHILD_LOG=<dir> keeps each child's
		// output there (what --trace-gc prints), one file per child.
		const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
		const child = spawn(process.execPath, ['--expose-gc', ...profile, ...flags, '--import', 'tsx', __filename, ...args], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let stdout = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.on('exit', (code) => {
			if (process.env.BENCH_CHILD_LOG) {
				writeFileSync(join(process.env.BENCH_CHILD_LOG, `${args[0].replace(/^-+/, '')}-${Date.now()}.log`), stdout);
			}
			const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
			if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as ChildResult);
			else reject(new Error(`child ${args[0]} exited with ${code}: ${stdout.slice(-2000)}`));
		});
	});
}

/** what one upload cost its process: CPU, garbage collections, RSS growth */
function effort(result: ChildResult) {
	const { scavenges, markCompacts, pauseMs } = result.gc;
	return (
		`cpu ${result.cpuSeconds.toFixed(1)} s, gc ${scavenges} scavenges + ${markCompacts} mark-compacts ` +
		`${pauseMs.toFixed(0)} ms, rss +${(result.rssPeakMiB - result.rssBeforeMiB).toFixed(0)} MiB`
	);
}

/** Small files finish in seconds, where the machine's jitter weighs most: they get more rounds. */
const roundsFor = (sizeMiB: number, fixed?: number) => fixed ?? Math.max(3, Math.ceil(2048 / sizeMiB));

async function parent(sizesMiB: number[], fixedRounds: number | undefined) {
	const { startEmulator } = await import('../test/emulator');
	const { writeRandomFile } = await import('../test/upload/fixtures');
	const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
	const storage = emulatorStorage(dir, Math.max(...sizesMiB));
	try {
		checkDiskSpace(dir, Math.max(...sizesMiB), storage.path.startsWith(dir));
	} catch (error) {
		rmSync(dir, { recursive: true, force: true });
		rmSync(storage.path, { recursive: true, force: true });
		throw error;
	}
	const emulator = await startEmulator({ dataDir: storage.path });
	const summaries: SizeSummary[] = [];
	const memoryGoal = 64 + PART_SIZE_MIB * PARALLEL;

	const uploadWithNode = async (file: string) => {
		const result = await runChild([
			'--child-node',
			file,
			JSON.stringify({ vodEndpoint: emulator.vodEndpoint, ...emulator.accessKey }),
		]);
		removeStoredObjects(emulator);
		return result;
	};
	const uploadWithAliOss = (mode: string) => async (file: string, key: string) => {
		const bucket = emulator.state.vod.bucket;
		const sts = emulator.state.issueSts(bucket, key, 'bench');
		const target: OssTarget = {
			endpoint: emulator.ossEndpoint,
			bucket,
			key,
			accessKeyId: sts.accessKeyId,
			accessKeySecret: sts.accessKeySecret,
			securityToken: sts.securityToken,
		};
		const result = await runChild([mode, file, JSON.stringify(target)]);
		removeStoredObjects(emulator);
		return result;
	};
	const sides: Side[] = [
		{ name: 'node', upload: uploadWithNode },
		{ name: 'ali-oss', upload: uploadWithAliOss('--child-baseline') },
		{ name: 'ali-oss in n8n', upload: uploadWithAliOss('--child-baseline-n8n') },
	];

	try {
		for (const size of sizesMiB) {
			const file = join(dir, `source-${size}.mp4`);
			process.stderr.write(`generating ${size} MiB …\n`);
			await writeRandomFile(file, size * MiB);

			const rounds = roundsFor(size, fixedRounds);
			const results = new Map<SideName, ChildResult[]>(sides.map((side) => [side.name, []]));
			for (let round = 1; round <= rounds; round++) {
				// The order rotates every round, which keeps a drift in the machine's speed out of the ratios.
				const order = [...sides.slice((round - 1) % sides.length), ...sides.slice(0, (round - 1) % sides.length)];
				const line: string[] = [];
				for (const side of order) {
					const result = await side.upload(file, `bench/${side.name.replace(/\W+/g, '-')}-${size}-${round}.mp4`);
					results.get(side.name)!.push(result);
					line.push(`${side.name} ${result.mibPerSecond.toFixed(1)} MiB/s (${effort(result)})`);
				}
				const ratios = BASELINES.map((name) => `÷ ${name} ${ratioOf(results, name).at(-1)!.toFixed(2)}`);
				process.stderr.write(`${size} MiB round ${round}: ${line.join(', ')}; node ${ratios.join(', ')}\n`);
			}
			rmSync(file, { force: true });
			summaries.push({ size, rounds, results });
		}
	} finally {
		await emulator.stop();
		rmSync(dir, { recursive: true, force: true });
		rmSync(storage.path, { recursive: true, force: true });
	}
	console.log(
		`\nUpload benchmark: part size ${PART_SIZE_MIB} MiB, ${PARALLEL} parallel parts, emulator on loopback, ` +
			`the three sides in an order that rotates every round (${cpuInfo()})`,
	);
	console.log(
		'ali-oss: its multipartUpload from the source file in a process of its own; ali-oss in n8n: the same call in a ' +
			'function node in the node\'s place, same workflow and process, from n8n\'s stored copy',
	);
	if (process.env.BENCH_N8N_HEAP_MIB) {
		console.log(`both workflow children held about ${process.env.BENCH_N8N_HEAP_MIB} MiB of live objects more (BENCH_N8N_HEAP_MIB)`);
	}
	console.log(`the emulator stores what it receives in ${storage.where}\n`);
	printThroughputs(summaries);
	printEfforts(summaries, memoryGoal);
}

type SideName = 'node' | 'ali-oss' | 'ali-oss in n8n';

interface Side {
	name: SideName;
	upload: (file: string, key: string) => Promise<ChildResult>;
}

interface SizeSummary {
	size: number;
	rounds: number;
	results: Map<SideName, ChildResult[]>;
}

const BASELINES: SideName[] = ['ali-oss', 'ali-oss in n8n'];

/** node ÷ a baseline, round by round */
function ratioOf(results: Map<SideName, ChildResult[]>, baseline: SideName) {
	const base = results.get(baseline)!;
	return results.get('node')!.map((node, round) => node.mibPerSecond / base[round].mibPerSecond);
}

function medianAndRange(values: number[]) {
	return `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
}

function printThroughputs(summaries: SizeSummary[]) {
	console.log('throughputs and ratios: medians over the rounds, ratios with their range');
	const head = ['     size', ...sidesOf(summaries).map((name) => name.padStart(15))];
	head.push(...BASELINES.map((name) => `node ÷ ${name}`.padStart(24)), 'rounds');
	console.log(head.join('  '));
	for (const { size, rounds, results } of summaries) {
		const row = [`${size} MiB`.padStart(9)];
		for (const list of results.values()) row.push(`${median(list.map((r) => r.mibPerSecond)).toFixed(1)} MiB/s`.padStart(15));
		row.push(...BASELINES.map((name) => medianAndRange(ratioOf(results, name)).padStart(24)), String(rounds).padStart(6));
		console.log(row.join('  '));
	}
}

function printEfforts(summaries: SizeSummary[], memoryGoal: number) {
	console.log(
		'\neach side\'s process while it uploaded: CPU (user + system, all threads), MC (mark-compact garbage collections) ' +
			'and GC pauses per GiB, medians; RSS+ the peak growth over the rounds' +
			` (goal for the node: ≤ 64 MiB + ${PART_SIZE_MIB} MiB × ${PARALLEL} = ${memoryGoal} MiB)`,
	);
	console.log(['     size', '          side', 'CPU/GiB', 'MC/GiB', 'GC ms/GiB', '   RSS+', 'memory'].join('  '));
	for (const { size, results } of summaries) {
		const gib = size / 1024;
		for (const [name, list] of results) {
			const growth = Math.max(...list.map((r) => r.rssPeakMiB - r.rssBeforeMiB));
			console.log(
				[
					`${size} MiB`.padStart(9),
					name.padStart(14),
					`${(median(list.map((r) => r.cpuSeconds)) / gib).toFixed(1)} s`.padStart(7),
					(median(list.map((r) => r.gc.markCompacts)) / gib).toFixed(0).padStart(6),
					(median(list.map((r) => r.gc.pauseMs)) / gib).toFixed(0).padStart(9),
					`${growth.toFixed(0)} MiB`.padStart(7),
					name === 'node' ? (growth <= memoryGoal ? 'ok' : 'OVER') : '',
				].join('  '),
			);
		}
	}
}

function sidesOf(summaries: SizeSummary[]): SideName[] {
	return [...(summaries[0]?.results.keys() ?? [])];
}

/**
 * Where the emulator keeps what it receives: in memory (/dev/shm) when there is room for the parts and the
 * completed object of the largest file, so that the disk's writeback — which throttled whichever upload it
 * fell on and moved single rounds by ±20 % — is not what the ratio measures. Both sides upload to it alike.
 */
function emulatorStorage(dir: string, largestMiB: number) {
	const shm = '/dev/shm';
	// the parts and the completed object, with room to spare; /dev/shm is RAM, so the memory has to be free too
	// (its size is half or all of RAM, whatever other processes use)
	const needed = 2.5 * largestMiB * MiB;
	try {
		if (existsSync(shm) && freeBytes(shm) > needed && freemem() > needed + SPARE_MEMORY) {
			return { path: mkdtempSync(join(shm, 'bench-upload-')), where: `memory (${shm})` };
		}
	} catch {
		// no statfs or no /dev/shm: the disk it is
	}
	return { path: join(dir, 'emulator'), where: `${dir} (disk)` };
}

/** what the processes and the page cache of the source need beside the emulator's store in memory */
const SPARE_MEMORY = 4096 * MiB;

function freeBytes(path: string) {
	const { bavail, bsize } = statfsSync(path);
	return bavail * bsize;
}

/**
 * Fails before generating anything when the disk cannot hold what a size needs: the source file, n8n's
 * copy of it in the child's binary store (both in the temp folder), and the emulator's store if it is
 * on disk too.
 */
function checkDiskSpace(dir: string, largestMiB: number, emulatorOnDisk: boolean) {
	const needed = (2 + (emulatorOnDisk ? 2.5 : 0)) * largestMiB * MiB;
	const free = freeBytes(dir);
	if (free < needed) {
		throw new Error(
			`${dir} has ${(free / MiB / 1024).toFixed(1)} GiB free; ${largestMiB} MiB needs ${(needed / MiB / 1024).toFixed(1)} GiB ` +
				'(source, n8n\'s copy' + (emulatorOnDisk ? ', the emulator\'s parts and object' : '') + '): set TMPDIR or pass smaller sizes',
		);
	}
}

function removeStoredObjects(emulator: { state: { objects: Map<string, { path: string }> } }) {
	for (const object of emulator.state.objects.values()) rmSync(object.path, { force: true });
	emulator.state.objects.clear();
}

function cpuInfo() {
	try {
		return `${execFileSync('nproc').toString().trim()} CPUs, Node ${process.version}`;
	} catch {
		return `Node ${process.version}`;
	}
}

const CHILDREN: Record<string, (file: string, config: never) => Promise<ChildResult>> = {
	'--child-node': childNode,
	'--child-baseline': childBaseline,
	'--child-baseline-n8n': childBaselineInN8n,
};

async function main() {
	const [mode, file, config] = process.argv.slice(2);
	const child = CHILDREN[mode];
	if (child) {
		const out = await child(file, JSON.parse(config) as never);
		console.log(`RESULT ${JSON.stringify(out)}`);
		process.exit(0);
	}
	const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
	const rounds = process.env.BENCH_ROUNDS ? Math.max(1, Number(process.env.BENCH_ROUNDS)) : undefined;
	await parent(sizes.length ? sizes : [256, 1024, 4096], rounds);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
