/** Wall-clock figures for the e2e report (printed to stderr, which jest shows as it runs). */
const figures: Array<[string, number]> = [];

export function say(line: string) {
	process.stderr.write(`[n8n-e2e] ${line}\n`);
}

export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
	const started = Date.now();
	try {
		return await fn();
	} finally {
		const seconds = Math.round((Date.now() - started) / 100) / 10;
		figures.push([label, seconds]);
		say(`${label}: ${seconds} s`);
	}
}

export function report(extra?: Record<string, number>) {
	const lines = [
		...Object.entries(extra ?? {}).map(([label, seconds]) => `  ${label}: ${seconds} s`),
		...figures.map(([label, seconds]) => `  ${label}: ${seconds} s`),
	];
	say(`timings\n${lines.join('\n')}`);
}
