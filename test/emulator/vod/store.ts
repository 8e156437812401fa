import { randomBytes } from 'node:crypto';

import type {
	CallbackAttempt,
	CallbackSettings,
	JobSettings,
	Media,
	MessageCallbackSettings,
	UrlJob,
} from './model';

export const REGION = 'cn-shanghai';
export const DEFAULT_APP_ID = 'app-1000000';
const NONCE_TTL_MS = 15 * 60 * 1000;
const SESSION_TTL_MS = 10 * 60 * 1000;

export function hexId() {
	return randomBytes(16).toString('hex');
}

function alnumKey(length: number) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	const bytes = randomBytes(length);
	return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** Everything the VOD server remembers. `reset()` empties it but keeps the storage bucket and keys. */
export class VodStore {
	readonly jobs = new Map<string, UrlJob>();
	readonly media = new Map<string, Media>();
	private readonly mediaByObject = new Map<string, string>(); // `${bucket}/${key}` → mediaId
	/** STS AccessKeyId → the account whose call issued it */
	readonly stsOwners = new Map<string, string>();
	readonly callbacks: CallbackAttempt[] = [];
	readonly callCounts = new Map<string, number>();
	readonly nonces = new Map<string, number>(); // `${ak}\n${nonce}` → expiry
	readonly sessions = new Map<string, { expiresAt: number; jobIds: string[] }>();
	readonly scrolls = new Map<string, { expiresAt: number; offset: number; key: string }>();
	/** per-action timestamps of the last second, for the qps fault */
	readonly recentCalls = new Map<string, number[]>();

	readonly bucket = `outin-${hexId()}`;
	readonly storageLocation = `${this.bucket}.oss-${REGION}.aliyuncs.com`;
	readonly defaultAuthKey = alnumKey(24);
	ossEndpoint = 'http://127.0.0.1:0';

	messageCallback!: MessageCallbackSettings;
	jobSettings!: JobSettings;
	callbackSettings!: CallbackSettings;

	constructor() {
		this.reset();
	}

	reset() {
		this.jobs.clear();
		this.media.clear();
		this.mediaByObject.clear();
		this.stsOwners.clear();
		this.callbacks.length = 0;
		this.callCounts.clear();
		this.nonces.clear();
		this.sessions.clear();
		this.scrolls.clear();
		this.recentCalls.clear();
		this.messageCallback = {
			CallbackType: 'HTTP',
			CallbackURL: '',
			EventTypeList: 'ALL',
			AuthSwitch: 'on',
			AuthKey: this.defaultAuthKey,
		};
		this.jobSettings = {
			autoRun: true,
			stepDelayMs: 0,
			concurrency: 4,
			maxFileSize: 20 * 1024 ** 3,
			urlHandling: 'documented',
		};
		this.callbackSettings = { quirks: false, attempts: 3, timeoutMs: 5000, retryDelayMs: 1000 };
	}

	countCall(action: string) {
		this.callCounts.set(action, (this.callCounts.get(action) ?? 0) + 1);
	}

	/** true the first time a nonce is seen for this AccessKey within 15 minutes */
	useNonce(accessKeyId: string, nonce: string) {
		const now = Date.now();
		if (this.nonces.size > 10000) {
			for (const [key, expiry] of this.nonces) if (expiry < now) this.nonces.delete(key);
		}
		const key = `${accessKeyId}\n${nonce}`;
		const expiry = this.nonces.get(key);
		if (expiry !== undefined && expiry >= now) return false;
		this.nonces.set(key, now + NONCE_TTL_MS);
		return true;
	}

	/** job ids of a SessionId used in the last 10 minutes, if any */
	session(accountId: string, sessionId: string) {
		const entry = this.sessions.get(`${accountId}\n${sessionId}`);
		if (!entry || entry.expiresAt < Date.now()) return undefined;
		return entry;
	}

	rememberSession(accountId: string, sessionId: string, jobIds: string[]) {
		this.sessions.set(`${accountId}\n${sessionId}`, {
			expiresAt: Date.now() + SESSION_TTL_MS,
			jobIds,
		});
	}

	addMedia(media: Media) {
		this.media.set(media.mediaId, media);
		this.mediaByObject.set(`${media.bucket}/${media.objectKey}`, media.mediaId);
	}

	deleteMedia(mediaId: string) {
		const media = this.media.get(mediaId);
		if (!media) return;
		this.media.delete(mediaId);
		this.mediaByObject.delete(`${media.bucket}/${media.objectKey}`);
	}

	mediaAt(bucket: string, key: string) {
		const id = this.mediaByObject.get(`${bucket}/${key}`);
		return id ? this.media.get(id) : undefined;
	}

	mediaByReference(accountId: string, referenceId: string) {
		for (const media of this.media.values()) {
			if (media.accountId === accountId && media.referenceId === referenceId) return media;
		}
		return undefined;
	}
}
