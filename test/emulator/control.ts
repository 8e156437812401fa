import type http from 'node:http';

import type { EmulatorState, FaultConfig } from './state';
import type { CallbackSender } from './vod/callbacks';
import { isoSeconds } from './vod/encoding';
import type { JobRunner } from './vod/jobs';
import { newMedia, videoObjectKey } from './vod/media';
import type { CallbackSettings, JobSettings, MediaType, MessageCallbackSettings } from './vod/model';

export interface SeedMediaOptions {
	count: number;
	/** statuses assigned round-robin (default ['Normal']) */
	statuses?: string[];
	mediaType?: MediaType;
	/** creation time of the first media (ISO, default now − count × interval) */
	startTime?: string;
	/** creation time step between media (default 1000 ms) */
	intervalMs?: number;
	titlePrefix?: string;
	appId?: string;
	cateId?: number;
	/** owner (default: the first account) */
	accessKeyId?: string;
}

export type MessageCallbackUpdate = Partial<MessageCallbackSettings> & Partial<CallbackSettings>;

/** The emulator's test controls, used in-process and over HTTP under `/__control/*`. */
export class Controller {
	constructor(
		readonly state: EmulatorState,
		readonly jobs: JobRunner,
		readonly callbacks: CallbackSender,
		private readonly resetOss: () => void = () => undefined,
	) {}

	setFaults(faults: FaultConfig) {
		this.state.faults = faults ?? {};
	}

	reset() {
		this.state.vod.reset();
		this.state.faults = {};
		this.state.objects.clear();
		this.state.sts.clear();
		this.resetOss();
	}

	setJobSettings(settings: Partial<JobSettings>) {
		Object.assign(this.state.vod.jobSettings, settings);
		if (settings.autoRun) void this.jobs.runPending();
	}

	setMessageCallback(update: MessageCallbackUpdate) {
		const { quirks, attempts, timeoutMs, retryDelayMs, ...settings } = update;
		Object.assign(this.state.vod.messageCallback, settings);
		const callbackSettings = { quirks, attempts, timeoutMs, retryDelayMs };
		for (const [key, value] of Object.entries(callbackSettings)) {
			if (value !== undefined) Object.assign(this.state.vod.callbackSettings, { [key]: value });
		}
	}

	/** Creates media directly (no upload), e.g. 6,000 for SearchMedia paging tests. */
	seedMedia(options: SeedMediaOptions) {
		const count = Math.max(0, Math.floor(options.count));
		const statuses = options.statuses?.length ? options.statuses : ['Normal'];
		const interval = options.intervalMs ?? 1000;
		const start = options.startTime ? Date.parse(options.startTime) : Date.now() - count * interval;
		const accountId = options.accessKeyId ?? this.state.accounts.keys().next().value ?? '';
		const caller = { accessKeyId: accountId, accountId, sts: false };
		const ids: string[] = [];
		for (let i = 0; i < count; i++) {
			const at = start + i * interval;
			const media = newMedia(this.state, caller, {
				mediaType: options.mediaType ?? 'video',
				objectKey: videoObjectKey('mp4'),
				title: `${options.titlePrefix ?? 'Seeded media'} ${i + 1}`,
				status: statuses[i % statuses.length],
				creationTime: at,
				modificationTime: at,
				size: 1024 * (i + 1),
				duration: 10,
				source: 'seed',
				appId: options.appId ?? 'app-1000000',
				cateId: options.cateId,
			});
			ids.push(media.mediaId);
		}
		return ids;
	}

	snapshot() {
		const vod = this.state.vod;
		return {
			bucket: vod.bucket,
			storageLocation: vod.storageLocation,
			calls: Object.fromEntries(vod.callCounts),
			jobs: [...vod.jobs.values()],
			media: [...vod.media.values()].map((m) => ({
				...m,
				creationTime: isoSeconds(m.creationTime),
				modificationTime: isoSeconds(m.modificationTime),
			})),
			objects: [...this.state.objects.values()],
			callbacks: vod.callbacks,
			messageCallback: vod.messageCallback,
			callbackSettings: vod.callbackSettings,
			jobSettings: vod.jobSettings,
			faults: this.state.faults,
		};
	}

	/** `/__control/<path>` (JSON in, JSON out) */
	readonly handler = async (
		req: http.IncomingMessage,
		res: http.ServerResponse,
		path: string,
		body: Buffer,
	) => {
		const send = (status: number, value: unknown) => {
			const text = JSON.stringify(value);
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(text);
		};
		let input: Record<string, unknown> = {};
		try {
			input = body.length ? JSON.parse(body.toString('utf8')) : {};
		} catch {
			send(400, { error: 'body must be JSON' });
			return;
		}
		const route = `${req.method} ${path.replace(/\/+$/, '')}`;
		switch (route) {
			case 'GET state':
				send(200, this.snapshot());
				return;
			case 'GET usage':
				// for a benchmark that runs the emulator in its own process: what serving the calls cost it
				send(200, { calls: Object.fromEntries(this.state.vod.callCounts), cpuUsage: process.cpuUsage() });
				return;
			case 'POST faults':
				this.setFaults(input as FaultConfig);
				send(200, { faults: this.state.faults });
				return;
			case 'POST reset':
				this.reset();
				send(200, { ok: true });
				return;
			case 'POST seed-media': {
				const ids = this.seedMedia(input as unknown as SeedMediaOptions);
				send(200, { created: ids.length, mediaIds: ids });
				return;
			}
			case 'POST message-callback':
				this.setMessageCallback(input as MessageCallbackUpdate);
				send(200, { messageCallback: this.state.vod.messageCallback, callbackSettings: this.state.vod.callbackSettings });
				return;
			case 'POST jobs':
				this.setJobSettings(input as Partial<JobSettings>);
				send(200, { jobSettings: this.state.vod.jobSettings });
				return;
			case 'POST finish-jobs':
				await this.jobs.runPending();
				send(200, { jobs: [...this.state.vod.jobs.values()] });
				return;
			case 'POST idle':
				await this.jobs.idle();
				send(200, { ok: true });
				return;
			default:
				send(404, {
					error: `unknown control route ${route}`,
					routes: ['GET state', 'GET usage', 'POST faults', 'POST reset', 'POST seed-media', 'POST message-callback', 'POST jobs', 'POST finish-jobs', 'POST idle'],
				});
		}
	};
}
