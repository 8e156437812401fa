/**
 * Scrubbing of secrets from anything that may leave the transport (error messages, descriptions,
 * log lines). The SDK's error objects carry the last request (with the STS token header) and the
 * response body, so the transport never forwards them; it copies the few fields it needs through
 * these functions instead.
 */

export const REDACTED = '[redacted]';

/** Shorter values are not scrubbed: replacing one- or two-letter strings would mangle every message. */
const MIN_SECRET_LENGTH = 4;

/** The forms in which a secret can show up in text: raw, URL-encoded, form-encoded. */
function secretForms(secret: string): string[] {
	const forms = new Set<string>([secret]);
	try {
		forms.add(encodeURIComponent(secret));
		forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
	} catch {
		// a lone surrogate cannot be URL-encoded; the raw form is still scrubbed
	}
	return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

export function secretsOf(credentials: {
	accessKeySecret?: string;
	securityToken?: string;
}): string[] {
	return [credentials.accessKeySecret, credentials.securityToken].filter(
		(value): value is string => typeof value === 'string' && value.trim().length >= MIN_SECRET_LENGTH,
	);
}

/** Replaces every occurrence of every secret (longest first, so a secret containing another goes whole). */
export function redactText(text: string, secrets: readonly string[]): string {
	let result = text;
	const forms = secrets.flatMap(secretForms).sort((a, b) => b.length - a.length);
	for (const form of forms) {
		if (result.includes(form)) result = result.split(form).join(REDACTED);
	}
	// Header- and query-style leftovers the SDK could put into a message, whatever their value.
	result = result.replace(
		/((?:x-acs-security-token|securitytoken|accesskeysecret|access_key_secret)["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi,
		`$1${REDACTED}`,
	);
	return result;
}

/** Deep copy of plain data with every string redacted; functions, symbols and cycles are dropped. */
export function redactValue<T>(value: T, secrets: readonly string[], seen = new WeakSet<object>()): T {
	if (typeof value === 'string') return redactText(value, secrets) as T;
	if (value === null || typeof value !== 'object') {
		return (typeof value === 'function' || typeof value === 'symbol' ? undefined : value) as T;
	}
	if (seen.has(value as object)) return undefined as T;
	seen.add(value as object);
	if (Array.isArray(value)) return value.map((entry) => redactValue(entry, secrets, seen)) as T;
	const copy: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
		copy[key] = redactValue(entry, secrets, seen);
	}
	return copy as T;
}
