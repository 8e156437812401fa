/**
 * Debian packages the e2e suites need on the machine (servers for queue mode, headers for native modules
 * n8n builds from source), installed with apt-get when missing, as root. `policy-rc.d` (exit 101) keeps
 * the packages' maintainer scripts from starting system-wide servers while they install; it is removed
 * again if this put it there.
 */
import { execFile } from 'node:child_process';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

type Log = (line: string) => void;

export function onPath(command: string): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(':')) {
		if (dir && existsSync(join(dir, command))) return join(dir, command);
	}
	return undefined;
}

/**
 * Installs the packages `missing()` names, then asks `missing()` again. `purpose` says who needs them
 * (for the errors that tell a non-root user what to run).
 */
export async function ensureDebianPackages(
	purpose: string,
	missing: () => string[],
	log: Log,
): Promise<{ seconds: number }> {
	const wanted = missing();
	if (wanted.length === 0) return { seconds: 0 };
	const started = Date.now();
	if (!onPath('apt-get')) {
		throw new Error(
			`${purpose} needs ${wanted.join(' and ')}, which are not installed, and apt-get is not available to install them. Install them yourself, or run on Debian/Ubuntu.`,
		);
	}
	if (process.getuid?.() !== 0) {
		throw new Error(
			`${purpose} needs ${wanted.join(' and ')}, which are not installed; installing them takes root. Run \`sudo apt-get install -y ${wanted.join(' ')}\` (or run the tests as root, as CI does).`,
		);
	}
	const policy = '/usr/sbin/policy-rc.d';
	const ownPolicy = !existsSync(policy);
	if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	try {
		log(`installing ${wanted.join(', ')} with apt-get (one time)`);
		await run('apt-get', ['update'], env, log);
		await run('apt-get', ['install', '-y', '--no-install-recommends', ...wanted], env, log);
	} finally {
		if (ownPolicy) unlinkSync(policy);
	}
	const still = missing();
	if (still.length > 0) {
		throw new Error(`apt-get finished but ${still.join(', ')} is still missing`);
	}
	const seconds = Math.round((Date.now() - started) / 100) / 10;
	log(`installed ${wanted.join(', ')} in ${seconds} s`);
	return { seconds };
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv, log: Log) {
	try {
		await execFileAsync(command, args, { env, maxBuffer: 64 * 1024 * 1024 });
	} catch (error) {
		const { stderr, stdout } = error as { stderr?: string; stdout?: string };
		log(`${command} ${args.join(' ')} failed`);
		throw new Error(
			`\`${command} ${args.join(' ')}\` failed: ${(stderr || stdout || (error as Error).message).slice(-3000)}`,
		);
	}
}
