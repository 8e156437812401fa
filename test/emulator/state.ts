import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { VodStore } from './vod/store';

/**
 * State shared by the emulator's VOD and OSS servers. VOD issues STS credentials (CreateUploadVideo,
 * RefreshUploadVideo) that OSS verifies, and OSS tells VOD when an object lands at a media's address.
 */

export interface AccessKey {
	accessKeyId: string;
	accessKeySecret: string;
}

/** An STS triple the emulator issued, scoped to one bucket and object key. */
export interface StsCredential extends AccessKey {
	securityToken: string;
	bucket: string;
	objectKey: string;
	expiresAt: number; // epoch ms
	mediaId: string;
}

export interface StoredObject {
	bucket: string;
	key: string;
	path: string; // file on disk holding the bytes
	size: number;
	md5: string; // hex
	contentType?: string;
	storedAt: string; // ISO
	multipartUploadId?: string;
	partCount?: number;
}

/**
 * One fault at one call: the `call`-th request of `action` (a VOD action or an OSS operation such as
 * UploadPart, counted from the last reset) fails. `unavailable`: 503 before the action runs;
 * `tokenExpired`: before it runs, OSS answers 403 SecurityTokenExpired, VOD 400 InvalidSecurityToken.Expired
 * (the caller's own STS token expired); `dropBefore`: the connection is
 * destroyed before the action runs; `dropAfter`: the action runs, then the connection is destroyed
 * instead of answering. The client cannot tell the two drops apart.
 */
export interface TargetedFault {
	action: string;
	call: number;
	kind: 'unavailable' | 'tokenExpired' | 'dropBefore' | 'dropAfter';
}

/** The targeted fault for the `count`-th call of `action`, if one is set. */
export function targetedFault(faults: TargetedFault[] | undefined, action: string, count: number) {
	return faults?.find((fault) => fault.action === action && fault.call === count);
}

/** Faults injected on demand. Rates are probabilities in [0, 1] applied per request. */
export interface FaultConfig {
	vod?: {
		throttleRate?: number; // answers Throttling.User
		error500Rate?: number; // answers InternalError 500
		error503Rate?: number; // answers ServiceUnAvailable 503
		dropRate?: number; // destroys the socket after reading the request, before answering
		/** when a drop happens: before the action ran, after it ran (ambiguous outcome), or either (default) */
		dropMode?: 'beforeAction' | 'afterAction' | 'random';
		latencyMs?: number; // added to every answer
		qps?: Record<string, number>; // per-action QPS limit; over it → Throttling.User
		actions?: string[]; // limit the rate faults to these actions (all when absent)
		at?: TargetedFault[];
	};
	oss?: {
		error503Rate?: number; // 503 ServiceUnavailable on part uploads and puts
		dropRate?: number; // destroys the socket mid-body on part uploads and puts
		latencyMs?: number;
		at?: TargetedFault[];
	};
	/** Lifetime of STS credentials issued from now on (default 3000 s, as VOD documents). */
	stsTtlSeconds?: number;
}

export type ObjectCompletedListener = (object: StoredObject) => void;

export class EmulatorState {
	readonly accounts = new Map<string, string>();
	readonly sts = new Map<string, StsCredential>();
	readonly objects = new Map<string, StoredObject>(); // `${bucket}/${key}`
	faults: FaultConfig = {};
	/** VOD's own records: URL-pull jobs, media, callbacks sent, call counts (see vod/store.ts) */
	readonly vod = new VodStore();
	private readonly objectListeners: ObjectCompletedListener[] = [];

	constructor(readonly dataDir: string) {
		mkdirSync(dataDir, { recursive: true });
	}

	addAccount(key: AccessKey) {
		this.accounts.set(key.accessKeyId, key.accessKeySecret);
	}

	issueSts(bucket: string, objectKey: string, mediaId: string): StsCredential {
		const ttl = this.faults.stsTtlSeconds ?? 3000;
		const cred: StsCredential = {
			accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
			accessKeySecret: randomBytes(22).toString('base64'),
			securityToken: `CAIS${randomBytes(48).toString('base64')}`,
			bucket,
			objectKey,
			mediaId,
			expiresAt: Date.now() + ttl * 1000,
		};
		this.sts.set(cred.accessKeyId, cred);
		return cred;
	}

	objectPath(bucket: string, key: string) {
		return join(this.dataDir, createHash('sha1').update(`${bucket}/${key}`).digest('hex'));
	}

	onObjectCompleted(listener: ObjectCompletedListener) {
		this.objectListeners.push(listener);
	}

	putObject(object: StoredObject) {
		this.objects.set(`${object.bucket}/${object.key}`, object);
		for (const listener of this.objectListeners) listener(object);
	}

	/** VOD calls per action that reached the server (signed or not, faulted or not) */
	get vodCalls(): Record<string, number> {
		return Object.fromEntries(this.vod.callCounts);
	}

	/** true with probability `rate` */
	roll(rate: number | undefined) {
		return !!rate && Math.random() < rate;
	}
}
