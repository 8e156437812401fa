import type { EmulatorState } from '../state';
import type { Caller } from './auth';
import type { CallbackSender } from './callbacks';
import type { JobRunner } from './jobs';
import type { VodStore } from './store';

/** What one VOD operation gets to work with. */
export interface OperationContext {
	action: string;
	requestId: string;
	params: Params;
	caller: Caller;
	state: EmulatorState;
	store: VodStore;
	services: VodServices;
}

export interface VodServices {
	jobs: JobRunner;
	callbacks: CallbackSender;
}

export type Operation = (ctx: OperationContext) => Promise<Record<string, unknown>> | Record<string, unknown>;

/** Request parameters from query string and form body (body wins on a clash). */
export class Params {
	private readonly values = new Map<string, string>();

	constructor(pairs: Array<[string, string]>) {
		for (const [key, value] of pairs) this.values.set(key, value);
	}

	get(name: string): string | undefined {
		const value = this.values.get(name);
		return value === undefined || value === '' ? undefined : value;
	}

	has(name: string) {
		return this.get(name) !== undefined;
	}

	entries() {
		return [...this.values.entries()];
	}
}
