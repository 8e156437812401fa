/**
 * Puts a real n8n and this package where n8n looks for them:
 *  - `ensureN8n(version)` installs `n8n@version` once into a cache folder outside the package's own
 *    dependencies (n8n is 1.6–3 GB), with the `xlsx` override n8n needs here, on the Node.js that
 *    version needs (`ensureNode`: npm's `node@<major>` in the same cache when it is not the Node running
 *    this, never onto the system);
 *  - `installPackageAsUser(userFolder)` replays what n8n's own community-package installer does
 *    (`modules/community-packages/community-packages.service.js` `downloadPackage`, the same steps and
 *    npm flags in 1.123.5 and 2.41.1) with the tarball `npm pack` makes of the built package, so n8n
 *    loads it under its real name.
 */
import { execFile, spawn } from 'node:child_process';
import {
	cpSync,
	createWriteStream,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { ensureDebianPackages } from './apt';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = join(__dirname, '..', '..', '..');
/** The versions `npm test` proves the package in: 1.123.5 (Node.js 20) and 2.41.1 (Node.js 24). */
export const TESTED_N8N_VERSIONS = ['1.123.5', '2.41.1'] as const;
/** What the demo and the benchmarks run unless told otherwise: the current one. */
export const DEFAULT_N8N_VERSION = '2.41.1';
/**
 * - `xlsx`: n8n's own dependency points at a tarball outside the npm registry (n8n-facts §6.2).
 * - `@langchain/langgraph-checkpoint`: n8n pins `@langchain/core` 1.1.0 and `@langchain/langgraph` 1.0.2,
 *   whose `langgraph-checkpoint@^1.0.0` now resolves to 1.1.x, which needs a newer core
 *   (`@langchain/core/utils/uuid`): n8n then fails to start. 1.0.0 is what n8n shipped with.
 */
function overridesFor(version: string): Record<string, string> {
	return version.startsWith('1.123.')
		? { xlsx: '0.18.5', '@langchain/langgraph-checkpoint': '1.0.0' }
		: { xlsx: '0.18.5' };
}
const MARKER = '.n8n-e2e-installed.json';

/** Same flags as n8n's `NPM_COMMON_ARGS` + `NPM_INSTALL_ARGS` (community-packages.service.js). */
export const COMMUNITY_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

/** A Node.js to run n8n (and npm for it) with. */
export interface NodeRuntime {
	/** the `node` executable */
	bin: string;
	/** e.g. 24.21.0 */
	version: string;
	/** headers for native modules built from source (npm's `nodedir`); undefined: npm's own choice */
	headersDir?: string;
}

export interface N8nInstallation {
	version: string;
	/** n8n's major version: what differs between 1.x and 2.x is keyed on it */
	major: number;
	dir: string;
	/** the n8n CLI entry, run with `node` */
	bin: string;
	node: NodeRuntime;
	/** seconds the install took in this call (0 when the cache was complete) */
	installSeconds: number;
}

export function n8nVersion() {
	return process.env.N8N_E2E_VERSION?.trim() || DEFAULT_N8N_VERSION;
}

/**
 * The n8n versions the e2e suites run in, each suite once per version: `N8N_E2E_VERSIONS` (comma
 * separated), else `N8N_E2E_VERSION` alone, else every tested version.
 */
export function e2eVersions(): string[] {
	const listed = (process.env.N8N_E2E_VERSIONS ?? process.env.N8N_E2E_VERSION ?? '')
		.split(',')
		.map((version) => version.trim())
		.filter(Boolean);
	return listed.length > 0 ? listed : [...TESTED_N8N_VERSIONS];
}

export function majorOf(version: string) {
	return Number(version.split('.')[0]);
}

/**
 * The Node.js major each n8n runs on here (`npm view n8n@X engines`, n8n-facts §6.2): 2.36+ needs
 * 24, 2.10–2.35 need 22; 1.x runs on 20, the Node the package itself is built and tested with.
 */
export function nodeMajorFor(version: string) {
	const [major, minor] = version.split('.').map(Number);
	if (major >= 3 || (major === 2 && minor >= 36)) return 24;
	if (major === 2 && minor >= 10) return 22;
	return 20;
}

export function n8nCacheRoot() {
	return process.env.N8N_E2E_CACHE?.trim() || join(homedir(), '.cache', 'n8n-nodes-alibaba-vod');
}

/** PATH with `node`'s folder first: n8n's child processes (task runner, npm) then use the same Node. */
export function pathWith(node: NodeRuntime, path = process.env.PATH ?? '') {
	return [dirname(node.bin), path].filter(Boolean).join(delimiter);
}

/**
 * The environment for npm runs outside this repository. `npm run`/`npx` export the repository's npm config
 * as `npm_config_*` (this repo's .npmrc has `legacy-peer-deps=true`): passed on, it would leave n8n's
 * peer dependencies out (n8n then fails to start: "Cannot find module 'ajv/dist/core'").
 */
export function cleanNpmEnv(): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!/^npm_(config|package|lifecycle)_/i.test(key)) env[key] = value;
	}
	env.npm_config_update_notifier = 'false';
	return env;
}

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[n8n-e2e] ${line}\n`);

function readJson<T>(file: string): T | undefined {
	try {
		return JSON.parse(readFileSync(file, 'utf8')) as T;
	} catch {
		return undefined;
	}
}

/** What a finished install has: the right n8n, its CLI and the native sqlite3 binding it needs. */
function installProblems(dir: string, version: string): string[] {
	const problems: string[] = [];
	const n8nPackage = readJson<{ version?: string }>(
		join(dir, 'node_modules', 'n8n', 'package.json'),
	);
	if (n8nPackage?.version !== version) problems.push(`n8n ${version} missing`);
	if (!existsSync(join(dir, 'node_modules', 'n8n', 'bin', 'n8n'))) problems.push('n8n CLI missing');
	if (!existsSync(join(dir, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node'))) {
		problems.push('sqlite3 binding missing');
	}
	return problems;
}

function countEntries(dir: string) {
	try {
		return readdirSync(dir).length;
	} catch {
		return 0;
	}
}

/**
 * Starts the installed n8n once in a throw-away user folder and waits until its REST API answers: a
 * tree with a missing or mismatched dependency fails here (`n8n --help` does not load enough to tell).
 */
async function n8nStarts(installation: N8nInstallation): Promise<string | undefined> {
	const { startN8n } = await import('./process');
	const userFolder = mkdtempSync(join(tmpdir(), 'n8n-smoke-'));
	try {
		const n8n = await startN8n(installation, { userFolder, startTimeoutMs: 240_000 });
		await n8n.stop();
		return undefined;
	} catch (error) {
		return (error as Error).message.slice(0, 2000);
	} finally {
		rmSync(userFolder, { recursive: true, force: true });
	}
}

/**
 * Installs n8n into `<N8N_E2E_CACHE>/n8n-<version>` unless a marker says a previous install there
 * finished. An unfinished or broken tree is removed and installed afresh: `npm install` over an existing
 * n8n tree prunes packages n8n needs (seen with npm 11: "removed 131 packages", then n8n cannot start).
 * Prints progress while npm works (npm shows no progress bar without a terminal).
 */
export async function ensureN8n(
	version = n8nVersion(),
	log: Log = defaultLog,
): Promise<N8nInstallation> {
	const node = await ensureNode(nodeMajorFor(version), log);
	const dir = join(n8nCacheRoot(), `n8n-${version}`);
	mkdirSync(n8nCacheRoot(), { recursive: true });
	const release = await lockInstall(`${dir}.lock`, log);
	try {
		return await ensureN8nLocked(version, dir, node, log);
	} finally {
		release();
	}
}

/**
 * The Node.js `major` to run n8n with: the Node running this when it is that major, else npm's
 * `node@<major>` installed into `<N8N_E2E_CACHE>/node-<major>` (a registry package that ships the
 * official binary and headers; nothing goes onto the system).
 */
export async function ensureNode(major: number, log: Log = defaultLog): Promise<NodeRuntime> {
	if (majorOf(process.versions.node) === major) {
		return { bin: process.execPath, version: process.versions.node };
	}
	const dir = join(n8nCacheRoot(), `node-${major}`);
	mkdirSync(n8nCacheRoot(), { recursive: true });
	const release = await lockInstall(`${dir}.lock`, log);
	try {
		const installed = await nodeIn(dir, major);
		if (installed) return installed;
		rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		writeFileSync(
			join(dir, 'package.json'),
			JSON.stringify({ name: 'n8n-e2e-node', private: true, dependencies: { node: String(major) } }),
		);
		log(`installing Node.js ${major} (npm package node@${major}) into ${dir}`);
		const started = Date.now();
		// the package's preinstall script fetches the platform's binary package from the registry
		await execFileAsync('npm', ['install', '--no-audit', '--no-fund'], {
			cwd: dir,
			env: cleanNpmEnv(),
			maxBuffer: 16 * 1024 * 1024,
		});
		const runtime = await nodeIn(dir, major);
		if (!runtime) throw new Error(`npm install node@${major} in ${dir} gave no working Node.js ${major}`);
		log(`Node.js ${runtime.version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
		return runtime;
	} finally {
		release();
	}
}

