/**
 * Fills a storage the size the dashboard must stay fast at (100k jobs, 1M deliveries), quickly: one template
 * row of each kind goes in through the adapter (so every column is encoded as the adapter does), then SQL
 * copies it N times with new ids, times and statuses (the databases' triggers on runs mark the failing jobs as
 * the copies go in, as they would as runs finish). Shapes: 2% of jobs paused, 3 runs per job over the
 * last day (2% of jobs failing: all their runs failed), 50 endpoints, one message and one delivery per event over 30 days (95% succeeded,
 * 3% failed, 2% pending), each message about a job.
 */
import { DatabaseSync } from 'node:sqlite';
import type { Storage } from 'cronhook';
import pg from 'pg';
// The storage suite's record builders (not exported by the package): they only make the seed's plain records.
import { delivery, endpoint, message, minimalJob, run } from '../../src/testing/storage-suite/fixtures.js';

export interface SeedSizes {
  jobs: number;
  deliveries: number;
  endpoints: number;
  runsPerJob: number;
}

const HOUR = 3_600_000;
const JOB_COLUMNS = `name, schedule, target, retry, overlap, catch_up, success_statuses, jitter_ms, start_at, end_at,
  max_runs, metadata, created_at, updated_at, run_count, locked_by, locked_until`;
const RUN_COLUMNS = `triggered_by, started_at, finished_at, duration_ms, attempts, status_code, error, response_snippet,
  instance_id, locked_until`;
const DELIVERY_COLUMNS = `topic, attempts, last_attempt_at, last_status_code, last_error, locked_by, locked_until`;

/** Template rows through the adapter, and the 50 endpoints. */
export async function insertTemplates(storage: Storage, now: number, sizes: SeedSizes): Promise<void> {
  await storage.insertJob(
    minimalJob('tmpl', { target: { url: 'https://svc.example.com/run', headers: { authorization: 'x' } } }),
  );
  await storage.insertRun(run('tmpl-r', 'tmpl', { status: 'succeeded', occurrenceKey: 'tmpl' }));
  for (let i = 0; i < sizes.endpoints; i++) {
    await storage.insertEndpoint(
      endpoint(`ep-${String(i).padStart(3, '0')}`, {
        createdAt: new Date(now - (sizes.endpoints - i) * HOUR),
      }),
    );
  }
  await storage.insertMessage({
    message: message('tmpl-m', {
      body: JSON.stringify({ type: 'job.execution.failed', data: { job: { id: 'x' } } }),
    }),
    deliveries: [
      delivery('tmpl-d', 'tmpl-m', 'ep-000', { status: 'succeeded', attempts: 1, nextAttemptAt: null }),
    ],
  });
}

/** The copies, in SQLite (a recursive counter stands in for generate_series). */
export function seedSqlite(path: string, now: number, sizes: SeedSizes): void {
  const db = new DatabaseSync(path);
  const counter = (n: number) =>
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;
  db.exec('BEGIN');
  db.exec(`${counter(sizes.jobs)}
    INSERT INTO cronhook_jobs (id, ${JOB_COLUMNS}, enabled, next_run_at)
    SELECT 'job-' || printf('%06d', i), ${JOB_COLUMNS}, i % 50 <> 0, ${now} + (i % 3600) * 1000
    FROM n, (SELECT ${JOB_COLUMNS} FROM cronhook_jobs WHERE id = 'tmpl')`);
  db.exec(`${counter(sizes.jobs * sizes.runsPerJob)}
    INSERT INTO cronhook_runs (id, job_id, occurrence_key, scheduled_at, status, ${RUN_COLUMNS})
    SELECT 'run-' || printf('%07d', i), 'job-' || printf('%06d', i % ${sizes.jobs}), 'k' || i,
      ${now} - (i / ${sizes.jobs}) * ${8 * HOUR} - (i * 997) % ${8 * HOUR},
      CASE WHEN i % 50 = 7 THEN 'failed' ELSE 'succeeded' END, ${RUN_COLUMNS}
    FROM n, (SELECT ${RUN_COLUMNS} FROM cronhook_runs WHERE id = 'tmpl-r')`);
  const spacing = Math.floor((30 * 24 * HOUR) / sizes.deliveries);
  db.exec(`${counter(sizes.deliveries)}
    INSERT INTO cronhook_messages (id, topic, body, job_id, created_at)
    SELECT 'msg-' || printf('%07d', i), topic, body, 'job-' || printf('%06d', i % ${sizes.jobs}), ${now} - i * ${spacing}
    FROM n, (SELECT topic, body FROM cronhook_messages WHERE id = 'tmpl-m')`);
  db.exec(`${counter(sizes.deliveries)}
    INSERT INTO cronhook_deliveries (id, message_id, endpoint_id, status, next_attempt_at, created_at, updated_at, ${DELIVERY_COLUMNS})
    SELECT 'dlv-' || printf('%07d', i), 'msg-' || printf('%07d', i), 'ep-' || printf('%03d', (i / 100) % ${sizes.endpoints}),
      CASE WHEN i % 100 < 3 THEN 'failed' WHEN i % 100 < 5 THEN 'pending' ELSE 'succeeded' END,
      CASE WHEN i % 100 BETWEEN 3 AND 4 THEN ${now} + i ELSE NULL END,
      ${now} - i * ${spacing}, ${now} - i * ${spacing}, ${DELIVERY_COLUMNS}
    FROM n, (SELECT ${DELIVERY_COLUMNS} FROM cronhook_deliveries WHERE id = 'tmpl-d')`);
  db.exec('COMMIT');
  db.exec('ANALYZE');
  db.close();
}

