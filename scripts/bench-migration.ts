/**
 * Migration benchmark: examples/large-migration-postgres.json in a real n8n (PostgreSQL ledger started by the
 * e2e harness) against the emulator with 50 ms added to every VOD call; n8n is killed with SIGKILL at random
 * moments and restarted, and the run goes on until every source is done or failed. Prints sources/s, VOD calls
 * against the minimum (ceil(N/20) submits, ceil(rows/10) lookups, ceil(N/10) status checks a round), n8n's
 * peak RSS, the database growth and the audit (jobs per source, report coverage). The ledger also holds other
 * spellings and re-signed URLs of some sources, and VOD refuses a stretch of submit calls (issue 15).
 *
 *   npm run bench:migration                         100,000 sources, 3 kills
 *   npm run bench:migration -- --sources 5000 --kills 1 [--seed 7] [--tick 5]
 *   npm run bench:migration -- --sources 5000 --kills 1 --no-lookup   negative control: must fail the audit
 *
 * Needs `npm run build` first (the package is packed from dist/). Exits 1 when the audit fails.
 */
import { describeFigures, runMigration } from '../test/e2e/lib/migration';

function flag(name: string, fallback: number): number {
	const index = process.argv.indexOf(`--${name}`);
	const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
	if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a number`);
	return value;
}

async function main() {
	const figures = await runMigration({
		sources: flag('sources', 100_000),
		kills: flag('kills', 3),
		seed: flag('seed', 15),
		tickSeconds: flag('tick', 5),
		latencyMs: flag('latency', 50),
		lookUp: !process.argv.includes('--no-lookup'),
	});
	console.log(describeFigures(figures));
	const { audit } = figures;
	const ok =
		audit.duplicates === 0 &&
		audit.notSubmitted === 0 &&
		audit.ledgerJobMismatches === 0 &&
		audit.missingFromReport === 0;
	console.log(ok ? 'audit: OK' : 'audit: FAILED');
	process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
