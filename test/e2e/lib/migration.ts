/**
 * A large migration in a real n8n, as a user runs it: examples/large-migration-postgres.json (PostgreSQL
 * ledger, Schedule ticks, Submit, Job Status) against the emulator, with n8n killed (SIGKILL) at random
 * moments and restarted, until every source is done or failed. Then the figures and an audit from the
 * emulator (jobs per source) and the ledger (its report). Used by `npm run bench:migration` and the e2e test.
 *
 * The ticks, the lease and the re-check interval are shortened so that a run takes minutes; everything
 * else (SQL, page sizes, node settings) is the example as a user imports it.
 *
 * Besides the sources, the ledger gets what the outside test of issue 15 found duplicated, loaded when the
 * rest is final (so no kill puts these rows in doubt): other spellings of sources (`HTTP://`, `x/../`,
 * `#frag`, `%63`, spaces), and signed URLs, with a Source Key, of objects first listed with another
 * signature. And VOD refuses a stretch of submit calls beyond the node's retries, the first of them after
 * it ran (its answer lost): those rows must go back to pending, not to failed; the kill waits for that.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { INode } from 'n8n-workflow';

import { emulatorApiCredential, startEmulator, type Emulator } from '../../emulator';
import type { WorkflowDefinition } from './client';
import { readExample } from './example';
import { startMediaServer, type MediaServer } from './media-server';
import { startN8n } from './process';
import { ensureServicePackages, startPostgres, type PostgresProcess } from './services';
import { startN8nSession, type N8nSession } from './session';

export const MIGRATION_EXAMPLE = 'large-migration-postgres.json';
const LEDGER = 'vod_migration';
const SUBMIT_BATCH = 20;
const STATUS_BATCH = 10;
const LOOKUP_BATCH = 10;
/** Sources listed again in other spellings, loaded later (issue 15, finding 1). */
const SPELLINGS: Array<(baseUrl: string, name: string) => string> = [
	(base, name) => `${base.replace('http://', 'HTTP://')}/media/${name}`,
	(base, name) => `${base}/media/x/../${name}`,
	(base, name) => `${base}/media/${name}#part-2`,
	(base, name) => `${base}/media/%63${name.slice(1)}`,
	(base, name) => `  ${base}/media/${name} `,
];
/** Objects listed with a signed URL and a Source Key, then re-signed and loaded later (finding 2). */
const SIGNED = ['signed-0.mp4', 'signed-1.mp4'];
/** UploadMediaByURL calls VOD refuses after the first one it ran but whose answer was lost (finding 6): enough
 * that the calls in flight (4 a run, and runs overlap) fail through all their retries */
const REFUSED_CALLS = 200;

export interface MigrationOptions {
	sources: number;
	/** the n8n to run it in (default: the harness's, lib/install.ts n8nVersion) */
	version?: string;
	kills: number;
	/** seed of the kill moments */
	seed?: number;
	/** added to every VOD answer */
	latencyMs?: number;
	/** Schedule interval of the Submit tick (the example: 30 s); the Check tick runs at three times it */
	tickSeconds?: number;
	/** a claimed row whose run died is taken again after this (the example: 15 minutes) */
	leaseSeconds?: number;
	/** Job Status's Parallel Calls (the example: 4) */
	checkParallelCalls?: number;
	/** false: Submit never looks up (the negative control: the audit must then find duplicates) */
	lookUp?: boolean;
	/** the UploadMediaByURL call whose answer is lost, followed by REFUSED_CALLS refused ones (0: none) */
	faultAtCall?: number;
	/** a submitted job is checked again after this (the example: 1 minute) */
	recheckSeconds?: number;
	/** give up after this */
	timeoutMs?: number;
	log?: (line: string) => void;
}

