/** `PostgresStorage.stats()`: grouped counts over the indexes of schema versions 9 and 10, run side by side. */
import { countEndpoints, countRun, emptyRunCounts, statsWindows } from '../stats.js';
import type { StatsInput, StorageStats } from '../types.js';
import type { PostgresDatabase } from './database.js';

export async function postgresStats(db: PostgresDatabase, { now }: StatsInput): Promise<StorageStats> {
  const t = db.tables;
  const w = statsWindows(now);
  const [jobRows, failingRows, runRows, endpointRows, deliveryRows] = await Promise.all([
    // All jobs from the primary key; the enabled ones from the due index, which holds exactly them.
    db.query(
      `SELECT (SELECT count(*) FROM ${t.jobs}) AS total, (SELECT count(*) FROM ${t.jobs} WHERE enabled) AS active`,
    ),
    // Failing jobs: the entries of their partial index (schema version 10).
    db.query(`SELECT count(*) AS n FROM ${t.jobs} WHERE enabled AND failing`),
    db.query(
      `SELECT status, scheduled_at > $1 AS recent, count(*) AS n FROM ${t.runs}
       WHERE scheduled_at > $2 AND scheduled_at <= $3 GROUP BY 1, 2`,
      [w.hour, w.day, w.now],
    ),
    db.query(
      `SELECT enabled, disabled_reason, failing_since IS NOT NULL AS failing, count(*) AS n
       FROM ${t.endpoints} GROUP BY 1, 2, 3`,
    ),
    // Pending deliveries include those of fan-outs not written yet (postgres/fanout.ts), counted as they
    // would be written: to the endpoints that still exist. Every fan-out is read: a queue that claims empty.
    db.query(
      `SELECT status, count(*) AS n, min(created_at) AS oldest FROM ${t.deliveries}
       WHERE status IN ('pending', 'failed') GROUP BY status
       UNION ALL SELECT 'pending', count(*), min(f.created_at) FROM ${t.fanouts} f
         CROSS JOIN LATERAL unnest(f.endpoint_ids) u(id) JOIN ${t.endpoints} e ON e.id = u.id`,
    ),
  ]);
  const total = Number(jobRows.rows[0]?.total ?? 0);
  const active = Number(jobRows.rows[0]?.active ?? 0);
  const jobs = { total, active, paused: total - active, failing: Number(failingRows.rows[0]?.n ?? 0) };
  const runs = { lastHour: emptyRunCounts(), lastDay: emptyRunCounts() };
  // Counted at the window's edge: one side of the hour mark is in the hour, the other only in the day.
  for (const row of runRows.rows)
    countRun(runs, w, String(row.status), row.recent === true ? w.now : w.hour, Number(row.n));
  const endpoints = countEndpoints(
    endpointRows.rows.map((row) => ({
      enabled: row.enabled === true,
      disabledReason: row.disabled_reason === null ? null : String(row.disabled_reason),
      failing: row.failing === true,
      count: Number(row.n),
    })),
  );
  const deliveries: StorageStats['deliveries'] = { pending: 0, failed: 0, oldestPendingAt: null };
  for (const row of deliveryRows.rows) {
    if (row.status === 'pending') {
      deliveries.pending += Number(row.n);
      const oldest = row.oldest === null ? null : Number(row.oldest);
      if (oldest !== null && (deliveries.oldestPendingAt?.getTime() ?? Infinity) > oldest)
        deliveries.oldestPendingAt = new Date(oldest);
    } else deliveries.failed = Number(row.n);
  }
  return { jobs, runs, endpoints, deliveries };
}
