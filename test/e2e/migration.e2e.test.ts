/**
 * A large migration in a real n8n, small: examples/large-migration-postgres.json (PostgreSQL ledger started
 * by the harness) moves 5,000 sources through the emulator (50 ms added to every VOD call) while n8n is
 * killed once with SIGKILL, aimed at the moment VOD has created jobs the ledger has not recorded yet, and restarted. Afterwards
 * every source has exactly one job in VOD, the ledger holds that job, and the report covers every source.
 * When the rest is final, some sources are loaded again in other spellings and re-signed (with a Source
 * Key), and VOD refuses a stretch of submit calls beyond the node's retries, the first after it ran
 * (issue 15): none of these may add a job, and none may end failed.
 * `npm run bench:migration` is the same at 100,000 sources and three kills.
 */
import { e2eVersions } from './lib/install';
import { describeFigures, runMigration } from './lib/migration';
import { say } from './lib/timing';

const SOURCES = Number(process.env.E2E_MIGRATION_SOURCES ?? 5000);

describe.each(e2eVersions())('large migration in n8n %s: paged, recorded in a ledger, killed and restarted', (version) => {
	test(
		`${SOURCES} sources, one SIGKILL: exactly one job per source, none missing from the report`,
		async () => {
			const figures = await runMigration({ sources: SOURCES, kills: 1, seed: 15, log: say, version });
			say(`\n${describeFigures(figures)}`);
			expect(figures.kills).toHaveLength(1);
			// the kill hit sources VOD had a job for while the ledger did not know it yet: they were found
			expect(figures.foundByLookup).toBeGreaterThan(0);
			// the refused calls put their rows back to pending (a later tick sent them), not to failed
			expect(figures.putBack).toBeGreaterThan(0);
			// other spellings and re-signed URLs found their source's job; refused calls were sent again later
			expect(figures.audit.jobsPerSource).toEqual({ 1: figures.sources });
			expect(figures.audit.ledgerJobMismatches).toBe(0);
			const rows = figures.ledgerRows;
			expect(figures.audit.report).toEqual({ done: rows, failed: 0, pending: 0, total: rows });
			expect(figures.audit.missingFromReport).toBe(0);
			// One call per 20 sources. A page cut by the kill or by the refused calls is finished in new
			// batches of 20, so it may cost a few calls more; a source sent before is found by its lookup.
			expect(figures.calls.submit - figures.calls.submitFaulted).toBeLessThanOrEqual(
				figures.calls.submitMinimum + 6,
			);
		},
		15 * 60_000,
	);
});
