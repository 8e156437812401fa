/**
 * Replaces n8n's logger (the one node contexts' `this.logger` forwards to) with one that records each line,
 * so a test can check that reasons are logged and secrets are not. Call once per test file, at load.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require('@n8n/di') as typeof import('@n8n/di');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Logger } = require('@n8n/backend-common') as typeof import('@n8n/backend-common');

/** The lines logged from now on, `level: message {meta}`; empty it with `lines.length = 0`. */
export function captureN8nLogs(): string[] {
	const lines: string[] = [];
	const logger = Object.fromEntries(
		['error', 'warn', 'info', 'debug', 'verbose'].map((level) => [
			level,
			(message: string, meta?: unknown) => lines.push(`${level}: ${message} ${JSON.stringify(meta ?? {})}`),
		]),
	);
	Container.set(Logger, { ...logger, scoped: () => logger } as never);
	return lines;
}
