/**
 * Texts of upload failures. They say what failed, what happened to what was already sent, and what VOD
 * now holds, so the user can act without reading logs.
 */

import { itemList } from './items';

/**
 * n8n replaces the whole message of a node error that merely contains a Node.js error code (ECONNRESET,
 * ETIMEDOUT, …) with a generic sentence ("The connection to the server was closed unexpectedly"), losing
 * the part, the upload ID and what was stored. The codes are therefore written out in words.
 */
const NETWORK_CODES: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ECONNRESET: 'connection reset',
	ECONNABORTED: 'connection aborted',
	ENOTFOUND: 'host not found',
	ETIMEDOUT: 'timed out',
	EHOSTUNREACH: 'host unreachable',
	EADDRNOTAVAIL: 'address not available',
	ERRADDRINUSE: 'address in use',
	EAI_AGAIN: 'DNS lookup failed',
	GETADDRINFO: 'address lookup',
	ENOENT: 'no such file',
	EISDIR: 'is a directory',
	ENOTDIR: 'not a directory',
	EACCES: 'access denied',
	EEXIST: 'already exists',
	EPERM: 'not permitted',
};
const NETWORK_CODE = new RegExp(Object.keys(NETWORK_CODES).join('|'), 'gi');

export function withoutErrorCodes(text: string): string {
	return text.replace(NETWORK_CODE, (code) => NETWORK_CODES[code.toUpperCase()]);
}

/** Why OSS still refuses the credentials, once renewing is no longer possible or no longer helps. */
export function credentialsRefusedReason(renewable: boolean, renewals: number): string {
	if (!renewable) {
		return "the upload's credentials expired and VOD issues images and attached media only one";
	}
	return `OSS refused the credentials again after they were renewed ${renewals} times (RefreshUploadVideo); check the n8n server's clock and the storage location's permissions`;
}

export interface LeftMedia {
	kind: 'video' | 'image' | 'attached';
	id: string;
	/** the upload resumed a video an earlier run had created */
	resumed: boolean;
	referenceId?: string;
}

/**
 * What running the items of a stopped run again does to the files it uploaded: only a video with a
 * Reference ID is found again; every other file (Reference ID None, an image, attached media) is
 * uploaded a second time.
 */
export function rerunText(uploadedCount: number, unreferenced: number[]): string {
	if (unreferenced.length === 0) {
		return 'Running the same items again finds videos uploaded with a Reference ID and does not upload them twice.';
	}
	const which = unreferenced.length === uploadedCount ? 'the files listed above' : `the files of ${itemList(unreferenced)}`;
	return `Running the same items again uploads ${which} again (they have no Reference ID to find them by): remove those items first.`;
}

/** What a failed upload leaves in VOD: the media created for it, named, and what to do with it. */
export function leftMediaText({ kind, id, resumed, referenceId }: LeftMedia): string {
	const what = kind === 'video' ? 'video' : kind === 'image' ? 'image' : 'attached media';
	const state = `VOD ${what} ${id} (${resumed ? 'created by an earlier run' : 'created for this file'}) stays in status Uploading`;
	if (kind === 'video' && referenceId) {
		return `${state}; running the item again uploads into it (Reference ID ${referenceId}), or delete it with Media → Delete.`;
	}
	return `${state}; delete it in the VOD console (or Media → Delete for a video) before running the item again, which creates a new one.`;
}

/**
 * Why a download delivered another size than its Content-Length announced. Running the item again does
 * not help while the cause stays: a server that compresses answers (n8n 2.x unpacks them and drops the
 * header, so it shows only here) does it again.
 */
export function sizeMismatchText(receivedBytes: number, announcedBytes: number): string {
	const what =
		receivedBytes < announcedBytes
			? `it ended early (expected ${announcedBytes} bytes, got ${receivedBytes})`
			: `it holds more than the announced ${announcedBytes} bytes`;
	return `${what}. Likely causes: the server sent it compressed although the node asked for it as stored (n8n unpacks such answers without a sign), the server announces a wrong Content-Length, or the file changed during the download. Fix the server (serve the file uncompressed, with its true size) or use another URL before running the item again: as it is, the item fails the same way`;
}

/** What to do about a download that went silent (transport/idleTimeout.ts). */
export const STALLED_SOURCE_FIX =
	'The server stopped sending the file: check it, or raise Request Timeout (Transfer Options) if it is only slow to send.';
