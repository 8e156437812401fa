/**
 * The `alibabaCloudVodApi` credential test, reached the way n8n's CLI reaches it (CredentialsTester in
 * packages/cli/src/services/credentials-tester.service.ts): a credential type without its own `test`
 * is tested by the first node type whose description lists that credential with a string `testedBy`,
 * calling `nodeType.methods.credentialTest[testedBy].call(new CredentialTestContext(), credentialsDecrypted)`.
 * Context from n8n-core, node classes and credential class are the real ones; VOD is the emulator.
 */
import http from 'node:http';

import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunction,
	ICredentialType,
	INodeCredentialTestResult,
	INodeType,
} from 'n8n-workflow';
import type * as N8nCore from 'n8n-core';

import '../harness'; // prepares n8n-core for jest (user folder, ESM-only deps) before it is loaded
import { startEmulator, type Emulator } from '../emulator';
import { AlibabaCloudVodApi } from '../../credentials/AlibabaCloudVodApi.credentials';
import { listenOnLoopback, stopServer } from '../support/inFront';
import { AlibabaCloudVod } from '../../nodes/AlibabaCloudVod/AlibabaCloudVod.node';
import { AlibabaCloudVodJobStatus } from '../../nodes/AlibabaCloudVod/AlibabaCloudVodJobStatus.node';
import { AlibabaCloudVodTrigger } from '../../nodes/AlibabaCloudVod/AlibabaCloudVodTrigger.node';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CredentialTestContext } = require('n8n-core') as typeof N8nCore;

const CREDENTIAL_TYPE = 'alibabaCloudVodApi';

/** n8n's CredentialsTester.getCredentialTestFunction, for our (unversioned) node types. */
function getCredentialTestFunction(
	credentialType: ICredentialType,
	nodeTypes: INodeType[],
): ICredentialTestFunction | { testRequest: unknown } | undefined {
	if (credentialType.test) return { testRequest: credentialType.test };
	for (const nodeType of nodeTypes) {
		for (const credential of nodeType.description.credentials ?? []) {
			if (credential.name === credentialType.name && !!credential.testedBy) {
				if (typeof credential.testedBy === 'string') {
					return nodeType.methods?.credentialTest?.[credential.testedBy];
				}
				return { testRequest: credential.testedBy };
			}
		}
	}
	return undefined;
}

/** n8n's CredentialsTester.testCredentials for a function test (defaults applied as the UI does). */
async function testCredentials(data: ICredentialDataDecryptedObject): Promise<INodeCredentialTestResult> {
	const credentialType = new AlibabaCloudVodApi();
	const test = getCredentialTestFunction(credentialType, [
		new AlibabaCloudVod(),
		new AlibabaCloudVodJobStatus(),
		new AlibabaCloudVodTrigger(),
	]);
	if (typeof test !== 'function') throw new Error('n8n would not find a credential test function');
	const defaults = Object.fromEntries(credentialType.properties.map((p) => [p.name, p.default]));
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: 'cred-1',
		name: 'Alibaba Cloud API',
		type: CREDENTIAL_TYPE,
		data: { ...defaults, ...data } as ICredentialDataDecryptedObject,
	};
	return await test.call(new CredentialTestContext(), credentialsDecrypted);
}

let emulator: Emulator;
let good: ICredentialDataDecryptedObject;

beforeAll(async () => {
	emulator = await startEmulator();
	good = {
		accessKeyId: emulator.accessKey.accessKeyId,
		accessKeySecret: emulator.accessKey.accessKeySecret,
		endpoint: emulator.vodEndpoint,
		protocol: 'HTTP',
	};
});

afterAll(async () => {
	await emulator?.stop();
	// CredentialTestContext's SSH helpers start n8n-core's SSHClientsManager, whose cleanup interval
	// keeps a process alive (n8n shuts it down on exit); stop it so jest can exit.
	/* eslint-disable @typescript-eslint/no-require-imports */
	const { Container } = require('@n8n/di') as typeof import('@n8n/di');
	const { SSHClientsManager } =
		require('n8n-core/dist/execution-engine/ssh-clients-manager') as {
			SSHClientsManager: new (...args: any[]) => { onShutdown(): void }; // eslint-disable-line @typescript-eslint/no-explicit-any
		};
	/* eslint-enable @typescript-eslint/no-require-imports */
	Container.get(SSHClientsManager).onShutdown();
});

beforeEach(() => {
	emulator.reset();
	emulator.setFaults({});
});

it('n8n finds the node’s function: the credential has no request test of its own, and the node names it', () => {
	const credentialType: ICredentialType = new AlibabaCloudVodApi();
	expect(credentialType.name).toBe(CREDENTIAL_TYPE);
	// A `test` request on the credential would win over testedBy, and an unsigned HTTP request
	// cannot check ACS3 keys: it must stay absent.
	expect(credentialType.test).toBeUndefined();
	const vod = new AlibabaCloudVod();
	expect(vod.description.credentials).toContainEqual(
		expect.objectContaining({ name: CREDENTIAL_TYPE, testedBy: 'alibabaCloudVodApiTest' }),
	);
	expect(getCredentialTestFunction(credentialType, [vod])).toBe(
		vod.methods.credentialTest.alibabaCloudVodApiTest,
	);
});

it('good keys: OK after one signed SearchMedia', async () => {
	const result = await testCredentials(good);
	expect(result).toEqual({ status: 'OK', message: 'Connection successful' });
	expect(emulator.state.vodCalls).toEqual({ SearchMedia: 1 });
});

it('good STS credentials: OK', async () => {
	const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
	const result = await testCredentials({
		...good,
		accessKeyId: sts.accessKeyId,
		accessKeySecret: sts.accessKeySecret,
		securityToken: sts.securityToken,
	});
	expect(result.status).toBe('OK');
});

