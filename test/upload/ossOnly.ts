import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EmulatorState } from '../emulator/state';
import { createOssServer, type OssServer } from '../emulator/oss';
import type { StsCredentials, UploadAddress } from '../../nodes/AlibabaCloudVod/transport/oss/uploadCredentials';

/** The OSS half of the emulator alone, with an upload address and STS credentials for one object. */
export interface OssOnly {
	state: EmulatorState;
	server: OssServer;
	endpoint: string;
	address(key?: string): UploadAddress;
	/** issues STS credentials for the address, as VOD's CreateUploadVideo/RefreshUploadVideo would */
	issue(address: UploadAddress): StsCredentials;
	stop(): Promise<void>;
}

export async function startOssOnly(): Promise<OssOnly> {
	const dir = mkdtempSync(join(tmpdir(), 'h6-oss-'));
	const state = new EmulatorState(dir);
	const server = createOssServer(state);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	let n = 0;
	return {
		state,
		server,
		endpoint,
		address: (key) => ({
			endpoint,
			bucket: 'outin-0123456789abcdef0123456789abcdef',
			objectKey: key ?? `sv/test-${++n}/test-${n}.mp4`,
		}),
		issue(address) {
			const sts = state.issueSts(address.bucket, address.objectKey, 'media');
			return {
				accessKeyId: sts.accessKeyId,
				accessKeySecret: sts.accessKeySecret,
				securityToken: sts.securityToken,
				expiresAt: sts.expiresAt,
				region: 'cn-shanghai',
			};
		},
		async stop() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