/** The Node.js in `dir` (the platform package `node@X` pulls in), when it runs and is that major. */
async function nodeIn(dir: string, major: number): Promise<NodeRuntime | undefined> {
	const platformPackage = `node-${process.platform}-${process.arch}`;
	const candidates = [
		join(dir, 'node_modules', 'node', 'node_modules', platformPackage),
		join(dir, 'node_modules', platformPackage),
	];
	for (const home of candidates) {
		const bin = join(home, 'bin', 'node');
		if (!existsSync(bin)) continue;
		try {
			const { stdout } = await execFileAsync(bin, ['--version']);
			const version = stdout.trim().replace(/^v/, '');
			if (majorOf(version) !== major) continue;
			const headers = existsSync(join(home, 'include', 'node', 'node.h')) ? home : undefined;
			return { bin, version, headersDir: headers };
		} catch {
			// a binary that does not run is not an installation
		}
	}
	return undefined;
}

/**
 * n8n 2.x builds librdkafka (`@confluentinc/kafka-javascript`, with `CKJS_LINKING=dynamic`) against the
 * system's zlib and OpenSSL: their headers must be there.
 */
function missingBuildHeaders(): string[] {
	const headers: Array<[string, string]> = [
		['/usr/include/zlib.h', 'zlib1g-dev'],
		['/usr/include/openssl/ssl.h', 'libssl-dev'],
	];
	return headers.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg);
}

