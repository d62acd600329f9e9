/** Section 8: database cost, on a server of its own with pg_stat_statements loaded (not the timed suites' server). */
import { runWorker } from '../lib/child.js';
import { startBenchPostgres } from '../lib/postgres.js';
import type { DbCostInput, DbCostResult } from '../workers/db-cost.js';
import { describe, NO_POSTGRES, type SuiteContext } from './context.js';

export async function dbCostSuite({ profile, results, log }: SuiteContext): Promise<void> {
  let notStarted: string | undefined;
  const server = await startBenchPostgres({ statements: true }).catch((error: unknown) => {
    log(`Postgres not started: ${String(error)}`);
    notStarted = `Postgres did not start: ${String(error).split('\n')[0]}`;
    return null;
  });
  if (server === null) results.dbCost = { status: 'skipped', reason: notStarted ?? NO_POSTGRES };
  else {
    const { timeoutMs, ...cost } = profile.dbCost;
    const input: DbCostInput = { postgresUrl: server.url, postmasterPid: server.pid, ...cost };
    try {
      results.dbCost = await runWorker<DbCostResult>('db-cost', input, { timeoutMs });
    } finally {
      await server.stop();
    }
    log(
      `db-cost: ${describe(results.dbCost, (r) => r.deliveries.map((d) => `${d.endpoints} endpoints ${Math.round(d.deliver.walBytes / d.deliveries)} WAL B/delivery`).join(', '))}`,
    );
  }
}
