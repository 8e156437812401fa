/**
 * A small closed-loop HTTP load generator for loopback benchmarks: `concurrency` workers share one
 * keep-alive agent with exactly `concurrency` sockets and each sends its next request as soon as its last
 * answer has been read to the end. Bodies are prepared before the clock starts; only what must be made at
 * send time (e.g. a signature over a fresh timestamp) is built per request, by `headersFor`.
 */
import { Agent, request } from 'node:http';

export interface LoadRequest {
	body: Buffer;
	headers?: Record<string, string>;
}

export interface LoadResult {
	requests: number;
	/** HTTP status → count; 0 counts requests that failed without an answer */
	statuses: Map<number, number>;
	/** per request, ms from sending to the last byte of the answer, in completion order */
	latenciesMs: number[];
	wallMs: number;
	/** a few answers that were not 200, for the report */
	sampleFailures: string[];
}

export interface LoadOptions {
	url: string;
	requests: LoadRequest[];
	concurrency: number;
	/** headers made at send time (after the request was taken from the queue) */
	headersFor?: (index: number) => Record<string, string>;
	timeoutMs?: number;
}

function postOnce(
	agent: Agent,
	url: URL,
	body: Buffer,
	headers: Record<string, string>,
	timeoutMs: number,
): Promise<{ status: number; text: string }> {
	return new Promise((resolve) => {
		const req = request(
			{
				agent,
				host: url.hostname,
				port: url.port,
				path: `${url.pathname}${url.search}`,
				method: 'POST',
				headers: {
					'content-type': 'application/json',
					'content-length': String(body.length),
					...headers,
				},
				timeout: timeoutMs,
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						text: Buffer.concat(chunks).toString('utf8'),
					}),
				);
				res.on('error', (error) => resolve({ status: 0, text: error.message }));
			},
		);
		req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		req.on('error', (error) => resolve({ status: 0, text: error.message }));
		req.end(body);
	});
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
	const url = new URL(options.url);
	if (url.hostname !== '127.0.0.1') throw new Error(`load goes to loopback only, not ${url.host}`);
	const agent = new Agent({
		keepAlive: true,
		maxSockets: options.concurrency,
		maxFreeSockets: options.concurrency,
	});
	const statuses = new Map<number, number>();
	const latenciesMs: number[] = [];
	const sampleFailures: string[] = [];
	let next = 0;
	const worker = async () => {
		for (;;) {
			const index = next++;
			if (index >= options.requests.length) return;
			const { body, headers } = options.requests[index];
			const started = process.hrtime.bigint();
			const answer = await postOnce(
				agent,
				url,
				body,
				{ ...headers, ...options.headersFor?.(index) },
				options.timeoutMs ?? 30_000,
			);
			latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
			statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
			if (answer.status !== 200 && sampleFailures.length < 3) {
				sampleFailures.push(`${answer.status}: ${answer.text.slice(0, 200)}`);
			}
		}
	};
	const started = process.hrtime.bigint();
	await Promise.all(Array.from({ length: options.concurrency }, worker));
	const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
	agent.destroy();
	return {
		requests: options.requests.length,
		statuses,
		latenciesMs,
		wallMs,
		sampleFailures,
	};
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
	return sorted[rank - 1];
}

export function nonOk(result: LoadResult) {
	let count = 0;
	for (const [status, n] of result.statuses) if (status !== 200) count += n;
	return count;
}

export function throughput(result: LoadResult) {
	return result.requests / (result.wallMs / 1000);
}

/** e.g. "200×1990 503×10" */
export function statusSummary(result: LoadResult) {
	return [...result.statuses.entries()]
		.sort(([a], [b]) => a - b)
		.map(([status, n]) => `${status || 'no answer'}×${n}`)
		.join(' ');
}