/**
 * The environment npm installs n8n with: n8n's Node first on PATH (npm's scripts and node-gyp run with
 * it), its headers for native modules built from source (a user's `nodedir` pointing at another
 * Node's headers would build bindings that do not load), and `CKJS_LINKING=dynamic`: n8n 2.x's
 * `@confluentinc/kafka-javascript` otherwise downloads a prebuilt binary from outside the npm
 * registry and fails; with it librdkafka builds from its bundled source (n8n-facts §6.2).
 */
function n8nInstallEnv(node: NodeRuntime): NodeJS.ProcessEnv {
	return {
		...cleanNpmEnv(),
		PATH: pathWith(node),
		CKJS_LINKING: 'dynamic',
		...(node.headersDir ? { npm_config_nodedir: node.headersDir } : {}),
	};
}

/**
 * One installer per cache folder at a time (the demo and a test run, or parallel jest workers): a lock
 * directory holding the owner's pid; a lock whose owner is gone is taken over.
 */
async function lockInstall(lockDir: string, log: Log): Promise<() => void> {
	let waiting = false;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(join(lockDir, 'pid'), String(process.pid));
			return () => rmSync(lockDir, { recursive: true, force: true });
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		let owner = 0;
		try {
			owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8')) || 0;
		} catch {
			// the owner has made the directory but not written its pid yet
		}
		let alive = true;
		if (owner > 0) {
			try {
				process.kill(owner, 0);
			} catch {
				alive = false;
			}
		}
		if (!alive) {
			rmSync(lockDir, { recursive: true, force: true });
			continue;
		}
		if (!waiting) log(`another process (pid ${owner || '?'}) is installing n8n; waiting for it`);
		waiting = true;
		await new Promise((resolve) => setTimeout(resolve, 2000));
	}
}