export interface MigrationFigures {
	/** distinct sources (objects on the media server) */
	sources: number;
	/** rows of the ledger: the sources, their other spellings, the re-signed URLs */
	ledgerRows: number;
	seconds: number;
	sourcesPerSecond: number;
	kills: Array<{ atSecond: number; ledger: Record<string, number>; restartSeconds: number }>;
	calls: {
		submit: number;
		submitMinimum: number;
		/** submit calls VOD refused or whose answer it dropped (the injected faults) */
		submitFaulted: number;
		/** GetURLUploadInfos: Skip Already Submitted's lookups and Job Status's checks */
		status: number;
		lookupMinimum: number;
		statusMinimumPerRound: number;
	};
	/** sources taken again after a kill (looked up before submitting), and how many of those VOD already had */
	inDoubt: number;
	/** of those, how many VOD already had a job for (sent in the instant before a kill, found by the lookup) */
	foundByLookup: number;
	/** the most rows seen put back to pending after a failure that may pass (the refused calls) */
	putBack: number;
	peakRssMiB: number;
	/** the median of n8n's RSS, sampled every 250 ms (V8's heap rises and falls between major collections) */
	medianRssMiB: number;
	rssMiBAtKills: number[];
	ledgerMiB: number;
	ledgerGrowthMiB: number;
	n8nDatabaseGrowthMiB: number;
	audit: {
		jobsPerSource: Record<string, number>; // "1": 100000 when all is well
		duplicates: number;
		notSubmitted: number;
		ledgerJobMismatches: number;
		report: { done: number; failed: number; pending: number; total: number };
		/** rows no report count holds (total minus done, failed and the four pending counts) */
		missingFromReport: number;
	};
}

/** mulberry32: the kill moments are the same for the same seed */
function random(seed: number) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The example's SQL of one node. */
export function exampleQuery(example: WorkflowDefinition, nodeName: string): string {
	const node = (example.nodes as INode[]).find((candidate) => candidate.name === nodeName);
	const query = node?.parameters.query;
	if (typeof query !== 'string') throw new Error(`the example has no query in node ${nodeName}`);
	return query;
}

/** The example with the run's credentials and the shortened intervals. */
/** the example's execution timeout (300 s) stands shortened beside its lease: a run cannot outlive it */
const executionTimeout = (timing: { leaseSeconds: number }) => Math.max(1, timing.leaseSeconds - 30);

