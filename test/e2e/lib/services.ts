/**
 * Redis and PostgreSQL for the queue-mode e2e, brought up by the test itself: Debian's packages are
 * installed when missing (apt.ts: `apt-get`, as root), then each server runs as a child process on a free
 * loopback port with its data in a temp folder, and is stopped and removed afterwards. Nothing is
 * registered with the system's service manager, and the system's own clusters (if any) are not touched.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ensureDebianPackages, onPath } from './apt';
import { freePort } from './process';

const execFileAsync = promisify(execFile);

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[services] ${line}\n`);

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** Debian puts PostgreSQL's server binaries under /usr/lib/postgresql/<major>/bin, off the PATH. */
export function postgresBinDir(): string | undefined {
	const root = '/usr/lib/postgresql';
	const majors = existsSync(root)
		? readdirSync(root)
				.filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (majors.length > 0) return join(root, majors[0], 'bin');
	const initdb = onPath('initdb');
	return initdb ? join(initdb, '..') : undefined;
}

function missingPackages(): string[] {
	const missing: string[] = [];
	if (!onPath('redis-server')) missing.push('redis-server');
	const bin = postgresBinDir();
	if (!bin || !existsSync(join(bin, 'postgres')) || !existsSync(join(bin, 'pg_ctl'))) {
		missing.push('postgresql');
	}
	return missing;
}

/** Installs redis-server and postgresql from Debian's packages when missing (apt.ts). */
export async function ensureServicePackages(log: Log = defaultLog): Promise<{ seconds: number }> {
	if (missingPackages().length === 0) {
		log('redis-server and postgresql are installed');
		return { seconds: 0 };
	}
	return await ensureDebianPackages('The queue-mode e2e', missingPackages, log);
}

/** Answers once something on host:port speaks RESP and says PONG. */
function redisPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
	});
}

export interface ServiceProcess {
	port: number;
	dataDir: string;
	startupSeconds: number;
	child: ChildProcess;
	logText(): string;
	stop(): Promise<void>;
}

function watch(child: ChildProcess) {
	let output = '';
	const append = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-20_000);
	};
	child.stdout?.on('data', append);
	child.stderr?.on('data', append);
	let exited: number | null | undefined;
	const exit = new Promise<void>((resolve) => {
		child.once('exit', (code) => {
			exited = code;
			resolve();
		});
	});
	return {
		text: () => output,
		exited: () => exited,
		async stop(signal: NodeJS.Signals) {
			if (exited === undefined) {
				child.kill(signal);
				const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
				await exit;
				clearTimeout(killer);
			}
		},
	};
}

