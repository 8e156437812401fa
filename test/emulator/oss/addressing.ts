import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

import { OssError } from './errors';

/** Which bucket and object a request addresses, and its decoded query. */
export interface OssTarget {
	bucket?: string;
	key?: string;
	/** Decoded query parameters; a parameter sent without a value (`?uploads`) maps to ''. */
	query: Map<string, string>;
	/** The path exactly as sent, without the query. */
	rawPath: string;
}

function decode(text: string, what: string) {
	try {
		return decodeURIComponent(text);
	} catch {
		throw new OssError(400, 'InvalidURI', `Couldn't parse the specified ${what}.`);
	}
}

export function parseQuery(rawQuery: string) {
	const query = new Map<string, string>();
	for (const pair of rawQuery.split('&')) {
		if (!pair) continue;
		const eq = pair.indexOf('=');
		const name = eq < 0 ? pair : pair.slice(0, eq);
		const value = eq < 0 ? '' : pair.slice(eq + 1);
		query.set(decode(name.replace(/\+/g, ' '), 'URI'), decode(value.replace(/\+/g, ' '), 'URI'));
	}
	return query;
}

/** The host name without the port (IPv6 literals keep no brackets). */
export function hostName(hostHeader: string | undefined) {
	const host = (hostHeader ?? '').trim().toLowerCase();
	if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
	const colon = host.lastIndexOf(':');
	return colon >= 0 ? host.slice(0, colon) : host;
}

/**
 * The bucket comes from the Host header's first label (virtual-hosted style) unless the host is an
 * IP, `localhost`, a single label, or a bare region endpoint (`oss-cn-hangzhou.aliyuncs.com`): then
 * the path is `/<bucket>/<key>` (path style). ali-oss pointed at an IP endpoint keeps the bucket out
 * of the URL and forces `Host: <bucket>.<region>.aliyuncs.com`; with `sldEnable` on top it also puts
 * the bucket in the path, so a virtual-hosted path that starts with `/<bucket>/` has that prefix
 * dropped (consequence: keys that begin with their own bucket name are not supported).
 */
export function resolveTarget(req: IncomingMessage): OssTarget {
	const url = req.url ?? '/';
	const q = url.indexOf('?');
	const rawPath = q < 0 ? url : url.slice(0, q);
	const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
	const path = decode(rawPath, 'object name');
	if (!path.startsWith('/')) throw new OssError(400, 'InvalidURI', "Couldn't parse the specified URI.");

	const host = hostName(req.headers.host);
	const labels = host.split('.');
	const pathStyle =
		!host || isIP(host) !== 0 || labels.length < 2 || labels[0].startsWith('oss-');

	let bucket: string | undefined;
	let key: string;
	if (pathStyle) {
		const slash = path.indexOf('/', 1);
		bucket = (slash < 0 ? path.slice(1) : path.slice(1, slash)) || undefined;
		key = slash < 0 ? '' : path.slice(slash + 1);
	} else {
		bucket = labels[0];
		key = path.slice(1);
		if (key === bucket || key.startsWith(`${bucket}/`)) key = key.slice(bucket.length + 1);
	}
	if (bucket !== undefined && !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
		throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.', {
			BucketName: bucket,
		});
	}
	return { bucket, key: key || undefined, query, rawPath };
}
