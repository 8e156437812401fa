/**
 * An OSS error that echoes the node's own credential's secrets (its AccessKey Secret, its Security Token) is
 * scrubbed like one echoing the upload's STS values (outside pass, finding 10: the user swapped ID and Secret,
 * the server echoed the secret, and it stood in the item error and the stored execution). A server in front of
 * the emulator's OSS answers UploadPart 403 with the secrets in the Message, plain, %-encoded and in base64.
 */
import { emulatorApiCredential, startEmulator, type Emulator } from '../emulator';
import { OSS_REQUESTS, startInFront, uploadTwoParts, type InFront } from '../support/inFront';

let emulator: Emulator;
let front: InFront;

beforeAll(async () => {
	jest.spyOn(console, 'warn').mockImplementation(() => {});
	emulator = await startEmulator();
	front = await startInFront(emulator.ossEndpoint);
});
afterAll(async () => {
	await front?.stop();
	await emulator?.stop();
	jest.restoreAllMocks();
});

function echoing(secrets: string[]) {
	const forms = secrets.flatMap((secret) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]);
	return `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>you sent ${forms.join(' and ')}</Message><RequestId>r1</RequestId></Error>`;
}

test.each(['continueRegularOutput', 'stopWorkflow'] as const)(
	'On Error %s: the item error and the execution hold neither the AccessKey Secret nor the Security Token',
	async (onError) => {
		emulator.reset();
		emulator.state.vod.ossEndpoint = `http://${front.host}`;
		const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
		const credential = {
			...emulatorApiCredential(emulator),
			accessKeyId: sts.accessKeyId,
			accessKeySecret: sts.accessKeySecret,
			securityToken: sts.securityToken,
		};
		const secrets = [credential.accessKeySecret, credential.securityToken];
		front.answer = (req) =>
			OSS_REQUESTS.UploadPart(req)
				? { status: 403, headers: { 'content-type': 'application/xml' }, body: echoing(secrets) }
				: undefined;
		const result = await uploadTwoParts(credential, onError);
		expect(front.answered.length).toBeGreaterThan(0);
		const recorded =
			onError === 'stopWorkflow'
				? JSON.stringify({ error: result.error, runData: result.runData }, (_, value: unknown) =>
						// an Error's message and stack are not enumerable
						value instanceof Error ? { ...value, message: value.message, stack: value.stack } : value,
					)
				: JSON.stringify(result.output('VOD'));
		expect(recorded).toMatch(/AccessDenied|you sent/);
		for (const secret of secrets) {
			expect(recorded).not.toContain(secret);
			expect(recorded).not.toContain(encodeURIComponent(secret));
			expect(recorded).not.toContain(Buffer.from(secret).toString('base64'));
		}
	},
);
