import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { redactText, secretsOf } from '../transport/redact';
import { CREDENTIAL_TEST_RETRY_POLICY } from '../transport/retry';
import { callVodApi } from '../transport/vod.client';
import { VodApiError } from '../transport/vod.errors';
import { toVodCredentials } from '../transport/vod.request';

/**
 * Tests the `alibabaCloudApi` credential with one cheap signed read (SearchMedia, one result). Any
 * answer but a signature/permission error proves the key pair, the STS token, the region and the
 * endpoint. Referenced from the node's credentials[] as `testedBy: 'alibabaCloudApiTest'`.
 */
export async function alibabaCloudApiTest(
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
			credentials,
			'SearchMedia',
			{ SearchType: 'video', PageNo: 1, PageSize: 1 },
			{ retry: CREDENTIAL_TEST_RETRY_POLICY, connectTimeoutMs: 10_000, readTimeoutMs: 15_000 },
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
