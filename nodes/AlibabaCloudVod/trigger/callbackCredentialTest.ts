import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { authKeyProblem } from '../helpers/callbackSignature';

/**
 * The callback key is only ever used by VOD to sign and by the trigger to check; there is no service to
 * ask. The test checks what VOD would refuse (SetMessageCallback AuthKey: ≤32 letters and digits).
 */
export async function alibabaCloudVodCallbackApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const problem =
		authKeyProblem(data.authKey, 'Callback Auth Key') ??
		(typeof data.previousAuthKey === 'string' && data.previousAuthKey.trim() !== ''
			? authKeyProblem(data.previousAuthKey, 'Previous Auth Key')
			: undefined);
	if (problem) return { status: 'Error', message: problem };
	return { status: 'OK', message: 'The auth key has a form VOD accepts' };
}
