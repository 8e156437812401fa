import { inputProblem } from './items';

/**
 * The redirect policy for every download of a user's URL with the user's headers. The node follows
 * redirects itself because n8n's request helper puts Authorization back on every redirected request,
 * whatever its host, and follow-redirects keeps custom headers across hosts.
 */
export const MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number) {
	return REDIRECT_STATUSES.has(status);
}

/** `https://host/path/file.mp4?signature=…` → `https://host/path/file.mp4`: signed URLs carry secrets in the query. */
export function urlLabel(url: string): string {
	try {
		const parsed = new URL(url);
		return `${parsed.origin}${parsed.pathname}`;
	} catch {
		return url.split('?')[0];
	}
}

/**
 * The headers a request to `url` carries: the user's go only to the origin (scheme, host, port) of the
 * URL the user named, as browsers' fetch and curl do — not to another host or port, not over a downgrade
 * to http. A presigned target (OSS, S3, a CDN) carries its own signature in its query and needs none.
 */
export function headersFor(
	url: string,
	namedUrl: string,
	headers: Record<string, string>,
): Record<string, string> {
	return new URL(url).origin === new URL(namedUrl).origin ? headers : {};
}

/**
 * Where a redirect from `url` leads; `visited` holds every URL requested so far, `url` last. Refuses a
 * loop, more than MAX_REDIRECTS hops, a redirect without a Location and a target that is not http(s).
 */
export function redirectTarget(
	url: string,
	status: number,
	location: string | undefined,
	visited: readonly string[],
): string {
	const from = `${urlLabel(visited[0] ?? url)}`;
	if (!location) {
		throw inputProblem(
			`URL ${from} answered HTTP ${status} (a redirect) without saying where to`,
			'Use the final address of the file as the URL.',
		);
	}
	let target: URL;
	try {
		target = new URL(location, url);
	} catch {
		throw inputProblem(
			`URL ${from} redirects to an address that is not a URL`,
			'Use the final address of the file as the URL.',
		);
	}
	if (target.protocol !== 'http:' && target.protocol !== 'https:') {
		throw inputProblem(
			`URL ${from} redirects to a ${target.protocol.replace(':', '')} address; only http(s) is downloaded`,
			'Use the final http(s) address of the file as the URL.',
		);
	}
	if (visited.includes(target.href)) {
		throw inputProblem(
			`URL ${from} redirects in a loop (back to ${urlLabel(target.href)})`,
			'The server keeps sending the request back to an address it came from: check the URL, and the headers the server expects (a missing cookie or token often causes this).',
		);
	}
	if (visited.length > MAX_REDIRECTS) {
		throw inputProblem(
			`URL ${from} was redirected more than ${MAX_REDIRECTS} times`,
			'Use the final address of the file as the URL.',
		);
	}
	return target.href;
}
