/**
 * Benchmark: one ali-oss multipartUpload through the OSS emulator, printing throughput and the
 * process's peak RSS (client + server share it), to show that nothing holds a whole object.
 * Usage: npx tsx test/emulator/oss/bench-upload.ts [sizeMiB=400] [partMiB=8] [parallel=4]
 */
import OSS from 'ali-oss';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { EmulatorState } from '../state';
import { createOssServer } from './index';

async function main() {
	const [sizeMiB = 400, partMiB = 8, parallel = 4] = process.argv.slice(2).map(Number);
	const MiB = 1024 * 1024;
	const dir = mkdtempSync(join(tmpdir(), 'oss-bench-'));
	try {
		const state = new EmulatorState(join(dir, 'data'));
		state.addAccount({ accessKeyId: 'BENCHAK', accessKeySecret: 'bench-secret' });
		const server = createOssServer(state);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const source = join(dir, 'source.bin');
		const chunk = randomBytes(MiB);
		await pipeline(async function* () {
			for (let i = 0; i < sizeMiB; i++) yield chunk;
		}, createWriteStream(source));

		let peakRss = 0;
		const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
		const oss = new OSS({
			accessKeyId: 'BENCHAK',
			accessKeySecret: 'bench-secret',
			endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
			bucket: 'bench-bucket',
			region: 'oss-cn-shanghai',
		} as OSS.Options);
		const started = Date.now();
		await oss.multipartUpload('bench/source.bin', source, { partSize: partMiB * MiB, parallel });
		const ms = Date.now() - started;
		clearInterval(sampler);
		const stored = state.objects.get('bench-bucket/bench/source.bin');
		console.log(
			JSON.stringify({
				sizeMiB,
				partMiB,
				parallel,
				ms,
				mibPerSecond: Math.round((sizeMiB / ms) * 1000),
				peakRssMiB: Math.round(peakRss / MiB),
				storedBytes: stored?.size,
			}),
		);
		server.close();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

void main();
