/**
 * Starts a real n8n (`n8n start`) as a child process on a free loopback port, with its own user folder
 * (sqlite database, binary data on disk, community packages), and stops it with its whole process group.
 * Queue mode's other processes start the same way (`command: 'worker'` or `'webhook'`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import type { N8nInstallation } from './install';

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
	/** WEBHOOK_URL, with the trailing slash n8n puts in production webhook URLs */
	webhookBaseUrl: string;
	userFolder: string;
	logFile: string;
	startupSeconds: number;
	child: ChildProcess;
	/** n8n's log so far */
	logText(): string;
	stop(): Promise<void>;
}

/** The env every e2e n8n runs with: loopback only, nothing phoned home, files on disk. */
export function n8nEnv(userFolder: string, port: number, extra: Record<string, string> = {}) {
	const env: NodeJS.ProcessEnv = {
		PATH: process.env.PATH,
		HOME: process.env.HOME,
		TZ: 'UTC',
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_HOST: '127.0.0.1',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: `http://127.0.0.1:${port}/`,
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		N8N_ENCRYPTION_KEY: E2E_ENCRYPTION_KEY,
		DB_TYPE: 'sqlite',
		DB_SQLITE_DATABASE: join(userFolder, '.n8n', 'database.sqlite'),
		N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		// No Code nodes run in these workflows: no task-runner process, no broker port to collide on.
		N8N_RUNNERS_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_PUBLIC_API_DISABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'true',
		...extra,
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
	const child = spawn(process.execPath, [...nodeArgs, n8n.bin, command, ...(options.args ?? [])], {
		cwd: options.userFolder,
		env: n8nEnv(options.userFolder, port, { ...commandEnv(command, port), ...options.env }),
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
		`n8n ${n8n.version} ${command} ready at ${baseUrl} after ${startupSeconds} s (log: ${logFile})`,
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
