import { startEmulator } from './index';

/**
 * `npm run emulator [-- --vod-port 9100 --oss-port 9200 --data-dir ./emulator-data]`. Set faults and job
 * settings over the control API (`POST /__control/faults`, `POST /__control/jobs`).
 */
function flag(name: string) {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
}

function port(value: string | undefined) {
	if (value === undefined) return undefined;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port: ${value}`);
	return n;
}

async function main() {
	const emulator = await startEmulator({
		vodPort: port(flag('vod-port') ?? process.env.EMULATOR_VOD_PORT),
		ossPort: port(flag('oss-port') ?? process.env.EMULATOR_OSS_PORT),
		dataDir: flag('data-dir') ?? process.env.EMULATOR_DATA_DIR,
	});
	const lines = [
		'Alibaba Cloud VOD + OSS emulator (test credentials only)',
		`  VOD endpoint      ${emulator.vodEndpoint}   (credential: Endpoint = this, Protocol = HTTP)`,
		`  OSS endpoint      ${emulator.ossEndpoint}${emulator.ossAvailable ? '' : '   (OSS server not built yet)'}`,
		`  Control API       ${emulator.controlUrl}/state`,
		`  AccessKey ID      ${emulator.accessKey.accessKeyId}`,
		`  AccessKey Secret  ${emulator.accessKey.accessKeySecret}`,
		`  Callback auth key ${emulator.callbackAuthKey}`,
		'Ctrl-C to stop.',
	];
	console.log(lines.join('\n'));
	// Started by another process with an IPC channel (child_process.fork): tell it where to call.
	process.send?.({
		vodEndpoint: emulator.vodEndpoint,
		ossEndpoint: emulator.ossEndpoint,
		controlUrl: emulator.controlUrl,
		accessKey: emulator.accessKey,
	});
	const shutdown = () => {
		emulator.stop().finally(() => process.exit(0));
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
	// the parent that forked it went away (even killed): do not outlive it
	process.once('disconnect', shutdown);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
