/**
 * Starts a real n8n (`n8n start`) as a child process on a free loopback port, on the Node.js its
 * installation runs on, with its own user folder (sqlite database, binary data on disk, community
 * packages), and stops it with its whole process group. Queue mode's other processes start the same way
 * (`command: 'worker'` or `'webhook'`). What n8n 1.x and 2.x read differently is kept here
 * (`versionEnv`, `binaryStoreDir`), so that the suites state the same expectations for both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { pathWith, type N8nInstallation } from './install';

export const E2E_ENCRYPTION_KEY = 'n8n-nodes-alibaba-vod-e2e-key-not-secret';

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** `start`: the main process (editor, REST, activation); `worker` and `webhook` exist in queue mode. */
export type N8nCommand = 'start' | 'worker' | 'webhook';

export interface StartOptions {
	userFolder: string;
	/**
	 * HTTP port: the editor/REST port for `start`, the webhook port for `webhook`, the health-check server
	 * (`QUEUE_HEALTH_CHECK_PORT`) for `worker`
	 */
	port?: number;
	/** default `start` */
	command?: N8nCommand;
	/** extra CLI arguments, e.g. `['--concurrency=5']` for a worker */
	args?: string[];
	/** log file name inside the user folder (default `n8n.log`) */
	logName?: string;
	env?: Record<string, string>;
	/** how long to wait for /healthz (ms) */
	startTimeoutMs?: number;
	log?: (line: string) => void;
}

export interface N8nProcess {
	port: number;
	baseUrl: string; // http://127.0.0.1:<port>
	/** the public webhook base URL n8n was given, with the trailing slash n8n puts in webhook URLs */
	webhookBaseUrl: string;
	userFolder: string;
	logFile: string;
	startupSeconds: number;
	child: ChildProcess;
	/** n8n's log so far */
	logText(): string;
	stop(): Promise<void>;
}

/**
 * The env var n8n takes its public webhook base URL from (production webhooks, and the URL the VOD
 * trigger's signature covers): 2.x reads `N8N_WEBHOOK_URL` and only still accepts `WEBHOOK_URL`,
 * deprecated; 1.x reads `WEBHOOK_URL`.
 */
export function webhookUrlEnv(n8n: N8nInstallation, url: string): Record<string, string> {
	return n8n.major >= 2 ? { N8N_WEBHOOK_URL: url } : { WEBHOOK_URL: url };
}

/**
 * Where a user folder's filesystem binary store is when n8n is not told (`N8N_STORAGE_PATH`): 2.x keeps
 * binary data under `.n8n/storage` (it keeps using an existing `.n8n/binaryData`), 1.x under
 * `.n8n/binaryData`.
 */
export function binaryStoreDir(n8n: N8nInstallation, userFolder: string) {
	return join(userFolder, '.n8n', n8n.major >= 2 ? 'storage' : 'binaryData');
}

/**
 * The one n8n 2.x setting the README asks VOD Trigger users to make, and these suites run with. By
 * default 2.x takes an expression isolate (isolated-vm, a pool of one, disposed after use) for every
 * production webhook request to any node but its own Webhook node, and another for every credential
 * it decrypts for a webhook, whether or not an expression is evaluated; with lazy acquisition it takes
 * one only for an expression that needs it. Measured (docs/n8n-versions.md): the 50-URL migration's
 * callbacks, answered 12 of 126 attempts within 5 s by default, were all answered at the first attempt.
 */
