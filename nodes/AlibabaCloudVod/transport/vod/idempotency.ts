/**
 * Which VOD calls may be repeated after an ambiguous failure (the connection dropped or timed out
 * after the request was sent, or VOD answered 500 — it may have run the action). Throttling and 503
 * mean VOD did not run it, so those are retried for every action; a definite 4xx never is.
 *
 * - Reads (Get*, Search*): safe.
 * - UploadMediaByURL: every submission creates new media and a new storage bill, so only with a
 *   SessionId — VOD then rejects the repeat instead of running it twice (see VodSessionIdReusedError).
 * - CreateUploadVideo: only with a ReferenceId (unique per account, so a repeat cannot create a
 *   second video). CreateUploadImage / CreateUploadAttachedMedia have no dedup key: not repeated.
 * - RefreshUploadVideo: issues fresh credentials for the same address: safe.
 * - RegisterMedia: registering the same file again returns the same MediaId: safe.
 * - DeleteVideo / CancelUrlUploadJobs: the end state is the same; a repeat reports already-handled
 *   ids as non-existent, which callers must tolerate: safe.
 * - SetMessageCallback: writes the same configuration again: safe.
 */

type Params = Record<string, unknown>;

const hasValue = (params: Params, key: string) => {
	const value = params[key];
	return value !== undefined && value !== null && String(value).trim() !== '';
};

const RULES: Record<string, (params: Params) => boolean> = {
	UploadMediaByURL: (params) => hasValue(params, 'SessionId'),
	CreateUploadVideo: (params) => hasValue(params, 'ReferenceId'),
	CreateUploadImage: () => false,
	CreateUploadAttachedMedia: () => false,
	RefreshUploadVideo: () => true,
	RegisterMedia: () => true,
	DeleteVideo: () => true,
	CancelUrlUploadJobs: () => true,
	SetMessageCallback: () => true,
};

export function isIdempotentCall(action: string, params: Params): boolean {
	const rule = RULES[action];
	if (rule) return rule(params);
	// Read-only actions by name; anything else unknown is treated as a write.
	return /^(Get|Search|List|Describe|Query)/.test(action);
}