async function ensureN8nLocked(
	version: string,
	dir: string,
	node: NodeRuntime,
	log: Log,
): Promise<N8nInstallation> {
	const bin = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const installation = (installSeconds: number): N8nInstallation => ({
		version,
		major: majorOf(version),
		dir,
		bin,
		node,
		installSeconds,
	});
	const marker = readJson<{ version?: string }>(join(dir, MARKER));
	if (marker?.version === version && installProblems(dir, version).length === 0) {
		return installation(0);
	}
	// A tree installed before markers existed is adopted when it is complete and n8n starts.
	if (installProblems(dir, version).length === 0 && !(await n8nStarts(installation(0)))) {
		writeFileSync(
			join(dir, MARKER),
			JSON.stringify({ version, node: node.version, adoptedAt: new Date().toISOString() }),
		);
		return installation(0);
	}

	if (majorOf(version) >= 2) await ensureDebianPackages(`n8n ${version}'s install`, missingBuildHeaders, log);
	mkdirSync(dir, { recursive: true });
	rmSync(join(dir, MARKER), { force: true });
	rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
	rmSync(join(dir, 'package-lock.json'), { force: true });
	writeFileSync(
		join(dir, 'package.json'),
		JSON.stringify({
			name: 'n8n-e2e-host',
			private: true,
			dependencies: { n8n: version },
			overrides: overridesFor(version),
		}),
	);
	log(
		`installing n8n@${version} on Node.js ${node.version} into ${dir} (one time: 1.x about 4 min with a warm npm cache on 2 cores, 7+ min cold; 2.x builds native modules from source, 10+ min)`,
	);
	const started = Date.now();
	const logFile = join(dir, 'install.log');
	const out = createWriteStream(logFile);
	const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=http'], {
		cwd: dir,
		env: n8nInstallEnv(node),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.pipe(out, { end: false });
	child.stderr.pipe(out, { end: false });
	let fetched = 0;
	child.stderr.on('data', (chunk: Buffer) => {
		fetched += (chunk.toString().match(/npm http (fetch|cache)/g) ?? []).length;
	});
	const ticker = setInterval(() => {
		const seconds = Math.round((Date.now() - started) / 1000);
		log(
			`  … ${seconds} s, ${fetched} packages fetched or read from the npm cache, ${countEntries(join(dir, 'node_modules'))} top-level packages (log: ${logFile})`,
		);
	}, 15_000);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', resolve);
	}).finally(() => clearInterval(ticker));
	out.end();
	const installSeconds = Math.round((Date.now() - started) / 1000);
	const problems = installProblems(dir, version);
	if (code === 0 && problems.length === 0) {
		log('checking that n8n starts');
		const startError = await n8nStarts(installation(0));
		if (startError) problems.push(`n8n does not start: ${startError}`);
	}
	if (code !== 0 || problems.length > 0) {
		throw new Error(
			`npm install n8n@${version} failed (exit ${code}; ${problems.join(', ') || 'no files missing'}). See ${logFile}.`,
		);
	}
	writeFileSync(
		join(dir, MARKER),
		JSON.stringify({
			version,
			node: node.version,
			installSeconds,
			finishedAt: new Date().toISOString(),
		}),
	);
	log(`n8n@${version} installed in ${installSeconds} s`);
	return installation(installSeconds);
}

interface PackageJson {
	name: string;
	version: string;
	n8n?: { nodes?: string[]; credentials?: string[] };
	[key: string]: unknown;
}

