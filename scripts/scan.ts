/**
 * n8n's own community-package scanner, offline: `analyzePackage` of `@n8n/scan-community-package`
 * over the source files and over the packed tarball, with the same file patterns as its
 * `analyzePackageByName` (which would fetch both from npm and GitHub). Prints every problem and exits
 * non-zero when there is any.
 *
 *   npm run scan
 *
 * The scanner is installed once into a cache folder (SCANNER_CACHE, default
 * ~/.cache/n8n-nodes-alibaba-vod/scanner), never into this package: it is no dependency of ours, and
 * a peer dependency of it (isolated-vm, through n8n-workflow 2.x) does not build on Node 20, so it is
 * installed without install scripts; the scan never loads it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCANNER = '@n8n/scan-community-package';
const SCANNER_VERSION = '0.32.0';
const ROOT = resolve(__dirname, '..');
const CACHE = process.env.SCANNER_CACHE ?? join(homedir(), '.cache', 'n8n-nodes-alibaba-vod', 'scanner');

interface ScanResult {
	passed: boolean;
	message?: string;
	details?: string;
}

interface Scanner {
	analyzePackage(dir: string, patterns: string[]): Promise<ScanResult>;
	SOURCE_FILE_PATTERNS: string[];
}

/** What `analyzePackageByName` lints in the tarball: compiled JS and the published package.json. */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

function run(command: string, args: string[], cwd: string): string {
	return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/**
 * 0.32.0 depends on typescript 7.0.2, which has no JavaScript API: the @typescript-eslint parser it
 * lints with cannot even load (`ts.Extension` is undefined). The override gives that parser the
 * TypeScript it declares (>=4.8.4 <6.1.0); the scanner's rules, plugins and versions stay as published.
 */
const CACHE_MANIFEST = `${JSON.stringify(
	{
		private: true,
		// the rules' peer, at the version npm picks for it without the override
		dependencies: { [SCANNER]: SCANNER_VERSION, 'n8n-workflow': '2.41.0' },
		overrides: { typescript: '5.9.3' },
	},
	null,
	2,
)}\n`;

function cacheIsCurrent(): boolean {
	const manifest = join(CACHE, 'package.json');
	const installed = join(CACHE, 'node_modules', SCANNER, 'package.json');
	return (
		existsSync(installed) && existsSync(manifest) && readFileSync(manifest, 'utf8') === CACHE_MANIFEST
	);
}

function ensureScanner(): string {
	if (!cacheIsCurrent()) {
		console.log(`Installing ${SCANNER}@${SCANNER_VERSION} into ${CACHE} (once) ...`);
		rmSync(CACHE, { recursive: true, force: true });
		mkdirSync(CACHE, { recursive: true });
		writeFileSync(join(CACHE, 'package.json'), CACHE_MANIFEST);
		run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], CACHE);
	}
	return join(CACHE, 'node_modules', SCANNER, 'scanner', 'scanner.mjs');
}

/** Builds, packs and unpacks this package the way npm publishes it. */
function unpackTarball(workDir: string): string {
	run('npm', ['run', '--silent', 'build'], ROOT);
	const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', workDir], ROOT)) as Array<{
		filename: string;
	}>;
	const packageDir = join(workDir, 'package');
	run('tar', ['-xzf', join(workDir, packed[0].filename), '-C', workDir], workDir);
	return packageDir;
}

function problemCount(result: ScanResult): number {
	// eslint's stylish summary: "✖ 15 problems (15 errors, 0 warnings)"
	const summary = /(\d+) problems? \((\d+) errors?/.exec(
		(result.details ?? '').replace(/\u001b\[[0-9;]*m/g, ''),
	);
	if (summary) return Number(summary[2]);
	return result.passed ? 0 : 1;
}

function report(label: string, result: ScanResult): number {
	const count = problemCount(result);
	console.log(`\n${label}: ${count} problem${count === 1 ? '' : 's'}${result.passed ? '' : ` (${result.message})`}`);
	if (result.details) console.log(result.details);
	return count;
}

async function main() {
	const started = Date.now();
	const scannerPath = ensureScanner();
	// Dynamic import of an ES module from CommonJS: keep it an import() at run time.
	const load = new Function('url', 'return import(url)') as (url: string) => Promise<Scanner>;
	const scanner = await load(pathToFileURL(scannerPath).href);

	const workDir = mkdtempSync(join(tmpdir(), 'n8n-scan-'));
	try {
		const source = await scanner.analyzePackage(ROOT, scanner.SOURCE_FILE_PATTERNS);
		const tarball = await scanner.analyzePackage(unpackTarball(workDir), TARBALL_FILE_PATTERNS);
		const total = report('Source', source) + report('Tarball', tarball);
		console.log(`\n${SCANNER}@${SCANNER_VERSION}: ${total} problem${total === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		process.exitCode = total > 0 ? 1 : 0;
	} finally {
		rmSync(workDir, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 2;
});