function adaptMigrationExample(
	example: WorkflowDefinition,
	credentials: Record<'alibabaCloudVodApi' | 'postgres', { id: string; name: string }>,
	timing: {
		tickSeconds: number;
		checkTickSeconds: number;
		leaseSeconds: number;
		recheckSeconds: number;
		checkParallelCalls: number;
		lookUp: boolean;
	},
): WorkflowDefinition {
	// the example's times in its SQL and the shorter ones of the run, swapped in one pass (a shortened time
	// is never read as another literal); a change to the example that loses one fails below
	const intervals = new Map([
		["interval '15 minutes'", `interval '${timing.leaseSeconds} seconds'`],
		["interval '1 minute'", `interval '${timing.recheckSeconds} seconds'`],
		[`interval '${example.settings?.executionTimeout as number} seconds'`, `interval '${executionTimeout(timing)} seconds'`],
	]);
	const literals = new RegExp([...intervals.keys()].map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
	const unmatched = new Set(intervals.keys());
	const nodes = (example.nodes as INode[]).map((original) => {
		const node = JSON.parse(JSON.stringify(original)) as INode;
		for (const type of Object.keys(node.credentials ?? {})) {
			const replacement = credentials[type as keyof typeof credentials];
			if (replacement) node.credentials![type] = replacement;
		}
		const rule = node.parameters.rule as { interval?: Array<Record<string, unknown>> } | undefined;
		if (node.type === 'n8n-nodes-base.scheduleTrigger' && rule?.interval?.[0]?.field === 'seconds') {
			rule.interval[0].secondsInterval = /check/i.test(node.name)
				? timing.checkTickSeconds
				: timing.tickSeconds;
		}
		if (node.type.endsWith('alibabaCloudVod') && !timing.lookUp) {
			node.parameters.options = {
				...(node.parameters.options as object),
				skipAlreadySubmitted: false,
			};
		}
		if (node.type.endsWith('alibabaCloudVodJobStatus')) {
			node.parameters.options = {
				...(node.parameters.options as object),
				parallelCalls: timing.checkParallelCalls,
			};
		}
		if (typeof node.parameters.query === 'string') {
			node.parameters.query = node.parameters.query.replace(literals, (literal) => {
				unmatched.delete(literal);
				return intervals.get(literal)!;
			});
		}
		return node;
	});
	if (unmatched.size > 0) {
		throw new Error(
			`The migration example's SQL no longer holds ${[...unmatched].join(', ')}: the run would keep the example's own time; update the intervals in adaptMigrationExample (test/e2e/lib/migration.ts)`,
		);
	}
	return {
		...example,
		nodes,
		settings: {
			...(example.settings ?? {}),
			// shorter than the lease, with room for the calls on the wire when n8n cancels a run
			executionTimeout: executionTimeout(timing),
		},
	};
}

/** VmRSS of a process, in bytes (0 once it is gone). */
function rssOf(pid: number | undefined): number {
	if (!pid) return 0;
	try {
		const status = readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
		return kb ? Number(kb) * 1024 : 0;
	} catch {
		return 0;
	}
}

function fileSize(path: string) {
	let total = 0;
	for (const suffix of ['', '-wal', '-shm']) {
		try {
			total += statSync(path + suffix).size;
		} catch {
			// not there
		}
	}
	return total;
}

async function ledgerStates(postgres: PostgresProcess): Promise<Record<string, number>> {
	const rows = await postgres.query(`SELECT state, count(*) FROM ${LEDGER} GROUP BY state`);
	return Object.fromEntries(rows.map(([state, count]) => [state, Number(count)]));
}

export async function runMigration(options: MigrationOptions): Promise<MigrationFigures> {
	const log = options.log ?? ((line: string) => process.stderr.write(`[migration] ${line}\n`));
	const n = options.sources;
	const tickSeconds = options.tickSeconds ?? 5;
	// A Check tick is 5,000 jobs, 500 calls: it must end well before the next one starts, or overlapping
	// runs share the CPU, all hit the execution timeout and record nothing (seen at 5 s on a loaded machine).
	const timing = {
		tickSeconds,
		checkTickSeconds: Math.min(59, tickSeconds * 3),
		leaseSeconds: options.leaseSeconds ?? 120,
		// the shortened Check tick asks for 5,000 jobs every 15 s: 10 calls at once keep a run within it
		checkParallelCalls: options.checkParallelCalls ?? 10,
		lookUp: options.lookUp ?? true,
		recheckSeconds: options.recheckSeconds ?? 5,
	};
	const next = random(options.seed ?? 15);
	const stops: Array<() => Promise<unknown>> = [];
	const stopAll = async () => {
		for (const stop of stops.splice(0).reverse()) {
			await stop().catch((error: Error) => log(`stop failed: ${error.message}`));
		}
	};
	// Ctrl-C or a timeout: still stop n8n (its own process group), PostgreSQL and the servers
	const onSignal = (signal: NodeJS.Signals) => {
		void stopAll().finally(() => process.kill(process.pid, signal));
	};
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	let emulator: Emulator | undefined;
	let media: MediaServer | undefined;
	let session: N8nSession | undefined;
	try {
		await ensureServicePackages(log);
		const postgres = await startPostgres(log);
		stops.push(postgres.stop);
		emulator = await startEmulator();
		stops.push(emulator.stop);
		// in the first page; the kill waits until its rows are put back (or failed), so that they meet the
		// Submit run's own handling of the failure, not the lease after the kill
		const faultAtCall = options.faultAtCall ?? 2;
		const refused = Array.from({ length: faultAtCall ? REFUSED_CALLS : 0 }, (_, i) => ({
			action: 'UploadMediaByURL',
			call: faultAtCall + 1 + i,
			kind: 'unavailable' as const,
		}));
		const lost = faultAtCall ? [{ action: 'UploadMediaByURL', call: faultAtCall, kind: 'dropAfter' as const }] : [];
		emulator.setFaults({ vod: { latencyMs: options.latencyMs ?? 50, at: [...lost, ...refused] } });
		emulator.setJobSettings({ concurrency: 16 });
		const clips = Array.from({ length: n }, (_, i) => `clip-${i}.mp4`);
		const names = [...clips, ...SIGNED];
		media = await startMediaServer(names.map((name) => ({ name, size: 256 })));
		stops.push(media.stop);
		const signedRows = (signature: string) =>
			SIGNED.map((name) => `('${media!.urlOf(name)}?Expires=${signature}&Signature=${signature}', '${name}')`).join(', ');

		const example = readExample(MIGRATION_EXAMPLE);
		await postgres.query(exampleQuery(example, 'Create Ledger Table'));
		await postgres.query(`INSERT INTO ${LEDGER} (source_url, source_key) VALUES ${signedRows('1')}`);
		await postgres.query(
			`INSERT INTO ${LEDGER} (source_url) SELECT '${media.baseUrl}/media/clip-' || g || '.mp4' FROM generate_series(0, ${n - 1}) AS g`,
		);
		let rows = n + SIGNED.length;
		const loadLater = async () => {
			const spellings = SPELLINGS.map((spell, i) => `('${spell(media!.baseUrl, clips[i + 1])}')`).join(', ');
			await postgres.query(`INSERT INTO ${LEDGER} (source_url) VALUES ${spellings}`);
			await postgres.query(`INSERT INTO ${LEDGER} (source_url, source_key) VALUES ${signedRows('2')}`);
			rows += SPELLINGS.length + SIGNED.length;
			log(`loaded ${SPELLINGS.length} other spellings and ${SIGNED.length} re-signed URLs`);
		};
		let loadedLater = false;
		const ledgerBytes = async () =>
			Number((await postgres.query(`SELECT pg_total_relation_size('${LEDGER}')`))[0][0]);
		const ledgerBefore = await ledgerBytes();

		session = await startN8nSession({ log, version: options.version });
		stops.push(async () => {
			await session?.n8n.stop(); // after a restart, the session's close() no longer holds this process
			await session?.close();
		});
		const database = join(session.userFolder, '.n8n', 'database.sqlite');
		const vod = await session.client.createCredential(
			'VOD emulator',
			'alibabaCloudVodApi',
			emulatorApiCredential(emulator),
		);
		// through the editor's REST API: n8n's public API refuses a Postgres credential without an SSH tunnel
		// (its schema demands the tunnel's fields whatever sshTunnel says)
		const pg = await session.client.rest<{ id: string; name: string; type: string }>(
			'POST',
			'/credentials',
			{
				name: 'Migration ledger',
				type: 'postgres',
				data: {
					host: '127.0.0.1',
					port: postgres.port,
					database: postgres.database,
					user: postgres.user,
					password: postgres.password,
					ssl: 'disable',
				},
			},
		);
		const workflow = await session.client.createWorkflow(
			adaptMigrationExample(example, { alibabaCloudVodApi: vod, postgres: pg }, timing),
		);
		const n8nDatabaseBefore = fileSize(database);

		// Kill moments: fractions of the way, where the way is every source claimed and every source final.
		const killAt = Array.from({ length: options.kills }, () => 0.05 + 0.85 * next()).sort(
			(a, b) => a - b,
		);
		const kills: MigrationFigures['kills'] = [];
		const rssAtKills: number[] = [];
		const jobsBeforeKills = new Set<string>();
		let peakRss = 0;
		const rssSamples: number[] = [];
		const sampler = setInterval(() => {
			const rss = rssOf(session?.n8n.child.pid);
			if (rss) rssSamples.push(rss);
			peakRss = Math.max(peakRss, rss);
		}, 250);
		stops.push(async () => clearInterval(sampler));

		const started = Date.now();
		await session.client.activateWorkflow(workflow.id);
		log(`migration of ${n} sources started; kills at ${killAt.map((at) => at.toFixed(2)).join(', ')} of the way`);
		const submitCalls = () => emulator!.state.vodCalls.UploadMediaByURL ?? 0;
		const deadline = started + (options.timeoutMs ?? 6 * 3600_000);
		let lastLine = 0;
		let putBack = 0;
		for (;;) {
			const states = await ledgerStates(postgres);
			// a row put back keeps its error until it is recorded submitted or done
			const [[backNow]] = await postgres.query(
				`SELECT count(*) FROM ${LEDGER} WHERE state IN ('pending', 'claimed') AND error_code IS NOT NULL`,
			);
			putBack = Math.max(putBack, Number(backNow));
			const final = (states.done ?? 0) + (states.failed ?? 0);
			if (final >= rows && loadedLater) break;
			if (final >= rows && kills.length === killAt.length) {
				await loadLater();
				loadedLater = true;
				continue;
			}
			const way = (rows - (states.pending ?? 0) - (states.claimed ?? 0) + final) / (2 * rows);
			if (Date.now() - lastLine > 15_000) {
				lastLine = Date.now();
				log(`${Math.round((Date.now() - started) / 1000)} s: ${JSON.stringify(states)}, n8n RSS ${Math.round(rssOf(session.n8n.child.pid) / MiB)} MiB`);
			}
			const faultsHandled = !faultAtCall || putBack > 0 || (states.failed ?? 0) > 0 || final >= rows;
			if (kills.length < killAt.length && way >= killAt[kills.length] && faultsHandled) {
				// Aim at the worst moment: VOD has just created jobs for a page whose JobIds are not recorded yet
				// (the page is recorded when Submit has sent all of it). When all is submitted, kill at once.
				const jobsBefore = emulator.state.vod.jobs.size;
				const aimUntil = Date.now() + timing.tickSeconds * 3000;
				const sending = (states.pending ?? 0) + (states.claimed ?? 0) > 0;
				while (sending && emulator.state.vod.jobs.size === jobsBefore && Date.now() < aimUntil)
					await sleep(2);
				rssAtKills.push(rssOf(session.n8n.child.pid));
				const ledger = await ledgerStates(postgres);
				const pid = session.n8n.child.pid!;
				process.kill(-pid, 'SIGKILL');
				for (const jobId of emulator.state.vod.jobs.keys()) jobsBeforeKills.add(jobId);
				// The shortened lease stands for the example's 15 minutes, after which VOD has forgotten the
				// killed run's SessionIds (10 minutes): forget them now, so that only the lookup can find its jobs.
				emulator.state.vod.sessions.clear();
				await session.n8n.stop();
				const restartStarted = Date.now();
				session.n8n = await startN8n(session.installation, {
					userFolder: session.userFolder,
					port: session.n8n.port,
					logName: `n8n-restart-${kills.length + 1}.log`,
					log,
				});
				await session.client.login();
				const restartSeconds = Math.round((Date.now() - restartStarted) / 100) / 10;
				kills.push({ atSecond: Math.round((restartStarted - started) / 1000), ledger, restartSeconds });
				log(`SIGKILL ${kills.length} at ${JSON.stringify(ledger)}; n8n back after ${restartSeconds} s`);
			}
			if (Date.now() > deadline) throw new Error(`the migration did not finish in time: ${JSON.stringify(states)}`);
			await sleep(500);
		}
		const seconds = (Date.now() - started) / 1000;
		await session.client.deactivateWorkflow(workflow.id);

		// Audit: every source has exactly one job in VOD (whatever spelling or signature the ledger lists it
		// under), every row holds that job (or, found by its Source Key, that job's media), the report covers all.
		const sourceOf = (url: string) =>
			decodeURIComponent(new URL(url.trim()).pathname).replace(/^\/media\//, '');
		const jobsBySource = new Map<string, Array<{ jobId: string; mediaId: string }>>();
		for (const job of emulator.state.vod.jobs.values()) {
			const source = sourceOf(job.uploadUrl);
			jobsBySource.set(source, [...(jobsBySource.get(source) ?? []), job]);
		}
		const jobsPerSource: Record<string, number> = {};
		for (const name of names) {
			const count = String(jobsBySource.get(name)?.length ?? 0);
			jobsPerSource[count] = (jobsPerSource[count] ?? 0) + 1;
		}
		const ledgerRows = await postgres.query(
			`SELECT source_url, coalesce(job_id, ''), coalesce(video_id, '') FROM ${LEDGER}`,
		);
		const ledgerJobMismatches = ledgerRows.filter(([url, jobId, videoId]) => {
			const job = jobsBySource.get(sourceOf(url))?.[0];
			return !job || (jobId ? jobId !== job.jobId : videoId !== job.mediaId);
		}).length;
		await postgres.query(exampleQuery(example, 'Write the Report'));
		const [report] = await postgres.query(
			`SELECT done, failed, pending, total, total - done - failed - pending_not_sent - pending_held - pending_pulling - pending_put_back FROM ${LEDGER}_report ORDER BY id DESC LIMIT 1`,
		);
		const [done, failed, pending, total, missingFromReport] = report.map(Number);
		const inDoubtJobs = await postgres.query(
			`SELECT coalesce(job_id, '') FROM ${LEDGER} WHERE claims > 1`,
		);
		const inDoubt = inDoubtJobs.length;
		const foundByLookup = inDoubtJobs.filter(([jobId]) => jobsBeforeKills.has(jobId)).length;
		const statusCalls = emulator.state.vodCalls.GetURLUploadInfos ?? 0;
		return {
			sources: names.length,
			ledgerRows: rows,
			seconds: Math.round(seconds),
			sourcesPerSecond: Math.round((names.length / seconds) * 10) / 10,
			kills,
			calls: {
				submit: submitCalls(),
				submitMinimum: Math.ceil(names.length / SUBMIT_BATCH),
				submitFaulted: lost.length + refused.length,
				status: statusCalls,
				lookupMinimum: Math.ceil(rows / LOOKUP_BATCH),
				statusMinimumPerRound: Math.ceil(names.length / STATUS_BATCH),
			},
			inDoubt,
			foundByLookup,
			putBack,
			peakRssMiB: Math.round(peakRss / MiB),
			medianRssMiB: Math.round(
				(rssSamples.sort((a, b) => a - b)[Math.floor(rssSamples.length / 2)] ?? 0) / MiB,
			),
			rssMiBAtKills: rssAtKills.map((bytes) => Math.round(bytes / MiB)),
			ledgerMiB: Math.round((await ledgerBytes()) / MiB),
			ledgerGrowthMiB: Math.round(((await ledgerBytes()) - ledgerBefore) / MiB),
			n8nDatabaseGrowthMiB: Math.round(((fileSize(database) - n8nDatabaseBefore) / MiB) * 10) / 10,
			audit: {
				jobsPerSource,
				duplicates: names.filter((name) => (jobsBySource.get(name)?.length ?? 0) > 1).length,
				notSubmitted: names.filter((name) => !jobsBySource.has(name)).length,
				ledgerJobMismatches,
				report: { done, failed, pending, total },
				missingFromReport: missingFromReport + (rows - total),
			},
		};
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		await stopAll();
	}
}

/** The figures as the benchmark prints them. */
export function describeFigures(figures: MigrationFigures): string {
	const { calls, audit } = figures;
	return [
		`sources                 ${figures.sources} (ledger rows ${figures.ledgerRows}: other spellings and re-signed URLs of some)`,
		`wall time               ${figures.seconds} s (${figures.sourcesPerSecond} sources/s), ${figures.kills.length} SIGKILLs`,
		...figures.kills.map(
			(kill, i) =>
				`  kill ${i + 1} at ${kill.atSecond} s, ledger ${JSON.stringify(kill.ledger)}, n8n back in ${kill.restartSeconds} s`,
		),
		`UploadMediaByURL calls  ${calls.submit}, of them ${calls.submitFaulted} given an injected fault (answer lost, refused) (minimum ceil(N/20) = ${calls.submitMinimum})`,
		`GetURLUploadInfos calls ${calls.status}: lookups before submitting (minimum ceil(rows/10) = ${calls.lookupMinimum}) and status checks (minimum ceil(N/10) = ${calls.statusMinimumPerRound} a round: about ${((calls.status - calls.lookupMinimum) / calls.statusMinimumPerRound).toFixed(2)} rounds)`,
		`sources taken again ${figures.inDoubt} (after a kill or put back); VOD already had a job for ${figures.foundByLookup} of them; at most ${figures.putBack} put back at once after refused calls`,
		`n8n RSS                 peak ${figures.peakRssMiB} MiB, median ${figures.medianRssMiB} MiB (at the kills: ${figures.rssMiBAtKills.join(', ')} MiB)`,
		`ledger table            ${figures.ledgerMiB} MiB (grew ${figures.ledgerGrowthMiB} MiB during the run); n8n database grew ${figures.n8nDatabaseGrowthMiB} MiB`,
		`audit: jobs per source  ${JSON.stringify(audit.jobsPerSource)}; duplicates ${audit.duplicates}; never submitted ${audit.notSubmitted}; ledger ≠ VOD ${audit.ledgerJobMismatches}`,
		`report                  ${JSON.stringify(audit.report)}; missing from the report ${audit.missingFromReport}`,
	].join('\n');
}