export const N8N_2X_CALLBACK_SETTINGS = { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' };

/**
 * What differs by version, apart from the webhook URL:
 * - 1.x: binary data is kept in memory (`default`) unless told otherwise: these tests keep it in files,
 *   as n8n recommends for large files. No task runner: no Code node runs here, and none is wanted.
 * - 2.x: the default binary mode is `filesystem` (queue mode: `database`), left as n8n chooses so the
 *   suites run what 2.x users run; a suite that wants another mode says so. Every n8n 2.x process starts
 *   a JavaScript task runner and its Task Broker, on 127.0.0.1:5679 unless told: each process gets a
 *   free port of its own (queue mode runs several on one host, and so may anyone else on the machine).
 *   `N8N_UNVERIFIED_PACKAGES_ENABLED` is set to what it is today, which 2.x asks to be explicit about.
 */
async function versionEnv(n8n: N8nInstallation): Promise<Record<string, string>> {
	if (n8n.major < 2) {
		return { N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem', N8N_RUNNERS_ENABLED: 'false' };
	}
	return {
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		...N8N_2X_CALLBACK_SETTINGS,
	};
}

/**
 * N8N_E2E_N8N_ENV: extra env for every n8n the harness starts, space separated `NAME=value` pairs, to
 * try a setting without editing a suite (e.g. `N8N_EXPRESSION_ENGINE_POOL_SIZE=4`).
 */
function diagnosticEnv(): Record<string, string> {
	const pairs = (process.env.N8N_E2E_N8N_ENV ?? '').split(' ').filter((pair) => pair.includes('='));
	return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** The env every e2e n8n runs with: loopback only, nothing phoned home, files on disk. */
export async function n8nEnv(
	n8n: N8nInstallation,
	userFolder: string,
	port: number,
	extra: Record<string, string> = {},
) {
	const env: NodeJS.ProcessEnv = {
		PATH: pathWith(n8n.node),
		HOME: process.env.HOME,
		TZ: 'UTC',
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		...webhookUrlEnv(n8n, `http://127.0.0.1:${port}/`),
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		N8N_ENCRYPTION_KEY: E2E_ENCRYPTION_KEY,
		DB_TYPE: 'sqlite',
		DB_SQLITE_DATABASE: join(userFolder, '.n8n', 'database.sqlite'),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_PUBLIC_API_DISABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		...(await versionEnv(n8n)),
		...extra,
		...diagnosticEnv(),
	};
	return env;
}

/**
 * `/healthz/readiness` answers as soon as the database is up, before the REST controllers are mounted;
 * `/rest/settings` (no auth) answers once they are. Workers and webhook processes have no REST API:
 * their readiness answers once the database and Redis are connected.
 */
const READY_PATHS: Record<N8nCommand, string[]> = {
	start: ['/healthz/readiness', '/rest/settings'],
	webhook: ['/healthz/readiness'],
	worker: ['/healthz/readiness'],
};

/** The env a worker needs for its health-check server to listen on `port`, on loopback only. */
function commandEnv(command: N8nCommand, port: number): Record<string, string> {
	return command === 'worker'
		? {
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(port),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			}
		: {};
}

async function healthy(baseUrl: string, paths = READY_PATHS.start) {
	try {
		for (const path of paths) {
			const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(2000) });
			await response.arrayBuffer();
			if (!response.ok) return false;
		}
		return true;
	} catch {
		return false;
	}
}

export async function startN8n(n8n: N8nInstallation, options: StartOptions): Promise<N8nProcess> {
	const port = options.port ?? (await freePort());
	const baseUrl = `http://127.0.0.1:${port}`;
	const command = options.command ?? 'start';
	mkdirSync(join(options.userFolder, '.n8n'), { recursive: true });
	const logFile = join(options.userFolder, options.logName ?? 'n8n.log');
	const out = createWriteStream(logFile);
	const started = Date.now();
	// N8N_E2E_NODE_ARGS: flags for the Node.js running n8n, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
	const nodeArgs = process.env.N8N_E2E_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
	const env = await n8nEnv(n8n, options.userFolder, port, {
		...commandEnv(command, port),
		...options.env,
	});
	const child = spawn(n8n.node.bin, [...nodeArgs, n8n.bin, command, ...(options.args ?? [])], {
		cwd: options.userFolder,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		// own process group: stop() ends n8n and anything it started, nothing else
		detached: true,
	});
	child.stdout!.pipe(out, { end: false });
	child.stderr!.pipe(out, { end: false });
	let exited: number | null | undefined;
	const exitPromise = new Promise<void>((resolve) => {
		child.once('exit', (code) => {
			exited = code;
			resolve();
		});
	});

	const stop = async () => {
		if (exited === undefined && child.pid) {
			try {
				process.kill(-child.pid, 'SIGTERM');
			} catch {
				// already gone
			}
			const killer = setTimeout(() => {
				try {
					process.kill(-child.pid!, 'SIGKILL');
				} catch {
					// already gone
				}
			}, 15_000);
			await exitPromise;
			clearTimeout(killer);
		}
		await new Promise<void>((resolve) => out.end(resolve));
	};
	const logText = () => {
		try {
			return readFileSync(logFile, 'utf8');
		} catch {
			return '';
		}
	};

	const deadline = started + (options.startTimeoutMs ?? 180_000);
	while (!(await healthy(baseUrl, READY_PATHS[command]))) {
		if (exited !== undefined) {
			throw new Error(
				`n8n exited (code ${exited}) before it was ready. Log:\n${logText().slice(-4000)}`,
			);
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n was not ready within the timeout. Log:\n${logText().slice(-4000)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	const startupSeconds = Math.round((Date.now() - started) / 100) / 10;
	options.log?.(
		`n8n ${n8n.version} (Node.js ${n8n.node.version}) ${command} ready at ${baseUrl} after ${startupSeconds} s (log: ${logFile})`,
	);
	return {
		port,
		baseUrl,
		webhookBaseUrl: `${baseUrl}/`,
		userFolder: options.userFolder,
		logFile,
		startupSeconds,
		child,
		logText,
		stop,
	};
}

/** Peak resident memory (VmHWM) of a process, in bytes; Linux only. */
export function peakRss(pid: number): number | undefined {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Resets a process's peak (VmHWM) to its current RSS (`/proc/<pid>/clear_refs` ← 5, Linux 4.0+), so that
 * the next peakRss() tells the peak of what happens from now on rather than n8n's start-up peak. Where
 * that is not allowed the peak is left as it is (the comparison is then only less sensitive).
 */
export function resetPeakRss(pid: number) {
	try {
		writeFileSync(`/proc/${pid}/clear_refs`, '5');
	} catch {
		// not Linux, or not allowed
	}
}