/** The copies, in Postgres, then VACUUM ANALYZE (as autovacuum would have done on a live database). */
export async function seedPostgres(
  url: string,
  schema: string,
  now: number,
  sizes: SeedSizes,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const s = `"${schema}"`;
  try {
    await client.query(`INSERT INTO ${s}.jobs (id, ${JOB_COLUMNS}, enabled, next_run_at)
      SELECT 'job-' || lpad(i::text, 6, '0'), ${JOB_COLUMNS}, i % 50 <> 0, ${now} + (i % 3600) * 1000
      FROM generate_series(0, ${sizes.jobs - 1}) i, (SELECT ${JOB_COLUMNS} FROM ${s}.jobs WHERE id = 'tmpl') t`);
    await client.query(`INSERT INTO ${s}.runs (id, job_id, occurrence_key, scheduled_at, status, ${RUN_COLUMNS})
      SELECT 'run-' || lpad(i::text, 7, '0'), 'job-' || lpad((i % ${sizes.jobs})::text, 6, '0'), 'k' || i,
        ${now} - (i / ${sizes.jobs}) * ${8 * HOUR} - (i::bigint * 997) % ${8 * HOUR},
        CASE WHEN i % 50 = 7 THEN 'failed' ELSE 'succeeded' END, ${RUN_COLUMNS}
      FROM generate_series(0, ${sizes.jobs * sizes.runsPerJob - 1}) i,
        (SELECT ${RUN_COLUMNS} FROM ${s}.runs WHERE id = 'tmpl-r') t`);
    const spacing = Math.floor((30 * 24 * HOUR) / sizes.deliveries);
    await client.query(`INSERT INTO ${s}.messages (id, topic, body, job_id, created_at)
      SELECT 'msg-' || lpad(i::text, 7, '0'), topic, body, 'job-' || lpad((i % ${sizes.jobs})::text, 6, '0'),
        ${now} - i::bigint * ${spacing}
      FROM generate_series(0, ${sizes.deliveries - 1}) i, (SELECT topic, body FROM ${s}.messages WHERE id = 'tmpl-m') t`);
    await client.query(`INSERT INTO ${s}.deliveries (id, message_id, endpoint_id, status, next_attempt_at, created_at,
        updated_at, ${DELIVERY_COLUMNS})
      SELECT 'dlv-' || lpad(i::text, 7, '0'), 'msg-' || lpad(i::text, 7, '0'), 'ep-' || lpad(((i / 100) % ${sizes.endpoints})::text, 3, '0'),
        CASE WHEN i % 100 < 3 THEN 'failed' WHEN i % 100 < 5 THEN 'pending' ELSE 'succeeded' END,
        CASE WHEN i % 100 BETWEEN 3 AND 4 THEN ${now} + i ELSE NULL END,
        ${now} - i::bigint * ${spacing}, ${now} - i::bigint * ${spacing}, ${DELIVERY_COLUMNS}
      FROM generate_series(0, ${sizes.deliveries - 1}) i, (SELECT ${DELIVERY_COLUMNS} FROM ${s}.deliveries WHERE id = 'tmpl-d') t`);
    await client.query(`VACUUM ANALYZE ${s}.jobs, ${s}.runs, ${s}.messages, ${s}.deliveries, ${s}.endpoints`);
  } finally {
    await client.end();
  }
}
