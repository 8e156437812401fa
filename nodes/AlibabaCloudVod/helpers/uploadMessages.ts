/**
 * Texts of upload failures. They say what failed, what happened to what was already sent, and what VOD
 * now holds, so the user can act without reading logs.
 */
import { formatBytes } from './uploadFormat';

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
	/** the CompleteMultipartUpload went out and no answer settled it: OSS may hold the file */
	maybeStored?: boolean;
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
export function leftMediaText({ kind, id, resumed, referenceId, maybeStored }: LeftMedia): string {
	const what = kind === 'video' ? 'video' : kind === 'image' ? 'image' : 'attached media';
	const media = `VOD ${what} ${id} (${resumed ? 'created by an earlier run' : 'created for this file'})`;
	if (maybeStored) {
		const check = kind === 'video' ? `Media → Get (video ID ${id})` : 'Media → Search or the VOD console';
		const rerun =
			kind === 'video' && referenceId
				? `running the item again finds it by its Reference ID ${referenceId} either way`
				: 'running the item again while it holds the file makes a second one';
		return `It is unknown whether ${media} holds the file: check its status with ${check} — Uploading means the file did not arrive, any other status that it did; ${rerun}.`;
	}
	const state = `${media} stays in status Uploading`;
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

/** A message and the description that says what to do, for an item refused before VOD creates a media. */
export interface RefusalText {
	message: string;
	fix: string;
}

/** What to check about a URL whose answer is not the file itself. */
export const PLAIN_GET_FIX = 'Check the URL in a browser; it has to download the whole file itself with a plain GET.';

/** What to do about a server that answers compressed: the node uploads the file as stored. */
export const COMPRESSED_FIX =
	'Download it from a URL that serves the file as stored, e.g. a storage bucket or CDN link, or turn off compression for this file type on the server.';

export function emptySourceText(label: string): RefusalText {
	return {
		message: `${label} is empty (0 bytes); nothing was created in VOD`,
		fix: 'Check the source: an empty file cannot be played or transcoded. For a URL, check that it serves the file itself, not an empty answer.',
	};
}

/** A download that went silent before its first bytes were in (`silence` from transport/idleTimeout.ts). */
export function stalledBeforeCreateText(
	label: string,
	receivedBytes: number,
	totalBytes: number | undefined,
	silence: string,
): RefusalText {
	const of = totalBytes !== undefined ? ` of ${formatBytes(totalBytes)}` : '';
	return {
		message: `${label} sent ${formatBytes(receivedBytes)}${of} and then ${silence}; nothing was created in VOD`,
		fix: STALLED_SOURCE_FIX,
	};
}

/** A download n8n could not read or unpack; `reason` is the failure's first line. */
export function unreadableSourceText(label: string, reason: string): RefusalText {
	return {
		message: `${label} could not be read (${withoutErrorCodes(reason.slice(0, 200))}); nothing was created in VOD`,
		fix: `The connection broke, or the server marks the file compressed (Content-Encoding) although it is not, so n8n could not unpack it. ${PLAIN_GET_FIX}`,
	};
}

/** First bytes beyond the announced Content-Length: a compressed answer n8n unpacked without a trace. */
export function oversizedSourceText(label: string, announcedBytes: number): RefusalText {
	return {
		message: `${label} sent more than the ${announcedBytes} bytes its Content-Length announces: it answered compressed although the node asks for the file as stored (Accept-Encoding: identity), or it announces the wrong size; nothing was created in VOD`,
		fix: COMPRESSED_FIX,
	};
}
