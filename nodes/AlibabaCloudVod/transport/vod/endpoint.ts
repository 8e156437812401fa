import type { AlibabaCloudApiCredentials } from './types';

/** The generated vod20170321 client's endpoint map: cn-hangzhou is served from Shanghai. */
const REGION_ENDPOINTS: Record<string, string> = {
	'cn-hangzhou': 'vod.cn-shanghai.aliyuncs.com',
};

export interface VodEndpoint {
	host: string;
	protocol: 'HTTPS' | 'HTTP';
}

/** The credential's Endpoint or Region does not name a host[:port]: refused before any request. */
export class InvalidEndpointError extends Error {
	constructor(
		readonly field: 'Endpoint' | 'Region' | 'Protocol',
		problem: string,
		readonly fix: string,
	) {
		// the value itself is not repeated: an Endpoint typed as user:password@host holds a password
		super(`The ${field} of the Alibaba Cloud API credential ${problem}`);
		this.name = 'InvalidEndpointError';
	}
}

const ENDPOINT_FIX =
	'Set the Endpoint of the Alibaba Cloud API credential to a host name or IP address with an optional port, such as vod.cn-shanghai.aliyuncs.com, 127.0.0.1:9100 or [::1]:9100 (an http:// or https:// in front sets the protocol), or leave it empty for vod.<region>.aliyuncs.com.';
const PROTOCOL_FIX = 'Set the Protocol of the Alibaba Cloud API credential to HTTPS, or HTTP for a local emulator only.';
const REGION_FIX = 'Choose the Region of the Alibaba Cloud API credential from its list, such as cn-shanghai.';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const REGION_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function endpointError(problem: string) {
	return new InvalidEndpointError('Endpoint', problem, ENDPOINT_FIX);
}

/**
 * host[:port] as typed, checked against what a URL parser makes of it, so that the host signed and the host
 * connected to are the same: no user info, path, query or fragment, and no IPv4 address in a form the parser
 * rewrites (127.1, 0x7f.0.0.1).
 */
function checkedHost(authority: string): string {
	if (authority.includes('@')) throw endpointError('contains a user name or password (…@): it takes a host and port only');
	if (/[/\\]/.test(authority)) throw endpointError('contains a path (/…): it takes a host and port only');
	if (authority.includes('?')) throw endpointError('contains a query (?…): it takes a host and port only');
	if (authority.includes('#')) throw endpointError('contains a fragment (#…): it takes a host and port only');
	const parts = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(authority);
	if (!parts) throw endpointError('is not a host name or IP address with an optional :port');
	const [, name, port] = parts;
	if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
		throw endpointError(`has port ${port}, outside 1–65535`);
	}
	let parsed: URL;
	try {
		parsed = new URL(`http://${authority}/`);
	} catch {
		throw endpointError('is not a host name or IP address with an optional :port');
	}
	if (name.startsWith('[')) return `${parsed.hostname}${port !== undefined ? `:${port}` : ''}`;
	// one trailing dot marks a fully-qualified name, kept as typed: the URL parser keeps it too
	const relative = name.endsWith('.') ? name.slice(0, -1) : name;
	if (relative !== name && IPV4.test(relative)) {
		// an address is not a DNS name, and the URL parser drops its dot: the host signed would not be the one typed
		throw endpointError('is an IP address with a trailing dot: only a host name may end with "."');
	}
	if (relative.length > 253 || !HOST_NAME.test(relative) || parsed.hostname !== name.toLowerCase()) {
		throw endpointError('is not a host name or IP address (a.b.c.d) with an optional :port');
	}
	return authority;
}

/** The credential's Protocol in any case; empty means HTTPS, anything else is refused rather than guessed. */
function credentialProtocol(raw: string | undefined): 'HTTPS' | 'HTTP' {
	const value = (raw ?? '').trim().toUpperCase();
	if (value === '' || value === 'HTTPS') return 'HTTPS';
	if (value === 'HTTP') return 'HTTP';
	throw new InvalidEndpointError('Protocol', 'is neither HTTPS nor HTTP', PROTOCOL_FIX);
}

/**
 * Host[:port] and protocol from the credential (an Endpoint typed with http:// or https:// decides the
 * protocol; one trailing "/" is allowed). Throws InvalidEndpointError for anything else.
 */
export function resolveVodEndpoint(credentials: AlibabaCloudApiCredentials): VodEndpoint {
	let protocol = credentialProtocol(credentials.protocol);
	let authority = (credentials.endpoint ?? '').trim();
	const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(authority);
	if (scheme) {
		if (!/^https?$/i.test(scheme[1])) throw endpointError(`starts with ${scheme[1]}://: only http:// or https:// may go in front`);
		protocol = scheme[1].toLowerCase() === 'http' ? 'HTTP' : 'HTTPS';
		authority = authority.slice(scheme[0].length);
	}
	if (authority.endsWith('/')) authority = authority.slice(0, -1);
	if (authority) return { host: checkedHost(authority), protocol };
	if (scheme) throw endpointError('has a scheme but no host');
	const region = (credentials.region || 'cn-shanghai').trim();
	if (!REGION_ID.test(region)) throw new InvalidEndpointError('Region', 'is not a region ID such as cn-shanghai', REGION_FIX);
	return { host: REGION_ENDPOINTS[region] ?? `vod.${region}.aliyuncs.com`, protocol };
}