async function waitFor(
	what: string,
	ready: () => Promise<boolean>,
	watched: ReturnType<typeof watch>,
	timeoutMs: number,
) {
	const deadline = Date.now() + timeoutMs;
	while (!(await ready())) {
		if (watched.exited() !== undefined) {
			throw new Error(`${what} exited (code ${watched.exited()}):\n${watched.text()}`);
		}
		if (Date.now() > deadline) throw new Error(`${what} not ready in time:\n${watched.text()}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** `redis-server` on a free loopback port, no persistence, as a child of this process. */
export async function startRedis(log: Log = defaultLog): Promise<ServiceProcess> {
	const started = Date.now();
	const bin = onPath('redis-server');
	if (!bin) throw new Error('redis-server is not installed (call ensureServicePackages first)');
	const dataDir = mkdtempSync(join(tmpdir(), 'e2e-redis-'));
	const port = await freePort();
	const child = spawn(
		bin,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--dir',
			dataDir,
		],
		{ stdio: ['ignore', 'pipe', 'pipe'] },
	);
	const watched = watch(child);
	await waitFor('redis-server', async () => await redisPing(port), watched, 20_000);
	const startupSeconds = seconds(started);
	log(`redis-server ready on 127.0.0.1:${port} after ${startupSeconds} s`);
	return {
		port,
		dataDir,
		startupSeconds,
		child,
		logText: watched.text,
		async stop() {
			await watched.stop('SIGTERM');
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

export interface PostgresProcess extends ServiceProcess {
	user: string;
	password: string;
	database: string;
	/** runs one SQL statement with psql and returns its rows, tab-separated fields (diagnostics) */
	query(sql: string): Promise<string[][]>;
}

/** PostgreSQL refuses to run as root: as root, its files and processes belong to the `postgres` user. */
function postgresIdentity(): { uid?: number; gid?: number; name: string } {
	if (process.getuid?.() !== 0) return { name: userInfo().username };
	const passwd = readFileSync('/etc/passwd', 'utf8')
		.split('\n')
		.map((line) => line.split(':'))
		.find((fields) => fields[0] === 'postgres');
	if (!passwd) {
		throw new Error(
			'running as root, but there is no `postgres` user to run PostgreSQL as (it refuses root). Install the postgresql package, which creates it.',
		);
	}
	return { uid: Number(passwd[2]), gid: Number(passwd[3]), name: 'postgres' };
}

/**
 * A throw-away cluster: `initdb` into a temp folder (owned by the user PostgreSQL runs as), `postgres`
 * on a free loopback port with its socket in that folder, then a database for n8n. Loopback connections
 * are trusted; the password is set anyway so n8n's connection settings look like a real deployment's.
 */
export async function startPostgres(log: Log = defaultLog): Promise<PostgresProcess> {
	const started = Date.now();
	const bin = postgresBinDir();
	if (!bin) throw new Error('PostgreSQL is not installed (call ensureServicePackages first)');
	const who = postgresIdentity();
	const asUser = { uid: who.uid, gid: who.gid };
	const root = mkdtempSync(join(tmpdir(), 'e2e-postgres-'));
	const dataDir = join(root, 'data');
	if (who.uid !== undefined) chownSync(root, who.uid, who.gid!);
	const user = 'n8n';
	const password = 'n8n-e2e-password';
	const database = 'n8n';
	const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: root };
	try {
		const pwfile = join(root, 'pw');
		writeFileSync(pwfile, password);
		if (who.uid !== undefined) chownSync(pwfile, who.uid, who.gid!);
		await execFileAsync(
			join(bin, 'initdb'),
			[
				'-D',
				dataDir,
				'-U',
				user,
				`--pwfile=${pwfile}`,
				'--auth-local=trust',
				'--auth-host=trust',
				'-E',
				'UTF8',
				'--no-sync',
			],
			{ ...asUser, env, cwd: root },
		);
	} catch (error) {
		rmSync(root, { recursive: true, force: true });
		throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? error}`);
	}
	const port = await freePort();
	const child = spawn(
		join(bin, 'postgres'),
		[
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			`unix_socket_directories=${root}`,
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'max_connections=100',
		],
		{ ...asUser, env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	const watched = watch(child);
	const stop = async () => {
		// SIGINT: PostgreSQL's "fast" shutdown (disconnects clients, no waiting for them)
		await watched.stop('SIGINT');
		rmSync(root, { recursive: true, force: true });
	};
	try {
		const isReady = async () => {
			try {
				await execFileAsync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], {
					env,
				});
				return true;
			} catch {
				return false;
			}
		};
		await waitFor('postgres', isReady, watched, 30_000);
		await execFileAsync(
			join(bin, 'createdb'),
			['-h', '127.0.0.1', '-p', String(port), '-U', user, database],
			{ env },
		);
	} catch (error) {
		await stop();
		throw error;
	}
	const startupSeconds = seconds(started);
	log(
		`postgres (${bin}) ready on 127.0.0.1:${port} as ${who.name}, database ${database}, after ${startupSeconds} s`,
	);
	return {
		port,
		dataDir,
		startupSeconds,
		child,
		user,
		password,
		database,
		logText: watched.text,
		stop,
		async query(sql: string) {
			const { stdout } = await execFileAsync(
				join(bin, 'psql'),
				[
					'-h',
					'127.0.0.1',
					'-p',
					String(port),
					'-U',
					user,
					'-d',
					database,
					'-AtF',
					'\t',
					'-c',
					sql,
				],
				{ env, maxBuffer: 64 * 1024 * 1024 },
			);
			return stdout
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => line.split('\t'));
		},
	};
}
