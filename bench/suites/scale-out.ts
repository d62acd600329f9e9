/** Section 6: occurrences claimed and run by 1, 2 and 3 scheduler processes on one Postgres. */
import { runWorker } from '../lib/child.js';
import type { ScaleOutInput, ScaleOutResult } from '../workers/scale-out.js';
import { NO_POSTGRES, type SuiteContext } from './context.js';

export async function scaleOutSuite({ profile, results, log, postgres }: SuiteContext): Promise<void> {
  const { instances, jobs, warmupMs, seconds, concurrency } = profile.scaleOut;
  for (const count of instances) {
    if (postgres === null) {
      results.scaleOut.push({
        instances: count,
        jobs,
        seconds,
        outcomes: [{ status: 'skipped', reason: NO_POSTGRES }],
      });
      continue;
    }
    const base: ScaleOutInput = {
      role: 'seed',
      postgresUrl: postgres.url,
      schema: `bench_scale_${count}_${Date.now()}`,
      jobs,
      windowStart: 0,
      windowEnd: 0,
      concurrency,
    };
    const seeded = await runWorker<ScaleOutResult>('scale-out', base, { timeoutMs: 120_000 });
    if (seeded.status !== 'ok') {
      results.scaleOut.push({ instances: count, jobs, seconds, outcomes: [seeded] });
      log(`scale-out ×${count}: seeding ${seeded.status}`);
      continue;
    }
    const windowStart = Date.now() + warmupMs;
    const input: ScaleOutInput = {
      ...base,
      role: 'run',
      windowStart,
      windowEnd: windowStart + seconds * 1000,
    };
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        runWorker<ScaleOutResult>('scale-out', input, { timeoutMs: warmupMs + seconds * 1000 + 30_000 }),
      ),
    );
    results.scaleOut.push({ instances: count, jobs, seconds, outcomes });
    const total = outcomes.reduce((sum, o) => sum + (o.status === 'ok' ? o.result.runs : 0), 0);
    log(
      `scale-out ×${count}: ${Math.round(total / seconds)} runs/s (${outcomes.map((o) => o.status).join(', ')})`,
    );
  }
}
