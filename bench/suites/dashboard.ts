/** Section 9: the dashboard's pages at 100k jobs and 1M deliveries, on SQLite and Postgres. */
import { runWorker } from '../lib/child.js';
import type { DashboardBenchInput, DashboardBenchResult } from '../workers/dashboard.js';
import { describe, NO_POSTGRES, type SuiteContext } from './context.js';

export async function dashboardSuite({ profile, results, log, postgres }: SuiteContext): Promise<void> {
  results.dashboard = [];
  for (const storage of ['sqlite', 'postgres'] as const) {
    if (storage === 'postgres' && postgres === null) {
      results.dashboard.push({ storage, outcome: { status: 'skipped', reason: NO_POSTGRES } });
      continue;
    }
    const { timeoutMs, ...sizes } = profile.dashboard;
    const input: DashboardBenchInput = {
      storage,
      ...sizes,
      endpoints: 50,
      runsPerJob: 3,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
    };
    const outcome = await runWorker<DashboardBenchResult>('dashboard', input, { timeoutMs });
    results.dashboard.push({ storage, outcome });
    log(
      `dashboard ${storage}: ${describe(outcome, (r) => `slowest p99 ${Math.max(...r.pages.map((p) => p.latency.p99))} ms, seeded in ${r.seedMs} ms`)}`,
    );
  }
}
