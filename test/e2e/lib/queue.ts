/**
 * n8n in queue mode on loopback, as a self-hosted team would run it on one host: Redis and PostgreSQL
 * (see services.ts), one main process (`n8n start`, editor/REST/activation, production webhooks off),
 * workers (`n8n worker`) that run the executions, and one webhook process (`n8n webhook`) that answers
 * `/webhook/*`. Every process has its own user folder with its own install of the package (as each host
 * or container of a real deployment has) and the same N8N_ENCRYPTION_KEY. Binary data crosses processes
 * the way each version does it by default: n8n 1.x through one shared folder (filesystem mode, the
 * stand-in for the shared volume it needs), n8n 2.x through the database (its queue-mode default).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nClient } from './client';
import {
	ensureN8n,
	installPackageAsUser,
	n8nVersion,
	packPackage,
	type N8nInstallation,
} from './install';
import {
	E2E_ENCRYPTION_KEY,
	freePort,
	startN8n,
	webhookUrlEnv,
	type N8nProcess,
} from './process';
import {
	ensureServicePackages,
	startPostgres,
	startRedis,
	type PostgresProcess,
	type ServiceProcess,
} from './services';
import { packageLogProblems } from './session';

type Log = (line: string) => void;
const defaultLog: Log = (line) => process.stderr.write(`[queue-e2e] ${line}\n`);

export interface QueueClusterOptions {
	/** the n8n version (default: N8N_E2E_VERSION, else DEFAULT_N8N_VERSION) */
	version?: string;
	workers?: number;
	/** `n8n worker --concurrency` */
	concurrency?: number;
	/** env for every n8n process (e.g. N8N_RESTRICT_FILE_ACCESS_TO) */
	env?: Record<string, string>;
	log?: Log;
	/** keep the folders (databases are gone with postgres; logs stay); env N8N_E2E_KEEP=1 does the same */
	keep?: boolean;
}

export interface QueueCluster {
	installation: N8nInstallation;
	redis: ServiceProcess;
	postgres: PostgresProcess;
	main: N8nProcess;
	workers: N8nProcess[];
	webhook: N8nProcess;
	/** REST and public API of the main process */
	client: N8nClient;
	/** the webhook process's base URL, with trailing slash: where production webhooks are answered */
	webhookBaseUrl: string;
	/** the binary data mode every process runs with */
	binaryDataMode: 'filesystem' | 'database';
	/** the filesystem store shared by every process (filesystem mode) */
	binaryDataDir: string;
	root: string;
	/** wall-clock seconds of each step */
	timings: Record<string, number>;
	/** execution ids each worker logged as started ("Worker started execution <id>"), by worker index */
	executionsByWorker(): Array<Set<string>>;
	/** package warnings/errors in every process's log, by process name */
	packageLogProblems(): Record<string, string[]>;
	close(): Promise<void>;
}

