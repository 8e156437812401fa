/**
 * Benchmark of the Upload resource (run: `npx tsx scripts/bench-upload.ts [sizes in MiB…]`, default
 * 256 1024 4096). For each size it generates a random file on disk and uploads it into the emulator
 * twice, each time in a fresh child process so that memory is measured cleanly:
 *   node      the Alibaba Cloud VOD node (Upload Video/Audio From Binary Data, filesystem binary
 *             mode) in a real workflow run by n8n-core's WorkflowExecute;
 *   baseline  ali-oss's own multipartUpload(key, filePath) with the same part size and parallelism.
 * It prints, per size, both throughputs, their ratio (node ÷ baseline; goal ≥ 0.9) and the peak RSS
 * growth of each upload (goal for the node: ≤ 64 MiB + part size × parallel parts, at every size).
 *
 * Throughput counts the upload only (from the first OSS request to Complete): for the node its own
 * `seconds` output; n8n's copy of the file into its binary store happens before and is not counted.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MiB = 1024 * 1024;
const PART_SIZE_MIB = 8;
const PARALLEL = 4;

interface ChildResult {
	seconds: number;
	mibPerSecond: number;
	rssBeforeMiB: number;
	rssPeakMiB: number;
	md5?: string;
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
	let before = 0;
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
				// Flush n8n's copy of the file to disk first, so its writeback does not slow the upload measured.
				execFileSync('sync');
				gc();
				before = process.memoryUsage().rss;
				stopSampling = rssSampler();
				return items;
			},
			Done: (items) => items,
		},
	});
	const peak = stopSampling ? stopSampling() : 0;
	const error = result.nodeError('VOD');
	if (error) throw error;
	const json = result.output('VOD')[0].json as { seconds: number; bytes: number };
	const out: ChildResult = {
		seconds: json.seconds,
		mibPerSecond: json.bytes / MiB / json.seconds,
		rssBeforeMiB: before / MiB,
		rssPeakMiB: peak / MiB,
	};
	return out;
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
	gc();
	const before = process.memoryUsage().rss;
	const stop = rssSampler();
	const started = Date.now();
	await client.multipartUpload(sts.key, file, { partSize: PART_SIZE_MIB * MiB, parallel: PARALLEL });
	const seconds = (Date.now() - started) / 1000;
	const peak = stop();
	const out: ChildResult = {
		seconds,
		mibPerSecond: statSync(file).size / MiB / seconds,
		rssBeforeMiB: before / MiB,
		rssPeakMiB: peak / MiB,
	};
	return out;
}

// ---------------------------------------------------------------------------------------------------
// parent

function runChild(args: string[]): Promise<ChildResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, ...args], {
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		let stdout = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.on('exit', (code) => {
			const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
			if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as ChildResult);
			else reject(new Error(`child ${args[0]} exited with ${code}: ${stdout.slice(-2000)}`));
		});
	});
}

async function parent(sizesMiB: number[]) {
	const { startEmulator } = await import('../test/emulator');
	const { writeRandomFile } = await import('../test/upload/fixtures');
	const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
	const emulator = await startEmulator({ dataDir: join(dir, 'emulator') });
	const rows: string[] = [];
	const memoryGoal = 64 + PART_SIZE_MIB * PARALLEL;
	try {
		for (const size of sizesMiB) {
			const file = join(dir, `source-${size}.mp4`);
			process.stderr.write(`generating ${size} MiB …\n`);
			await writeRandomFile(file, size * MiB);

			process.stderr.write(`node ${size} MiB …\n`);
			const node = await runChild([
				'--child-node',
				file,
				JSON.stringify({ vodEndpoint: emulator.vodEndpoint, ...emulator.accessKey }),
			]);
			removeStoredObjects(emulator);

			process.stderr.write(`baseline ${size} MiB …\n`);
			const bucket = emulator.state.vod.bucket;
			const key = `bench/baseline-${size}.mp4`;
			const sts = emulator.state.issueSts(bucket, key, 'bench');
			const baseline = await runChild([
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
			rmSync(file, { force: true });

			const nodeGrowth = node.rssPeakMiB - node.rssBeforeMiB;
			const baseGrowth = baseline.rssPeakMiB - baseline.rssBeforeMiB;
			rows.push(
				[
					`${size} MiB`.padStart(9),
					`${node.mibPerSecond.toFixed(1)} MiB/s`.padStart(13),
					`${baseline.mibPerSecond.toFixed(1)} MiB/s`.padStart(13),
					(node.mibPerSecond / baseline.mibPerSecond).toFixed(2).padStart(6),
					`${nodeGrowth.toFixed(0)} MiB`.padStart(9),
					`${baseGrowth.toFixed(0)} MiB`.padStart(9),
					nodeGrowth <= memoryGoal ? 'ok' : 'OVER',
				].join('  '),
			);
			process.stderr.write(`${rows.at(-1)}\n`);
		}
	} finally {
		await emulator.stop();
		rmSync(dir, { recursive: true, force: true });
	}
	console.log(`\nUpload benchmark: part size ${PART_SIZE_MIB} MiB, ${PARALLEL} parallel parts, emulator on loopback (${cpuInfo()})`);
	console.log(`memory goal for the node: RSS growth ≤ 64 MiB + ${PART_SIZE_MIB} MiB × ${PARALLEL} = ${memoryGoal} MiB\n`);
	console.log(['     size', '         node', '     baseline', ' ratio', ' node RSS+', ' base RSS+', 'memory'].join('  '));
	for (const row of rows) console.log(row);
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
	await parent(sizes.length ? sizes : [256, 1024, 4096]);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
