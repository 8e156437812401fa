import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import type { EmulatorState } from '../state';
import type { CallbackSender } from './callbacks';
import { isoSeconds } from './encoding';
import type { UrlJob, UrlJobStatus } from './model';
import { setMediaStatus } from './media';
import { AUDIO_EXTENSIONS, VIDEO_EXTENSIONS, extensionOf, parseUserData } from './validate';

class JobFailure extends Error {
	constructor(
		readonly status: UrlJobStatus,
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

const DOWNLOAD_FAILED = 'download video failed by the url, please check it';
const IDLE_TIMEOUT_MS = 30_000;

/**
 * Runs URL-pull jobs in the background: PENDING → DOWNLOADING → UPLOADING → SUCCESS, or a *_FAIL
 * status with an ErrorCode. Downloads stream to disk; at most `concurrency` jobs run at once.
 */
export class JobRunner {
	private readonly queue: string[] = [];
	private active = 0;
	private readonly running = new Set<Promise<void>>();
	private stopped = false;

	constructor(
		private readonly state: EmulatorState,
		private readonly callbacks: CallbackSender,
	) {}

	/** Called when jobs are accepted; they start at once unless autoRun is off. */
	submitted(jobIds: string[]) {
		if (!this.state.vod.jobSettings.autoRun) return;
		this.queue.push(...jobIds);
		this.pump();
	}

	/** Starts every PENDING job (control API `finish-jobs`) and waits until they and their callbacks end. */
	async runPending() {
		for (const job of this.state.vod.jobs.values()) {
			if (job.status === 'PENDING' && !this.queue.includes(job.jobId)) this.queue.push(job.jobId);
		}
		this.pump();
		await this.idle();
	}

	async idle() {
		while (this.running.size > 0 || this.queue.length > 0) {
			if (this.running.size === 0) this.pump();
			await Promise.allSettled([...this.running]);
		}
		await this.callbacks.idle();
	}

	stop() {
		this.stopped = true;
		this.queue.length = 0;
	}

	private pump() {
		const limit = Math.max(1, this.state.vod.jobSettings.concurrency);
		while (!this.stopped && this.active < limit && this.queue.length > 0) {
			const jobId = this.queue.shift()!;
			const job = this.state.vod.jobs.get(jobId);
			if (!job || job.status !== 'PENDING') continue;
			this.active++;
			const run = this.run(job).finally(() => {
				this.active--;
				this.running.delete(run);
				this.pump();
			});
			this.running.add(run);
		}
	}

	private async step(job: UrlJob, status: UrlJobStatus) {
		const delay = this.state.vod.jobSettings.stepDelayMs;
		if (delay > 0) await sleep(delay);
		if (this.stopped || job.status === 'CANCELED' || !this.state.vod.jobs.has(job.jobId)) return false;
		job.status = status;
		return true;
	}

	private async run(job: UrlJob) {
		const { state } = this;
		const media = state.vod.media.get(job.mediaId);
		try {
			if (!(await this.step(job, 'DOWNLOADING'))) return;
			if (!media) throw new JobFailure('UPLOAD_FAIL', 'InternalError', 'media record lost');
			const ext = (job.metadata.FileExtension ?? extensionOf(job.uploadUrl)).toLowerCase();
			if (!ext) {
				throw new JobFailure(
					'DOWNLOAD_FAIL',
					'InvalidFileName.Extension',
					'The URL has no file extension and no FileExtension was given.',
				);
			}
			if (!VIDEO_EXTENSIONS.has(ext) && !AUDIO_EXTENSIONS.has(ext)) {
				throw new JobFailure(
					'DOWNLOAD_FAIL',
					'InvalidFileName.Extension',
					`The file extension "${ext}" is not a supported audio or video format.`,
				);
			}
			if (AUDIO_EXTENSIONS.has(ext)) media.mediaType = 'audio';
			media.objectKey = media.objectKey.replace(/\.[^./]+$/, `.${ext}`);
			state.vod.addMedia(media);
			const path = state.objectPath(media.bucket, media.objectKey);
			const { size, md5 } = await this.download(job.uploadUrl, path);
			job.fileSize = size;
			if (!(await this.step(job, 'UPLOADING'))) return;
			media.size = size;
			setMediaStatus(media, 'Uploading');
			// The object's arrival marks the media Normal and sends FileUploadComplete (upload-complete.ts).
			state.putObject({
				bucket: media.bucket,
				key: media.objectKey,
				path,
				size,
				md5,
				storedAt: new Date().toISOString(),
			});
			if (!(await this.step(job, 'SUCCESS'))) return;
			job.completeTime = Date.now();
			this.notify(job, {
				Status: 'success',
				EventTime: isoSeconds(job.completeTime),
				EventType: 'UploadByURLComplete',
				VideoId: job.mediaId,
				JobId: job.jobId,
				SourceURL: job.uploadUrl,
				Size: String(size),
			});
		} catch (error) {
			const failure =
				error instanceof JobFailure
					? error
					: new JobFailure('DOWNLOAD_FAIL', 'URLInvalidError', DOWNLOAD_FAILED);
			job.status = failure.status;
			job.errorCode = failure.code;
			job.errorMessage = failure.message;
			job.completeTime = Date.now();
			if (media) {
				setMediaStatus(media, 'UploadFail', job.completeTime);
			}
			this.notify(job, {
				Status: 'fail',
				EventTime: isoSeconds(job.completeTime),
				EventType: 'UploadByURLComplete',
				ErrorCode: failure.code,
				ErrorMessage: failure.message,
				JobId: job.jobId,
				SourceURL: job.uploadUrl,
			});
		}
	}

	private notify(job: UrlJob, payload: Record<string, unknown>) {
		const { callbackUrl, extend } = parseUserDataSafe(job.userData);
		if (extend !== undefined) payload.Extend = extend;
		this.callbacks.send('UploadByURLComplete', payload, callbackUrl);
	}

	/** Streams the source to `path`, counting bytes and MD5; never holds the file in memory. */
	private async download(url: string, path: string, redirects = 5): Promise<{ size: number; md5: string }> {
		const response = await get(url);
		const status = response.statusCode ?? 0;
		if (status >= 300 && status < 400 && response.headers.location && redirects > 0) {
			response.resume();
			return this.download(new URL(response.headers.location, url).toString(), path, redirects - 1);
		}
		if (status !== 200) {
			response.resume();
			throw new JobFailure('DOWNLOAD_FAIL', 'URLInvalidError', `${DOWNLOAD_FAILED} (HTTP ${status})`);
		}
		const max = this.state.vod.jobSettings.maxFileSize;
		const declared = Number(response.headers['content-length']);
		if (Number.isFinite(declared) && declared > max) {
			response.destroy();
			throw new JobFailure('DOWNLOAD_FAIL', 'FileSizeExceeded', `The file is larger than ${max} bytes.`);
		}
		const hash = createHash('md5');
		let size = 0;
		const counter = new Transform({
			transform(chunk: Buffer, _enc, done) {
				size += chunk.length;
				if (size > max) {
					done(new JobFailure('DOWNLOAD_FAIL', 'FileSizeExceeded', `The file is larger than ${max} bytes.`));
					return;
				}
				hash.update(chunk);
				done(null, chunk);
			},
		});
		response.setTimeout(IDLE_TIMEOUT_MS, () => response.destroy(new Error('source stalled')));
		try {
			await pipeline(response, counter, createWriteStream(path));
		} catch (error) {
			await unlink(path).catch(() => undefined);
			throw error;
		}
		return { size, md5: hash.digest('hex') };
	}
}

function get(url: string) {
	return new Promise<http.IncomingMessage>((resolve, reject) => {
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			reject(new JobFailure('DOWNLOAD_FAIL', 'URLInvalidError', DOWNLOAD_FAILED));
			return;
		}
		const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : undefined;
		if (!client) {
			reject(new JobFailure('DOWNLOAD_FAIL', 'URLInvalidError', DOWNLOAD_FAILED));
			return;
		}
		const request = client.get(parsed, resolve);
		request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(new Error('source timeout')));
		request.on('error', reject);
	});
}

function parseUserDataSafe(raw: string | undefined) {
	try {
		return parseUserData(raw);
	} catch {
		return {};
	}
}