const STARTED_EXECUTION = /Worker started execution (\d+) \(job /g;

export function executionsStartedIn(logText: string): Set<string> {
	return new Set([...logText.matchAll(STARTED_EXECUTION)].map((match) => match[1]));
}

export async function startQueueCluster(options: QueueClusterOptions = {}): Promise<QueueCluster> {
	const log = options.log ?? defaultLog;
	const timings: Record<string, number> = {};
	const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
		const started = Date.now();
		try {
			return await fn();
		} finally {
			timings[label] = Math.round((Date.now() - started) / 100) / 10;
			log(`${label}: ${timings[label]} s`);
		}
	};

	const installation = await time(
		'n8n install (cache check)',
		async () => await ensureN8n(options.version ?? n8nVersion(), log),
	);
	await time(
		'apt packages (redis-server, postgresql)',
		async () => await ensureServicePackages(log),
	);

	const root = mkdtempSync(join(tmpdir(), 'vod-e2e-queue-'));
	const binaryDataDir = join(root, 'binaryData');
	mkdirSync(binaryDataDir);
	const stops: Array<() => Promise<void>> = [];
	const stopAll = async () => {
		for (const stop of stops.splice(0).reverse()) {
			await stop().catch((error: Error) => log(`stop failed: ${error.message}`));
		}
	};

	try {
		const [redis, postgres] = await time(
			'redis + postgres start',
			async () => await Promise.all([startRedis(log), startPostgres(log)]),
		);
		stops.push(redis.stop, postgres.stop);

		const workerCount = options.workers ?? 2;
		const names = [
			'main',
			...Array.from({ length: workerCount }, (_, i) => `worker-${i + 1}`),
			'webhook',
		];
		const folders = Object.fromEntries(names.map((name) => [name, join(root, name)]));
		const [mainPort, webhookPort, ...workerPorts] = await Promise.all(
			[0, 1, ...Array.from({ length: workerCount }, () => 0)].map(async () => await freePort()),
		);
		const webhookBaseUrl = `http://127.0.0.1:${webhookPort}/`;
		const binaryDataMode = installation.major >= 2 ? 'database' : 'filesystem';
		// 2.x: left to n8n's queue-mode default (database); the suite checks that the binary ids say so
		const binaryDataEnv: Record<string, string> =
			installation.major >= 2
				? {}
				: {
						N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
						N8N_AVAILABLE_BINARY_DATA_MODES: 'filesystem',
						N8N_BINARY_DATA_STORAGE_PATH: binaryDataDir,
					};
		const shared: Record<string, string> = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: postgres.database,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: postgres.password,
			// n8n's default pool is 2 connections per process. A burst of VOD callbacks (hundreds of jobs
			// finishing together) then queues the webhook process's queries until its 5 s health ping times
			// out; n8n marks the database as lost and answers every webhook with an error until it recovers.
			DB_POSTGRESDB_POOL_SIZE: '10',
			// one key for all: credentials are encrypted by main and decrypted by workers and webhook processes
			N8N_ENCRYPTION_KEY: E2E_ENCRYPTION_KEY,
			...binaryDataEnv,
			// production webhook URLs (and VOD's callback URL) point at the webhook process
			...webhookUrlEnv(installation, webhookBaseUrl),
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
			...options.env,
		};

		// One `npm pack`, then one community-package install per process's user folder. Main's comes first
		// and main starts (running the database migrations the others expect done) while the workers'
		// and the webhook process's installs run.
		const packed = await packPackage(process.env.N8N_E2E_PACKAGE_DIR);
		const install = async (name: string) =>
			await installPackageAsUser(folders[name], {
				tarball: packed.tarball,
				log,
				node: installation.node,
			});
		let main: N8nProcess;
		try {
			await time('package install (main)', async () => await install('main'));
			const others = time(
				`package install (${names.length - 1} others, in parallel)`,
				async () => await Promise.all(names.filter((name) => name !== 'main').map(install)),
			);
			const mainStarted = time(
				'n8n main start',
				async () =>
					await startN8n(installation, {
						userFolder: folders.main,
						port: mainPort,
						command: 'start',
						logName: 'main.log',
						env: {
							...shared,
							N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
							N8N_EDITOR_BASE_URL: `http://127.0.0.1:${mainPort}/`,
						},
						startTimeoutMs: 240_000,
						log,
					}),
			);
			const [installed, started] = await Promise.allSettled([others, mainStarted]);
			if (started.status === 'fulfilled') stops.push(started.value.stop);
			if (installed.status === 'rejected') throw installed.reason;
			if (started.status === 'rejected') throw started.reason;
			main = started.value;
		} finally {
			packed.cleanup();
		}

		const [webhook, ...workers] = await time(
			`n8n webhook + ${workerCount} workers start`,
			async () => {
				const started: N8nProcess[] = [];
				const results = await Promise.allSettled([
					startN8n(installation, {
						userFolder: folders.webhook,
						port: webhookPort,
						command: 'webhook',
						logName: 'webhook.log',
						env: shared,
						startTimeoutMs: 240_000,
						log,
					}),
					...workerPorts.map(
						async (port, i) =>
							await startN8n(installation, {
								userFolder: folders[`worker-${i + 1}`],
								port,
								command: 'worker',
								args: [`--concurrency=${options.concurrency ?? 5}`],
								logName: `worker-${i + 1}.log`,
								env: shared,
								startTimeoutMs: 240_000,
								log,
							}),
					),
				]);
				for (const result of results) {
					if (result.status === 'fulfilled') {
						started.push(result.value);
						stops.push(result.value.stop);
					}
				}
				const failed = results.find((result) => result.status === 'rejected');
				if (failed) throw (failed as PromiseRejectedResult).reason;
				return started;
			},
		);

		const client = new N8nClient(main.baseUrl);
		await client.setupOwner();
		const all = () => ({
			main,
			webhook,
			...Object.fromEntries(workers.map((w, i) => [`worker-${i + 1}`, w])),
		});

		return {
			installation,
			redis,
			postgres,
			main,
			workers,
			webhook,
			client,
			webhookBaseUrl,
			binaryDataMode,
			binaryDataDir,
			root,
			timings,
			executionsByWorker: () => workers.map((worker) => executionsStartedIn(worker.logText())),
			packageLogProblems: () =>
				Object.fromEntries(
					Object.entries(all()).map(([name, n8n]) => [name, packageLogProblems(n8n.logText())]),
				),
			async close() {
				await stopAll();
				if (options.keep || process.env.N8N_E2E_KEEP) {
					log(`kept the queue-mode folders (user folders, logs, binary data): ${root}`);
				} else {
					rmSync(root, { recursive: true, force: true });
				}
			},
		};
	} catch (error) {
		await stopAll();
		if (!(options.keep || process.env.N8N_E2E_KEEP)) rmSync(root, { recursive: true, force: true });
		throw error;
	}
}
