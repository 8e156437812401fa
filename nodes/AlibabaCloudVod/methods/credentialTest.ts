import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import type { HttpRequester } from '../transport/http';
import { redactText, secretsOf } from '../transport/redact';
import { CREDENTIAL_TEST_RETRY_POLICY } from '../transport/retry';
import { callVodApi } from '../transport/vod/client';
import { VodApiError } from '../transport/vod/errors';
import { toVodCredentials } from '../transport/vod/request';

/**
 * The credential test's context offers no `httpRequest` (n8n 1.x and 2.x): only the deprecated
 * `request`, which n8n-core sends through the same axios. This adapts the one to the other.
 */
function requestHelperOf(context: ICredentialTestFunctions): HttpRequester {
	return async (options) =>
		await context.helpers.request({
			uri: options.url,
			method: options.method,
			headers: options.headers,
			timeout: options.timeout,
			json: false,
			// never to another host with the signed request (n8n follows a GET's redirects by default)
			followRedirect: options.disableFollowRedirect !== true,
			simple: false,
			resolveWithFullResponse: true,
		});
}

/**
 * Tests the `alibabaCloudVodApi` credential with one cheap signed read (SearchMedia, one result). Any
 * answer but a signature/permission error proves the key pair, the STS token, the region and the
 * endpoint. Referenced from the node's credentials[] as `testedBy: 'alibabaCloudVodApiTest'`.
 */
export async function alibabaCloudVodApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const credentials = toVodCredentials(credential.data ?? {});
	const secrets = secretsOf(credentials);
	if (!credentials.accessKeyId.trim() || !credentials.accessKeySecret.trim()) {
		return { status: 'Error', message: 'Enter both the AccessKey ID and the AccessKey Secret.' };
	}
	try {
		await callVodApi(
			requestHelperOf(this),
			credentials,
			'SearchMedia',
			{ SearchType: 'video', PageNo: 1, PageSize: 1 },
			{ retry: CREDENTIAL_TEST_RETRY_POLICY, timeoutMs: 15_000 },
		);
	} catch (error) {
		if (error instanceof VodApiError) {
			const { code, message, hint } = error.details;
			return { status: 'Error', message: redactText(`${code}: ${message} – ${hint}`, secrets) };
		}
		const text = error instanceof Error ? error.message : String(error);
		return { status: 'Error', message: redactText(`Could not test the credential: ${text}`, secrets) };
	}
	return { status: 'OK', message: 'Connection successful' };
}
