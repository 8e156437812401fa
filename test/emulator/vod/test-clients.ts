import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';

import type { AccessKey } from '../state';

/** Real Alibaba clients pointed at the emulator, for tests. */

export interface ClientOptions extends Partial<AccessKey> {
	securityToken?: string;
	/** 'v2' = RPC HMAC-SHA1; default ACS3-HMAC-SHA256 */
	signatureAlgorithm?: string;
}

export function openApiClient(endpoint: string, options: ClientOptions) {
	return new OpenApi(
		new $OpenApi.Config({
			accessKeyId: options.accessKeyId,
			accessKeySecret: options.accessKeySecret,
			securityToken: options.securityToken,
			endpoint,
			protocol: 'HTTP',
			regionId: 'cn-shanghai',
			signatureAlgorithm: options.signatureAlgorithm,
		}),
	);
}

/** What the generated vod20170321 SDK does for every operation. */
export async function callVod(
	client: OpenApi,
	action: string,
	query: Record<string, string> = {},
	headers: Record<string, string> = {},
	body?: Record<string, string>,
): Promise<Record<string, any>> {
	const params = new $OpenApi.Params({
		action,
		version: '2017-03-21',
		protocol: 'HTTPS',
		pathname: '/',
		method: 'POST',
		authType: 'AK',
		style: 'RPC',
		reqBodyType: 'formData',
		bodyType: 'json',
	});
	const request = new $OpenApi.OpenApiRequest({ query, headers, body });
	const response = await client.callApi(params, request, new $Util.RuntimeOptions({}));
	return response.body as Record<string, any>;
}

/** Resolves to the thrown error (fails the test if the call succeeded). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	throw new Error('expected the call to fail, but it succeeded');
}

export function isoSeconds(ms: number) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
