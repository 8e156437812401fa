/**
 * VOD hands out where to put a file (UploadAddress) and temporary OSS credentials (UploadAuth) as
 * Base64-encoded JSON. Decoding them is pure; nothing here logs or returns the secrets.
 */

export interface UploadAddress {
	/** scheme included, e.g. https://oss-cn-shanghai.aliyuncs.com */
	endpoint: string;
	bucket: string;
	objectKey: string;
}

export interface StsCredentials {
	accessKeyId: string;
	accessKeySecret: string;
	securityToken: string;
	/** epoch ms after which OSS rejects the token */
	expiresAt: number;
	/** e.g. cn-shanghai, when VOD says */
	region?: string;
}

function decodeJson(value: string, what: string): Record<string, unknown> {
	let parsed: unknown;
	try {
		parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
	} catch {
		parsed = undefined;
	}
	if (parsed === undefined) throw new Error(`VOD returned an ${what} that is not Base64-encoded JSON`);
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new Error(`VOD returned an ${what} that is not a JSON object`);
	}
	return parsed as Record<string, unknown>;
}

function requireString(object: Record<string, unknown>, key: string, what: string): string {
	const value = object[key];
	if (typeof value !== 'string' || value === '') {
		throw new Error(`VOD returned an ${what} without ${key}`);
	}
	return value;
}

export function decodeUploadAddress(encoded: string): UploadAddress {
	const address = decodeJson(encoded, 'UploadAddress');
	let endpoint = requireString(address, 'Endpoint', 'UploadAddress');
	if (!/^https?:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
	return {
		endpoint,
		bucket: requireString(address, 'Bucket', 'UploadAddress'),
		objectKey: requireString(address, 'FileName', 'UploadAddress'),
	};
}

/**
 * `Expiration` is a lifetime in seconds ("3000"/"3600"), `ExpireUTCTime` the absolute end. The
 * lifetime, counted from when the answer arrived, does not depend on our clock agreeing with VOD's;
 * when both are given the earlier end wins.
 */
export function decodeUploadAuth(encoded: string, receivedAt = Date.now()): StsCredentials {
	const auth = decodeJson(encoded, 'UploadAuth');
	const ends: number[] = [];
	const lifetime = Number(auth.Expiration);
	if (Number.isFinite(lifetime) && lifetime > 0) ends.push(receivedAt + lifetime * 1000);
	if (typeof auth.ExpireUTCTime === 'string') {
		const at = Date.parse(auth.ExpireUTCTime);
		if (Number.isFinite(at)) ends.push(at);
	}
	return {
		accessKeyId: requireString(auth, 'AccessKeyId', 'UploadAuth'),
		accessKeySecret: requireString(auth, 'AccessKeySecret', 'UploadAuth'),
		securityToken: requireString(auth, 'SecurityToken', 'UploadAuth'),
		// VOD documents 3000 s; assume that when it says nothing.
		expiresAt: ends.length ? Math.min(...ends) : receivedAt + 3000 * 1000,
		region: typeof auth.Region === 'string' && auth.Region ? auth.Region : undefined,
	};
}

/**
 * How long before expiry to renew: a fifth of the lifetime, at most 5 minutes, at least 300 ms — so
 * the 3000 s credentials VOD issues are renewed 5 minutes early and a test's 3 s ones 0.6 s early.
 */
export function renewalMargin(credentials: StsCredentials, issuedAt: number): number {
	const lifetime = Math.max(0, credentials.expiresAt - issuedAt);
	return Math.max(300, Math.min(5 * 60 * 1000, lifetime / 5));
}

export function sameAddress(a: UploadAddress, b: UploadAddress) {
	return a.bucket === b.bucket && a.objectKey === b.objectKey;
}