it('wrong secret: Error naming SignatureDoesNotMatch and the fix, never the secret', async () => {
	const secret = 'ThisIsTheWrongSecret-0123456789';
	const result = await testCredentials({ ...good, accessKeySecret: secret });
	expect(result.status).toBe('Error');
	expect(result.message).toMatch(/^SignatureDoesNotMatch: Specified signature is not matched with our calculation\. – /);
	expect(result.message).toMatch(/Re-enter the AccessKey Secret/);
	expect(result.message).not.toContain(secret);
	expect(emulator.state.vodCalls.SearchMedia).toBe(1); // a definite answer is not retried
});

it('unknown AccessKey ID: Error naming InvalidAccessKeyId.NotFound', async () => {
	const result = await testCredentials({ ...good, accessKeyId: 'LTAI5tUnknownKeyId' });
	expect(result.status).toBe('Error');
	expect(result.message).toMatch(/^InvalidAccessKeyId\.NotFound: /);
	expect(result.message).toMatch(/Check the AccessKey ID/);
});

it('wrong STS token: Error that says to renew it, without the token', async () => {
	const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
	const token = `${sts.securityToken}tampered`;
	const result = await testCredentials({
		...good,
		accessKeyId: sts.accessKeyId,
		accessKeySecret: sts.accessKeySecret,
		securityToken: token,
	});
	expect(result.status).toBe('Error');
	expect(result.message).toMatch(/^InvalidSecurityToken/);
	expect(result.message).toMatch(/Request a new STS token/);
	expect(result.message).not.toContain(token);
	expect(result.message).not.toContain(sts.accessKeySecret);
});

it('throttled: gives up after 2 tries instead of keeping the dialog waiting', async () => {
	emulator.setFaults({ vod: { throttleRate: 1 } });
	const started = Date.now();
	const result = await testCredentials(good);
	expect(result.status).toBe('Error');
	expect(result.message).toMatch(/^Throttling\.User: /);
	expect(emulator.state.vodCalls.SearchMedia).toBe(2);
	expect(Date.now() - started).toBeLessThan(3_000);
});

it('unreachable endpoint: Error that points at Endpoint/Protocol', async () => {
	const result = await testCredentials({ ...good, endpoint: '127.0.0.1:1' });
	expect(result.status).toBe('Error');
	expect(result.message).toMatch(/^ECONNREFUSED: could not connect to VOD/);
	expect(result.message).toMatch(/Check Region, Endpoint and Protocol/);
});

it('missing secret: Error without calling VOD', async () => {
	const result = await testCredentials({ ...good, accessKeySecret: '' });
	expect(result).toEqual({ status: 'Error', message: 'Enter both the AccessKey ID and the AccessKey Secret.' });
	expect(emulator.state.vodCalls.SearchMedia ?? 0).toBe(0);
});

it.each([301, 302, 303, 307, 308])(
	'an endpoint answering %i: Error naming the redirect and the Endpoint, nothing sent to the other host',
	async (status) => {
		const reached: string[] = [];
		const other = http.createServer((req, res) => {
			reached.push(`${req.method} ${req.url}`);
			res.writeHead(403).end();
		});
		const redirecting = http.createServer((req, res) => {
			req.resume();
			res.writeHead(status, { location: `http://${otherHost}/steal?token=in-the-query` }).end();
		});
		const otherHost = await listenOnLoopback(other);
		try {
			const sts = emulator.state.issueSts(emulator.state.vod.bucket, 'k', 'm');
			const result = await testCredentials({
				...good,
				endpoint: await listenOnLoopback(redirecting),
				accessKeyId: sts.accessKeyId,
				accessKeySecret: sts.accessKeySecret,
				securityToken: sts.securityToken,
			});
			expect(result.status).toBe('Error');
			expect(result.message).toContain(`HTTP ${status}, a redirect to ${otherHost}`);
			expect(result.message).toMatch(/Check the Endpoint/);
			expect(result.message).not.toContain('in-the-query');
			expect(reached).toEqual([]);
		} finally {
			await stopServer(other);
			await stopServer(redirecting);
		}
	},
);

describe('the Endpoint is a host[:port]', () => {
	const port = () => emulator.vodEndpoint.split(':')[1];
	it.each([
		['a query', () => `127.0.0.1:${port()}?x=1`, /contains a query/],
		['a fragment', () => `127.0.0.1:${port()}#f`, /contains a fragment/],
		['a host in front of @', () => `127.0.0.1:1@127.0.0.1:${port()}`, /contains a user name or password/],
		['user:password@', () => `u:p@127.0.0.1:${port()}`, /contains a user name or password/],
		['a path', () => `127.0.0.1:${port()}/some/path`, /contains a path/],
	])('%s: Error about the Endpoint, VOD not called', async (_, endpoint, problem) => {
		const result = await testCredentials({ ...good, endpoint: endpoint() });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^InvalidEndpoint: The Endpoint of the Alibaba Cloud API credential /);
		expect(result.message).toMatch(problem);
		expect(result.message).toMatch(/Set the Endpoint of the Alibaba Cloud API credential to a host name or IP address/);
		expect(result.message).not.toContain('u:p');
		expect(emulator.state.vodCalls).toEqual({});
	});

	it.each([
		['http://', (host: string) => `http://${host}`],
		['a trailing /', (host: string) => `${host}/`],
		['spaces around', (host: string) => `  ${host} `],
	])('with %s as before: OK', async (_, endpoint) => {
		const result = await testCredentials({ ...good, endpoint: endpoint(emulator.vodEndpoint) });
		expect(result).toEqual({ status: 'OK', message: 'Connection successful' });
	});
});
