/** `SqliteStorage.stats()`: a few grouped counts, each over an index (schema versions 7 to 9). */
import { RUN_STATUSES } from '../../scheduler/types.js';
import { countEndpoints, emptyRunCounts, statsWindows } from '../stats.js';
import type { StatsInput, StorageStats } from '../types.js';
import type { SqliteConnection } from './connection/connection.js';
import { FANOUT_PENDING } from './fanout.js';

export function sqliteStats(c: SqliteConnection, { now }: StatsInput): StorageStats {
  const w = statsWindows(now);
  // All jobs from the primary key; the enabled ones from the due index, which holds exactly them.
  const total = Number(c.get('SELECT count(*) AS n FROM cronhook_jobs')?.n ?? 0);
  const active = Number(c.get('SELECT count(*) AS n FROM cronhook_jobs WHERE enabled = 1')?.n ?? 0);
  const jobs = { total, active, paused: total - active, failing: 0 };
  // Failing jobs: the entries of their partial index (schema version 8).
  jobs.failing = Number(
    c.get('SELECT count(*) AS n FROM cronhook_jobs WHERE enabled = 1 AND failing = 1')?.n ?? 0,
  );
  // One range count per status and window, each naming its status literally (index on status, scheduled_at).
  const runs = { lastHour: emptyRunCounts(), lastDay: emptyRunCounts() };
  for (const status of RUN_STATUSES) {
    const count = (from: number) =>
      Number(
        c.get(
          `SELECT count(*) AS n FROM cronhook_runs WHERE status = '${status}' AND scheduled_at > ? AND scheduled_at <= ?`,
          [from, w.now],
        )?.n ?? 0,
      );
    runs.lastDay[status] = count(w.day);
    runs.lastHour[status] = runs.lastDay[status] === 0 ? 0 : count(w.hour);
  }
  const endpoints = countEndpoints(
    c
      .all(
        `SELECT enabled, disabled_reason, failing_since IS NOT NULL AS failing, count(*) AS n
         FROM cronhook_endpoints GROUP BY 1, 2, 3`,
      )
      .map((row) => ({
        enabled: Number(row.enabled) === 1,
        disabledReason: row.disabled_reason === null ? null : String(row.disabled_reason),
        failing: Number(row.failing) === 1,
        count: Number(row.n),
      })),
  );
  // One statement per status, each naming its partial index's exact condition. Pending deliveries not
  // written yet are counted from their fan-outs (schema version 9), in the same statement: a claim writing
  // them meanwhile (another process) is seen on one side only.
  const pending = c.get(
    `SELECT p.n + f.n AS n, p.oldest AS oldest, f.oldest AS fanout_oldest
     FROM (SELECT count(*) AS n, min(created_at) AS oldest FROM cronhook_deliveries WHERE status = 'pending') p,
       (${FANOUT_PENDING}) f`,
  );
  const failed = c.get(`SELECT count(*) AS n FROM cronhook_deliveries WHERE status = 'failed'`);
  const oldest = [pending?.oldest, pending?.fanout_oldest].filter((t) => t !== null && t !== undefined);
  const deliveries: StorageStats['deliveries'] = {
    pending: Number(pending?.n ?? 0),
    failed: Number(failed?.n ?? 0),
    oldestPendingAt: oldest.length === 0 ? null : new Date(Math.min(...oldest.map(Number))),
  };
  return { jobs, runs, endpoints, deliveries };
}
