import { targetedFault, type EmulatorState } from '../state';
import { errors, type VodError } from './errors';

export type DropWhen = 'before' | 'after' | undefined;

/** Decides the injected fault (if any) for one call, per state.faults.vod. */
export function pickFault(state: EmulatorState, action: string): { error?: VodError; drop: DropWhen } {
	const faults = state.faults.vod;
	if (!faults) return { drop: undefined };
	const targeted = targetedFault(faults.at, action, state.vod.callCounts.get(action) ?? 0);
	if (targeted?.kind === 'dropAfter') return { drop: 'after' };
	if (targeted?.kind === 'dropBefore') return { drop: 'before' };
	// VOD refuses a caller whose own STS token expired as it refuses any expired token
	if (targeted?.kind === 'tokenExpired') return { error: errors.securityTokenExpired(), drop: undefined };
	if (targeted) return { error: errors.unavailable(), drop: undefined };
	const qps = faults.qps?.[action];
	if (qps !== undefined && overQps(state, action, qps)) return { error: errors.throttling(), drop: undefined };
	if (faults.actions && !faults.actions.includes(action)) return { drop: undefined };
	if (state.roll(faults.dropRate)) {
		const mode = faults.dropMode ?? 'random';
		const when = mode === 'beforeAction' ? 'before' : mode === 'afterAction' ? 'after' : Math.random() < 0.5 ? 'before' : 'after';
		return { drop: when };
	}
	if (state.roll(faults.throttleRate)) return { error: errors.throttling(), drop: undefined };
	if (state.roll(faults.error500Rate)) return { error: errors.internal(), drop: undefined };
	if (state.roll(faults.error503Rate)) return { error: errors.unavailable(), drop: undefined };
	return { drop: undefined };
}

function overQps(state: EmulatorState, action: string, limit: number) {
	const now = Date.now();
	const recent = (state.vod.recentCalls.get(action) ?? []).filter((t) => now - t < 1000);
	const over = recent.length >= limit;
	if (!over) recent.push(now);
	state.vod.recentCalls.set(action, recent);
	return over;
}
