import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { VodStore } from './store';
import type { CallbackAttempt } from './model';

export function callbackSignature(url: string, timestamp: string, authKey: string) {
	return createHash('md5').update(`${url}|${timestamp}|${authKey}`).digest('hex');
}

/** VOD's sample quirks: `"SourceURL "`-style keys and numbers as strings. */
function withQuirks(payload: Record<string, unknown>) {
	const out: Record<string, unknown> = {};
	const spaced = new Set(['SourceURL', 'ErrorCode', 'ErrorMessage']);
	for (const [key, value] of Object.entries(payload)) {
		out[spaced.has(key) ? `${key} ` : key] = typeof value === 'number' ? String(value) : value;
	}
	return out;
}

/**
 * Sends HTTP event callbacks like VOD: POST JSON, success only on HTTP 200 within the timeout, at most
 * `attempts` tries about a second apart, signed when callback auth is on. Every attempt is recorded.
 */
export class CallbackSender {
	private readonly pending = new Set<Promise<void>>();
	private stopped = false;

	constructor(private readonly store: VodStore) {}

	/** Fire-and-forget; `idle()` resolves once every delivery has finished. */
	send(eventType: string, payload: Record<string, unknown>, overrideUrl?: string) {
		if (this.stopped) return;
		const settings = this.store.messageCallback;
		if (settings.CallbackType !== 'HTTP') return;
		const url = overrideUrl || settings.CallbackURL;
		if (!url) return;
		const events = settings.EventTypeList.split(',').map((s) => s.trim());
		if (!events.includes('ALL') && !events.includes(eventType)) return;
		const body = this.store.callbackSettings.quirks ? withQuirks(payload) : payload;
		const delivery = this.deliver(eventType, url, body).finally(() => this.pending.delete(delivery));
		this.pending.add(delivery);
	}

	/** No new deliveries or retries once the emulator stops. */
	stop() {
		this.stopped = true;
	}

	async idle() {
		while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
	}

	private async deliver(eventType: string, url: string, payload: Record<string, unknown>) {
		const { attempts, timeoutMs, retryDelayMs } = this.store.callbackSettings;
		const { AuthSwitch, AuthKey } = this.store.messageCallback;
		for (let attempt = 1; attempt <= attempts && !this.stopped; attempt++) {
			const headers: Record<string, string> = { 'content-type': 'application/json' };
			const record: CallbackAttempt = {
				eventType,
				url,
				attempt,
				at: new Date().toISOString(),
				ok: false,
				payload,
			};
			if (AuthSwitch === 'on' && AuthKey) {
				const timestamp = String(Math.floor(Date.now() / 1000));
				headers['X-VOD-TIMESTAMP'] = timestamp;
				headers['X-VOD-SIGNATURE'] = callbackSignature(url, timestamp, AuthKey);
				record.timestamp = timestamp;
				record.signature = headers['X-VOD-SIGNATURE'];
			}
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers,
					body: JSON.stringify(payload),
					signal: AbortSignal.timeout(timeoutMs),
				});
				await response.arrayBuffer().catch(() => undefined);
				record.statusCode = response.status;
				record.ok = response.status === 200;
			} catch (error) {
				record.error = (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message;
			}
			this.store.callbacks.push(record);
			if (record.ok) return;
			if (attempt < attempts) await sleep(retryDelayMs);
		}
	}
}
