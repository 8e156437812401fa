/**
 * What installing this package adds to an n8n: packs it and installs the tarball the way n8n 1.123
 * installs a community package (community-packages.service.js `downloadPackage`: extract, drop
 * devDependencies, peerDependencies and optionalDependencies, then `npm install` with its flags),
 * and prints the packages and bytes that land in node_modules.
 *
 *   npx tsx scripts/install-size.ts
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const N8N_INSTALL_FLAGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

function run(command: string, args: string[], cwd: string): string {
	return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

interface Tally {
	packages: number;
	/** name@version: n8n's shallow install copies a shared dependency into each dependent */
	distinct: Set<string>;
	apparentBytes: number;
	diskBytes: number;
}

/** Every `node_modules/<name>` or `node_modules/@scope/<name>` folder with a package.json, at any depth. */
function tally(dir: string, total: Tally = { packages: 0, distinct: new Set(), apparentBytes: 0, diskBytes: 0 }, parent = ''): Tally {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		const stat = lstatSync(path);
		total.apparentBytes += stat.size;
		total.diskBytes += stat.blocks * 512;
		if (!entry.isDirectory()) continue;
		const isPackage =
			(parent === 'node_modules' && !entry.name.startsWith('@')) || parent.startsWith('node_modules/@');
		if (isPackage && entry.name !== '.bin') {
			try {
				const { name, version } = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { name: string; version: string };
				total.packages++;
				total.distinct.add(`${name}@${version}`);
			} catch {
				// a folder without a manifest is no package
			}
		}
		const next = entry.name === 'node_modules' ? 'node_modules' : parent === 'node_modules' && entry.name.startsWith('@') ? `node_modules/${entry.name}` : '';
		tally(path, total, next);
	}
	return total;
}

function main() {
	const work = mkdtempSync(join(tmpdir(), 'n8n-install-size-'));
	try {
		run('npm', ['run', '--silent', 'build'], ROOT);
		const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as Array<{ filename: string }>;
		const packageDir = join(work, 'package');
		run('tar', ['-xzf', join(work, filename), '-C', work], work);
		const manifestPath = join(packageDir, 'package.json');
		const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
		delete manifest.devDependencies;
		delete manifest.peerDependencies;
		delete manifest.optionalDependencies;
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		run('npm', ['install', ...N8N_INSTALL_FLAGS, '--loglevel=error'], packageDir);

		const own = tally(packageDir);
		const dependencies = tally(join(packageDir, 'node_modules'), undefined, 'node_modules');
		const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
		console.log(`${manifest.name}@${manifest.version} installed as n8n installs a community package:`);
		console.log(`  dependencies: ${dependencies.packages} package folders (${dependencies.distinct.size} distinct), ${mb(dependencies.apparentBytes)} MB (${mb(dependencies.diskBytes)} MB on disk)`);
		console.log(`  with the package itself: ${mb(own.apparentBytes)} MB (${mb(own.diskBytes)} MB on disk)`);
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
}

main();
