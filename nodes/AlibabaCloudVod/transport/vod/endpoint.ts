import type { AlibabaCloudApiCredentials } from './types';

/** The generated vod20170321 client's endpoint map: cn-hangzhou is served from Shanghai. */
const REGION_ENDPOINTS: Record<string, string> = {
	'cn-hangzhou': 'vod.cn-shanghai.aliyuncs.com',
};

export interface VodEndpoint {
	host: string;
	protocol: 'HTTPS' | 'HTTP';
}

/**
 * Host[:port] and protocol from the credential (an Endpoint typed with a scheme decides the protocol).
 */
export function resolveVodEndpoint(credentials: AlibabaCloudApiCredentials): VodEndpoint {
	let protocol: 'HTTPS' | 'HTTP' = credentials.protocol === 'HTTP' ? 'HTTP' : 'HTTPS';
	let host = (credentials.endpoint ?? '').trim();
	const scheme = /^(https?):\/\//i.exec(host);
	if (scheme) {
		protocol = scheme[1].toLowerCase() === 'http' ? 'HTTP' : 'HTTPS';
		host = host.slice(scheme[0].length);
	}
	host = host.replace(/\/.*$/, '');
	if (!host) {
		const region = (credentials.region || 'cn-shanghai').trim();
		host = REGION_ENDPOINTS[region] ?? `vod.${region}.aliyuncs.com`;
	}
	return { host, protocol };
}
