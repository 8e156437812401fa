import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Controller, type MessageCallbackUpdate, type SeedMediaOptions } from './control';
import { EmulatorState, type AccessKey, type FaultConfig } from './state';
import { CallbackSender } from './vod/callbacks';
import { JobRunner } from './vod/jobs';
import type { MultipartUploadRecord, OssRequestRecord } from './oss/registry';
import type { JobSettings } from './vod/model';
import { createVodServer } from './vod/server';
import { watchUploads } from './vod/upload-complete';

export type { AccessKey, FaultConfig } from './state';
export { EmulatorState } from './state';
export { callbackSignature } from './vod/callbacks';

/** Test account of every emulator unless `accessKeys` is given. Not a real credential. */
export const DEFAULT_TEST_ACCESS_KEY: AccessKey = {
	accessKeyId: 'EMULATORTESTAKID0001',
	accessKeySecret: 'emulator-test-secret-not-a-real-key',
};

export interface EmulatorOptions {
	/** accounts that may call; the first is `emulator.accessKey` */
	accessKeys?: AccessKey[];
	/** where stored objects live (default: a fresh temp dir, removed on stop) */
	dataDir?: string;
	vodPort?: number;
	ossPort?: number;
}

export interface Emulator {
	vodEndpoint: string; // 127.0.0.1:port (what openapi-client's `endpoint` takes)
	ossEndpoint: string; // http://127.0.0.1:port
	controlUrl: string; // http://127.0.0.1:vodPort/__control
	accessKey: AccessKey;
	/** the callback auth key VOD signs callbacks with (SetMessageCallback can change it) */
	callbackAuthKey: string;
	state: EmulatorState;
	/** false while test/emulator/oss/index.ts is missing: ossEndpoint then answers 501 */
	ossAvailable: boolean;
	/** every multipart upload the OSS server saw (status, parts, who uploaded them) */
	readonly ossUploads: Map<string, MultipartUploadRecord>;
	/** one record per OSS request (operation, uploadId, AccessKeyId, status, fault) */
	readonly ossRequests: OssRequestRecord[];
	setFaults(faults: FaultConfig): void;
	reset(): void;
	setJobSettings(settings: Partial<JobSettings>): void;
	setMessageCallback(update: MessageCallbackUpdate): void;
	seedMedia(options: SeedMediaOptions): string[];
	/** starts every PENDING job and waits for all jobs and callbacks to finish */
	finishJobs(): Promise<void>;
	/** waits until running jobs and callback deliveries have finished */
	idle(): Promise<void>;
	stop(): Promise<void>;
}

type OssServerLike = http.Server & {
	ossUploads?: Map<string, MultipartUploadRecord>;
	ossRequests?: OssRequestRecord[];
	ossReset?: () => void;
};
type OssFactory = (state: EmulatorState) => OssServerLike;

/** H2's OSS server, if it is there yet (the module may not exist while both halves are built). */
function loadOssFactory(): OssFactory | undefined {
	const base = join(__dirname, 'oss', 'index');
	if (!['.ts', '.js'].some((ext) => existsSync(base + ext))) return undefined;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(base) as { createOssServer?: OssFactory };
	return mod.createOssServer;
}

function listen(server: http.Server, port: number) {
	return new Promise<number>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

function close(server: http.Server) {
	return new Promise<void>((resolve) => {
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

/** The `alibabaCloudVodApi` credential data that points the nodes at an emulator, with its test keys. */
export function emulatorApiCredential(emulator: Pick<Emulator, 'vodEndpoint' | 'accessKey'>) {
	return {
		accessKeyId: emulator.accessKey.accessKeyId,
		accessKeySecret: emulator.accessKey.accessKeySecret,
		securityToken: '',
		region: 'cn-shanghai',
		endpoint: emulator.vodEndpoint,
		protocol: 'HTTP',
	};
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const ownDataDir = !options.dataDir;
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vod-emulator-'));
	const state = new EmulatorState(dataDir);
	const keys = options.accessKeys?.length ? options.accessKeys : [DEFAULT_TEST_ACCESS_KEY];
	for (const key of keys) state.addAccount(key);

	const callbacks = new CallbackSender(state.vod);
	const jobs = new JobRunner(state, callbacks);
	watchUploads(state, callbacks);
	const ossFactory = loadOssFactory();
	const ossServer: OssServerLike = ossFactory
		? ossFactory(state)
		: http.createServer((_req, res) => {
				res.writeHead(501, { 'content-type': 'text/plain' });
				res.end('OSS emulator not built yet (test/emulator/oss/index.ts missing)');
			});
	const controller = new Controller(state, jobs, callbacks, () => ossServer.ossReset?.());
	const vodServer = createVodServer(state, { jobs, callbacks }, controller.handler);
	const vodPort = await listen(vodServer, options.vodPort ?? 0);
	const ossPort = await listen(ossServer, options.ossPort ?? 0);
	state.vod.ossEndpoint = `http://127.0.0.1:${ossPort}`;

	return {
		vodEndpoint: `127.0.0.1:${vodPort}`,
		ossEndpoint: state.vod.ossEndpoint,
		controlUrl: `http://127.0.0.1:${vodPort}/__control`,
		accessKey: keys[0],
		get callbackAuthKey() {
			return state.vod.messageCallback.AuthKey;
		},
		state,
		ossAvailable: !!ossFactory,
		setFaults: (faults) => controller.setFaults(faults),
		get ossUploads() {
			return ossServer.ossUploads ?? new Map();
		},
		get ossRequests() {
			return ossServer.ossRequests ?? [];
		},
		reset: () => controller.reset(),
		setJobSettings: (settings) => controller.setJobSettings(settings),
		setMessageCallback: (update) => controller.setMessageCallback(update),
		seedMedia: (seed) => controller.seedMedia(seed),
		finishJobs: () => jobs.runPending(),
		idle: () => jobs.idle(),
		async stop() {
			jobs.stop();
			callbacks.stop();
			await Promise.all([close(vodServer), close(ossServer)]);
			if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
		},
	};
}
