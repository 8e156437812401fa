import { createHash } from 'node:crypto';

import { inputProblem } from './items';

/**
 * A Source Key names a source whose URL changes on every request (a signed OSS, S3 or CDN URL), such as
 * the VideoId of the media in the account it is copied from. VOD finds jobs only by their exact URL, so
 * Submit carries the key in the new media's tags, where SearchMedia finds it on a re-run.
 */

/** Tags are at most 32 bytes: the tag is a digest of the key, letters and digits only (one search token). */
const TAG_PREFIX = 'srckey';
const DIGEST_CHARS = 32 - TAG_PREFIX.length;
const MAX_KEY_CHARS = 256;

export function checkSourceKey(raw: unknown): string | undefined {
	if (raw === undefined || raw === null || raw === '') return undefined;
	if (typeof raw !== 'string' && typeof raw !== 'number') {
		throw inputProblem(
			'The Source Key is not text',
			"Map one stable ID of the source into Source Key, e.g. {{ $('Search Media in Account A').item.json.VideoId }}",
		);
	}
	const key = String(raw).trim();
	if (key.length > MAX_KEY_CHARS) {
		throw inputProblem(
			`The Source Key is ${key.length} characters long; at most ${MAX_KEY_CHARS}`,
			'Use a short stable ID of the source, such as its VideoId in the source account',
		);
	}
	return key || undefined;
}

/** The tag that stands for a Source Key on the media it made. */
export function sourceKeyTag(key: string): string {
	return TAG_PREFIX + createHash('sha256').update(key).digest('hex').slice(0, DIGEST_CHARS);
}