export function readPackageJson(dir = REPO_ROOT): PackageJson {
	return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every file the package's `n8n` section names must be built, or n8n would skip the package. */
export function assertBuilt(dir = REPO_ROOT) {
	const pkg = readPackageJson(dir);
	const files = [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])];
	const missing = files.filter((file) => !existsSync(join(dir, file)));
	if (files.length === 0 || missing.length > 0) {
		throw new Error(
			`The package is not built (missing ${missing.join(', ')}). Run \`npm run build\` first.`,
		);
	}
}

/**
 * `npm pack` of the built package. The pack runs on a snapshot (package.json, README, LICENSE, dist)
 * copied to a temp folder, so a concurrent `npm run build` (which empties dist first) cannot tear it.
 */
export async function packPackage(
	dir = REPO_ROOT,
): Promise<{ tarball: string; cleanup: () => void }> {
	assertBuilt(dir);
	const work = mkdtempSync(join(tmpdir(), 'vod-e2e-pack-'));
	const stage = join(work, 'package');
	mkdirSync(stage);
	for (const file of ['package.json', 'README.md', 'LICENSE.md']) {
		if (existsSync(join(dir, file))) cpSync(join(dir, file), join(stage, file));
	}
	cpSync(join(dir, 'dist'), join(stage, 'dist'), { recursive: true });
	assertBuilt(stage);
	const { stdout } = await execFileAsync(
		'npm',
		['pack', '--quiet', '--ignore-scripts', `--pack-destination=${work}`],
		{ cwd: stage, env: cleanNpmEnv() },
	);
	const tarball = join(work, stdout.trim().split('\n').pop()!.trim());
	return { tarball, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * Installs the packed package into `<userFolder>/.n8n/nodes` exactly as n8n's community-package
 * installer does (1.123.5 and 2.41.1 alike): extract to `nodes/node_modules/<name>`, drop dev/peer/optional dependencies, install
 * the runtime dependencies with n8n's npm flags (no install scripts), record it in `nodes/package.json`.
 */
export async function installPackageAsUser(
	userFolder: string,
	options: { tarball?: string; packageDir?: string; log?: Log; node?: NodeRuntime } = {},
): Promise<{ name: string; version: string; dir: string; seconds: number }> {
	const log = options.log ?? defaultLog;
	const started = Date.now();
	const packed = options.tarball ? undefined : await packPackage(options.packageDir);
	const tarball = options.tarball ?? packed!.tarball;
	try {
		const nodesDir = join(userFolder, '.n8n', 'nodes');
		mkdirSync(nodesDir, { recursive: true });
		const nodesPackageJson = join(nodesDir, 'package.json');
		if (!existsSync(nodesPackageJson)) {
			writeFileSync(
				nodesPackageJson,
				JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2),
			);
		}
		const { stdout: listing } = await execFileAsync('tar', [
			'-xzOf',
			tarball,
			'package/package.json',
		]);
		const { name } = JSON.parse(listing) as PackageJson;
		const packageDir = join(nodesDir, 'node_modules', name);
		rmSync(packageDir, { recursive: true, force: true });
		mkdirSync(packageDir, { recursive: true });
		await execFileAsync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);

		const manifestPath = join(packageDir, 'package.json');
		const {
			devDependencies: _dev,
			peerDependencies: _peer,
			optionalDependencies: _optional,
			...manifest
		} = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageJson;
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2), 'utf8');
		// n8n runs npm from its own process: with n8n's Node first on PATH
		await execFileAsync('npm', ['install', ...COMMUNITY_INSTALL_ARGS], {
			cwd: packageDir,
			env: options.node ? { ...cleanNpmEnv(), PATH: pathWith(options.node) } : cleanNpmEnv(),
		});

		const installed = JSON.parse(readFileSync(nodesPackageJson, 'utf8')) as {
			dependencies: Record<string, string>;
		};
		installed.dependencies[name] = manifest.version;
		writeFileSync(nodesPackageJson, JSON.stringify(installed, null, 2), 'utf8');
		const seconds = Math.round((Date.now() - started) / 100) / 10;
		log(`installed ${name}@${manifest.version} as a community package (${seconds} s)`);
		return { name, version: manifest.version, dir: packageDir, seconds };
	} finally {
		packed?.cleanup();
	}
}
