/**
 * `npm run demo -- --once` end to end, once per n8n version (`--n8n`): the script starts the emulator,
 * sample media and a real n8n with the package, runs examples/migrate-url-list.json (adapted) and prints
 * one row per source. Run with
 * `--skip-build`: the dist/ under test is the one `npm test` built (the demo's own build step is
 * `npm run build`, nothing more).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { e2eVersions, REPO_ROOT } from './lib/install';
import { timed } from './lib/timing';

test.each(e2eVersions())(
	'npm run demo -- --once --n8n %s migrates the sample URLs and prints a table that matches VOD',
	async (version) => {
		const { code, output } = await timed(`demo --once --n8n ${version}`, async () => {
			const child = spawn(
				process.execPath,
				[
					join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
					'scripts/demo.ts',
					'--once',
					'--skip-build',
					'--count',
					'8',
					'--n8n',
					version,
				],
				{ cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
			);
			let text = '';
			child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
			child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
			const exitCode = await new Promise<number | null>((resolve) => child.once('close', resolve));
			return { code: exitCode, output: text };
		});
		expect({ code, tail: output.slice(-3000) }).toEqual({ code: 0, tail: expect.any(String) });
		const rows = output.split('\n').filter((line) => /^sample-\d{3}\.mp4\s/.test(line));
		expect(rows).toHaveLength(8);
		for (const row of rows) {
			expect(row).toMatch(
				/^sample-\d{3}\.mp4\s+[0-9a-f]{32}\s+[0-9a-f]{32}\s+succeeded \(SUCCESS\)\s+SUCCESS$/,
			);
		}
		expect(output).toMatch(/workflow execution \d+: success/);
	},
	30 * 60_000,
);
