import { startEmulator, type Emulator } from '../emulator';
import { startSourceServer, type SourceRoute, type SourceServer } from './sourceServer';

/**
 * What a node test file runs against: the emulator and a source server (the user's media host). Read its
 * fields inside tests and hooks: they are set once the file's `beforeAll` has run.
 */
export interface TestBed {
	emulator: Emulator;
	sources: SourceServer;
	/** how often the emulator's VOD answered `action` since the last reset */
	calls(action: string): number;
}

export interface TestBedOptions {
	/** answers the source server gives besides its own (see startSourceServer) */
	routes?: Record<string, SourceRoute>;
	/** ali-oss warns on every STS client it builds without a refresh function; tests that use it mute that */
	muteWarnings?: boolean;
}

/**
 * Registers the hooks of a node test file: start both servers before its tests, stop them after, and give
 * each test an emulator without state or faults and a source server that has seen no request yet.
 */
export function useTestBed(options: TestBedOptions = {}): TestBed {
	const bed = {
		calls: (action: string) => bed.emulator.state.vodCalls[action] ?? 0,
	} as TestBed;
	beforeAll(async () => {
		if (options.muteWarnings) jest.spyOn(console, 'warn').mockImplementation(() => {});
		bed.emulator = await startEmulator();
		bed.sources = await startSourceServer(options.routes);
	});
	afterAll(async () => {
		await bed.sources?.stop();
		await bed.emulator?.stop();
	});
	beforeEach(() => {
		bed.emulator.reset();
		bed.sources.requests.clear();
		bed.sources.headers.clear();
	});
	return bed;
}
