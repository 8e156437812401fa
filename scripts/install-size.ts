/**
 * What installing this package adds to an n8n: builds and packs it, installs the tarball the way
 * n8n 1.123 installs a community package (test/e2e/lib/install.ts `installPackageAsUser`: drop
 * dev/peer/optional dependencies, `npm install` with n8n's flags, shallow, no scripts), and prints the
 * packages and bytes that land in its node_modules.
 *
 *   npx tsx scripts/install-size.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { installPackageAsUser, REPO_ROOT } from '../test/e2e/lib/install';

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

async function main() {
	execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-install-size-'));
	try {
		const installed = await installPackageAsUser(userFolder, { log: () => undefined });
		const own = tally(installed.dir);
		const modules = join(installed.dir, 'node_modules');
		// no dependencies: npm makes no node_modules folder at all
		const dependencies = existsSync(modules)
			? tally(modules, undefined, 'node_modules')
			: { packages: 0, distinct: new Set<string>(), apparentBytes: 0, diskBytes: 0 };
		const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
		console.log(`${installed.name}@${installed.version} installed as n8n installs a community package:`);
		console.log(`  dependencies: ${dependencies.packages} package folders (${dependencies.distinct.size} distinct), ${mb(dependencies.apparentBytes)} MB (${mb(dependencies.diskBytes)} MB on disk)`);
		console.log(`  with the package itself: ${mb(own.apparentBytes)} MB (${mb(own.diskBytes)} MB on disk)`);
	} finally {
		rmSync(userFolder, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
