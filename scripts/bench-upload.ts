/**
 * Benchmark of the Upload resource (run: `npx tsx scripts/bench-upload.ts [sizes in MiB…]`, default
 * 256 1024 4096; env BENCH_ROUNDS, default 3, and 2048 ÷ size for smaller files). For each size it
 * generates a random file on disk and uploads it into the emulator twice per round, each time in a
 * fresh child process so that memory is measured cleanly:
 *   node      the Alibaba Cloud VOD node (Upload Video/Audio From Binary Data, filesystem binary
 *             mode) in a real workflow run by n8n-core's WorkflowExecute;
 *   baseline  ali-oss's own multipartUpload(key, filePath) with the same part size and parallelism.
 * It prints, per size, both throughputs, their ratio (node ÷ baseline; goal ≥ 0.9), the CPU each used and
 * the mark-compacts each ran (per GiB), and the peak RSS growth of each upload (goal for the node: ≤ 64 MiB +
 * part size × parallel parts, at every size); each round's line on stderr has the scavenges and GC pauses too. One round's ratio moves by ±0.1 from run to run on a 2-CPU machine, so the ratio shown is the
 * median of the rounds, with their range beside it.
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

// ---------------------------------------------------------------------------------------------------
// child: the node

async function childNode(file: string, config: { vodEndpoint: string; accessKeyId: string; accessKeySecret: string }) {
	process.env.N8N_LOG_LEVEL = 'silent';
	const harness = await import('../test/harness');
	// Loaded here with its extension: a path ending in ".node" reads as a native addon to tsx's resolver.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { AlibabaCloudVod } = require(join(__dirname, '../nodes/AlibabaCloudVod/AlibabaCloudVod.node.ts')) as typeof import('../nodes/AlibabaCloudVod/AlibabaCloudVod.node');
	let stopSampling: (() => number) | undefined;
	let stopCounting: (() => Promise<GcCounts>) | undefined;
	let before = 0;
	let cpuBefore = process.cpuUsage();
	const result = await harness.runWorkflow({
		nodes: [
			harness.startNode(),
			harness.functionNode('Read File'),
			harness.functionNode('Mark'),
			harness.vodNode('VOD', {
				resource: 'upload',
				operation: 'uploadBinary',
				title: 'Bench',
				referenceIdMode: 'none',
				transferOptions: { partSizeMiB: PART_SIZE_MIB, parallelParts: PARALLEL },
			}),
			harness.functionNode('Done'),
		],
		connections: harness.chain('Start', 'Read File', 'Mark', 'VOD', 'Done'),
		credentials: harness.emulatorCredentials({
			vodEndpoint: config.vodEndpoint,
			accessKey: { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret },
		}),
		binaryMode: 'filesystem',
		extraNodeTypes: { [harness.VOD_NODE_TYPE]: new AlibabaCloudVod() },
		functions: {
			'Read File': async function (items) {
				const binary = await this.helpers.prepareBinaryData(createReadStream(file), 'bench.mp4', 'video/mp4');
				return [{ json: {}, binary: { data: binary }, pairedItem: { item: 0 } }];
			},
			Mark: (items) => {
				startClean();
				gc();
				before = process.memoryUsage().rss;
				stopSampling = rssSampler();
				stopCounting = gcCounter();
				cpuBefore = process.cpuUsage();
				return items;
			},
			Done: (items) => items,
		},
	});
	const peak = stopSampling ? stopSampling() : 0;
	const cpuSeconds = cpuSince(cpuBefore);
	const gcCounts = stopCounting ? await stopCounting() : { scavenges: 0, markCompacts: 0, pauseMs: 0 };
	const error = result.nodeError('VOD');
	if (error) throw error;
	const json = result.output('VOD')[0].json as { seconds: number; bytes: number };
	const out: ChildResult = {
		seconds: json.seconds,
		mibPerSecond: json.bytes / MiB / json.seconds,
		rssBeforeMiB: before / MiB,
		rssPeakMiB: peak / MiB,
		cpuSeconds,
		gc: gcCounts,
	};
	return out;
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
// child: ali-oss's own multipart upload from a file path

async function childBaseline(
	file: string,
	sts: { endpoint: string; bucket: string; key: string; accessKeyId: string; accessKeySecret: string; securityToken: string },
) {
	const OSS = (await import('ali-oss')).default;
	const client = new OSS({
		endpoint: sts.endpoint,
		bucket: sts.bucket,
		region: 'oss-cn-shanghai',
		accessKeyId: sts.accessKeyId,
		accessKeySecret: sts.accessKeySecret,
		stsToken: sts.securityToken,
		refreshSTSTokenInterval: 3600 * 1000,
		timeout: 300_000,
	} as never);
	startClean();
	gc();
	const before = process.memoryUsage().rss;
	const stop = rssSampler();
	const stopCounting = gcCounter();
	const cpuBefore = process.cpuUsage();
	const started = Date.now();
	await client.multipartUpload(sts.key, file, { partSize: PART_SIZE_MIB * MiB, parallel: PARALLEL });
	const seconds = (Date.now() - started) / 1000;
	const cpuSeconds = cpuSince(cpuBefore);
	const peak = stop();
	const out: ChildResult = {
		seconds,
		mibPerSecond: statSync(file).size / MiB / seconds,
		rssBeforeMiB: before / MiB,
		rssPeakMiB: peak / MiB,
		cpuSeconds,
		gc: await stopCounting(),
	};
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
	const rows: string[] = [];
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
	const uploadWithBaseline = async (file: string, size: number, round: number) => {
		const bucket = emulator.state.vod.bucket;
		const key = `bench/baseline-${size}-${round}.mp4`;
		const sts = emulator.state.issueSts(bucket, key, 'bench');
		const result = await runChild([
			'--child-baseline',
			file,
			JSON.stringify({
				endpoint: emulator.ossEndpoint,
				bucket,
				key,
				accessKeyId: sts.accessKeyId,
				accessKeySecret: sts.accessKeySecret,
				securityToken: sts.securityToken,
			}),
		]);
		removeStoredObjects(emulator);
		return result;
	};

	try {
		for (const size of sizesMiB) {
			const file = join(dir, `source-${size}.mp4`);
			process.stderr.write(`generating ${size} MiB …\n`);
			await writeRandomFile(file, size * MiB);

			const rounds = roundsFor(size, fixedRounds);
			const ratios: number[] = [];
			const nodes: ChildResult[] = [];
			const baselines: ChildResult[] = [];
			for (let round = 1; round <= rounds; round++) {
				// Alternating which goes first keeps a drift in the machine's speed out of the ratio.
				let node: ChildResult;
				let baseline: ChildResult;
				if (round % 2 === 1) {
					node = await uploadWithNode(file);
					baseline = await uploadWithBaseline(file, size, round);
				} else {
					baseline = await uploadWithBaseline(file, size, round);
					node = await uploadWithNode(file);
				}
				nodes.push(node);
				baselines.push(baseline);
				ratios.push(node.mibPerSecond / baseline.mibPerSecond);
				process.stderr.write(
					`${size} MiB round ${round}: node ${node.mibPerSecond.toFixed(1)} MiB/s (${effort(node)}), ` +
						`baseline ${baseline.mibPerSecond.toFixed(1)} MiB/s (${effort(baseline)}), ratio ${ratios.at(-1)!.toFixed(2)}\n`,
				);
			}
			rmSync(file, { force: true });

			const nodeGrowth = Math.max(...nodes.map((n) => n.rssPeakMiB - n.rssBeforeMiB));
			const baseGrowth = Math.max(...baselines.map((b) => b.rssPeakMiB - b.rssBeforeMiB));
			const gib = size / 1024;
			rows.push(
				[
					`${size} MiB`.padStart(9),
					`${median(nodes.map((n) => n.mibPerSecond)).toFixed(1)} MiB/s`.padStart(13),
					`${median(baselines.map((b) => b.mibPerSecond)).toFixed(1)} MiB/s`.padStart(13),
					median(ratios).toFixed(2).padStart(6),
					`${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`.padStart(10),
					`${(median(nodes.map((n) => n.cpuSeconds)) / gib).toFixed(1)} s`.padStart(9),
					`${(median(baselines.map((b) => b.cpuSeconds)) / gib).toFixed(1)} s`.padStart(9),
					`${nodeGrowth.toFixed(0)} MiB`.padStart(9),
					`${baseGrowth.toFixed(0)} MiB`.padStart(9),
					`${(median(nodes.map((n) => n.gc.markCompacts)) / gib).toFixed(0)}`.padStart(7),
					`${(median(baselines.map((b) => b.gc.markCompacts)) / gib).toFixed(0)}`.padStart(7),
					nodeGrowth <= memoryGoal ? 'ok' : 'OVER',
					String(rounds).padStart(6),
				].join('  '),
			);
		}
	} finally {
		await emulator.stop();
		rmSync(dir, { recursive: true, force: true });
		rmSync(storage.path, { recursive: true, force: true });
	}
	console.log(
		`\nUpload benchmark: part size ${PART_SIZE_MIB} MiB, ${PARALLEL} parallel parts, emulator on loopback, ` +
			`node and baseline alternating in each round (${cpuInfo()})`,
	);
	console.log(
		'throughputs and ratio are medians over the rounds; CPU (user + system, all threads) and MC (mark-compact ' +
			'garbage collections) are the uploading process\'s, per GiB; RSS+ is the peak growth over the rounds',
	);
	console.log(`the emulator stores what it receives in ${storage.where}`);
	console.log(`memory goal for the node: peak RSS growth ≤ 64 MiB + ${PART_SIZE_MIB} MiB × ${PARALLEL} = ${memoryGoal} MiB\n`);
	console.log(
		['     size', '         node', '     baseline', ' ratio', '     range', ' node CPU', ' base CPU', ' node RSS+', ' base RSS+', 'node MC', 'base MC', 'memory', 'rounds'].join('  '),
	);
	for (const row of rows) console.log(row);
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

async function main() {
	const [mode, file, config] = process.argv.slice(2);
	if (mode === '--child-node') {
		const out = await childNode(file, JSON.parse(config));
		console.log(`RESULT ${JSON.stringify(out)}`);
		process.exit(0);
	}
	if (mode === '--child-baseline') {
		const out = await childBaseline(file, JSON.parse(config));
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
