/**
 * One n8n for a test file or the demo: installs n8n if needed, makes a temp user folder, installs the
 * packed package into it as a community package, starts n8n, creates the owner, and removes it all again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { N8nClient } from './client';
import {
	ensureN8n,
	installPackageAsUser,
	n8nCacheRoot,
	n8nVersion,
	type N8nInstallation,
} from './install';
import { startN8n, type N8nProcess } from './process';

export const PACKAGE_NAME = 'n8n-nodes-alibaba-vod';
export const NODE_TYPES = {
	action: `${PACKAGE_NAME}.alibabaCloudVod`,
	jobStatus: `${PACKAGE_NAME}.alibabaCloudVodJobStatus`,
	trigger: `${PACKAGE_NAME}.alibabaCloudVodTrigger`,
	pollTrigger: `${PACKAGE_NAME}.alibabaCloudVodPollTrigger`,
} as const;

export interface N8nSession {
	installation: N8nInstallation;
	n8n: N8nProcess;
	client: N8nClient;
	userFolder: string;
	timings: { installSeconds: number; packageInstallSeconds: number; startupSeconds: number };
	/** n8n's log up to the moment it was ready (package loading included) */
	startupLog: string;
	/** warnings/errors about the package in the startup log (see packageLogProblems) */
	packageLogProblems(): string[];
	close(): Promise<void>;
}

export interface SessionOptions {
	/** the n8n version (default: N8N_E2E_VERSION, else DEFAULT_N8N_VERSION) */
	version?: string;
	env?: Record<string, string>;
	port?: number;
	log?: (line: string) => void;
	/** keep the user folder (database, n8n.log) after close; env N8N_E2E_KEEP=1 does the same */
	keepUserFolder?: boolean;
	/** the built package to pack (default: env N8N_E2E_PACKAGE_DIR, else this repository) */
	packageDir?: string;
}

const log = (line: string) => process.stderr.write(`[n8n-e2e] ${line}\n`);

export async function startN8nSession(options: SessionOptions = {}): Promise<N8nSession> {
	const say = options.log ?? log;
	const installation = await ensureN8n(options.version ?? n8nVersion(), say);
	const userFolder = mkdtempSync(join(tmpdir(), 'vod-e2e-n8n-'));
	let n8n: N8nProcess | undefined;
	try {
		const installed = await installPackageAsUser(userFolder, {
			log: say,
			packageDir: options.packageDir ?? process.env.N8N_E2E_PACKAGE_DIR,
			node: installation.node,
		});
		n8n = await startN8n(installation, {
			userFolder,
			port: options.port,
			env: options.env,
			log: say,
		});
		const startupLog = n8n.logText();
		const client = new N8nClient(n8n.baseUrl);
		await client.setupOwner();
		const running = n8n;
		return {
			installation,
			n8n: running,
			client,
			userFolder,
			timings: {
				installSeconds: installation.installSeconds,
				packageInstallSeconds: installed.seconds,
				startupSeconds: running.startupSeconds,
			},
			startupLog,
			packageLogProblems: () => packageLogProblems(startupLog),
			async close() {
				await running.stop();
				if (options.keepUserFolder || process.env.N8N_E2E_KEEP) {
					say(`kept n8n's user folder (database, n8n.log): ${userFolder}`);
				} else {
					rmSync(userFolder, { recursive: true, force: true });
				}
			},
		};
	} catch (error) {
		await n8n?.stop();
		rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}
}

/**
 * Warnings and errors n8n logged about this package or its nodes/credentials. n8n's console log has no
 * level column and a load failure spans several lines ("Cannot find module …", "Require stack:", paths
 * into the package), so each warning/error line is judged together with the lines that continue it.
 */
export function packageLogProblems(logText: string, cacheRoot = n8nCacheRoot()): string[] {
	const ours = /n8n-nodes-alibaba-vod|alibabaCloud|alibaba cloud vod/i;
	// n8n's own stack traces run through the e2e cache folder, whose default path bears the package's
	// name (n8n 2.x logs one when it cannot reach its MCP registry): that path is not the package
	const text = logText.split(cacheRoot).join('<n8n e2e cache>');
	const bad = /warn|error|fail|could not|cannot|unable|invalid|skipp|not found|unrecognized/i;
	const continuation = /^(\s|- |Require stack:|at )/;
	const lines = text.split('\n');
	const problems: string[] = [];
	for (let i = 0; i < lines.length; i++) {
		if (!bad.test(lines[i])) continue;
		let end = i + 1;
		while (end < lines.length && continuation.test(lines[end])) end++;
		const block = lines.slice(i, end).join('\n');
		if (ours.test(block)) problems.push(block);
		i = end - 1;
	}
	return problems;
}
