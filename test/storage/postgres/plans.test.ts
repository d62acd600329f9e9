import pg from 'pg';
import { expect, it } from 'vitest';
import {
  at,
  attempt,
  delivery,
  endpoint,
  message,
  minimalJob,
  run,
} from '../../../src/testing/storage-suite/fixtures.js';
import { runRequest } from '../../../src/testing/storage-suite/jobs/run-requests.js';
import { runOperatorQueries, seedOperatorData } from '../../helpers/operator-data.js';
import { openWatched, plansOf, recordStatements, seqScans } from '../../helpers/pg-plans.js';
import { describePostgres, postgresUrl } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

const RUNNING = {
  status: 'running',
  finishedAt: null,
  lockedUntil: new Date('2030-01-01T00:00:00Z'),
} as const;

// The delivery log and the run history grow for as long as retention keeps them. A statement that reads a
// whole table per claim or per write (the planner's default estimate of 100 rows for json_populate_recordset
// made hash joins over sequential scans look cheap) gets slower with every row kept, so these are checked
// by their plans, on tables large enough that an index lookup is the plan a planner should pick.
describePostgres('PostgresStorage statement plans', () => {
  const cleanups = useCleanups();
  const open = (prefix: string) => openWatched(cleanups, prefix);

  it('claims, completes and writes runs by index lookups, not by reading whole tables', async () => {
    const { pool, schema, storage } = await open('plans');
    const rows = 1_500;
    await storage.insertEndpoint(endpoint('ep', { topics: ['*'] }));
    await Promise.all(
      Array.from({ length: rows }, (_, i) =>
        storage.insertMessage({
          message: message(`m${i}`),
          deliveries: [delivery(`d${i}`, `m${i}`, 'ep', { nextAttemptAt: at(i) })],
        }),
      ),
    );
    await Promise.all(Array.from({ length: rows }, (_, i) => storage.insertJob(minimalJob(`j${i}`))));
    await Promise.all(
      Array.from({ length: rows }, (_, i) =>
        // r1 and r2 are in flight: they are written below (a finished run is not written again).
        storage.insertRun(
          run(`r${i}`, `j${i % 100}`, { scheduledAt: at(i * 1000), ...(i === 1 || i === 2 ? RUNNING : {}) }),
        ),
      ),
    );
    await storage.insertRun(runRequest('request', 'j7', at(9_999_999), { scheduledAt: at(5) }));
    await pool.query(
      `ANALYZE "${schema}".deliveries, "${schema}".messages, "${schema}".jobs, "${schema}".runs`,
    );

    // Every statement the storage sends from here on is explained afterwards.
    const { sent, stop } = recordStatements(pool);

    const claimed = await storage.claimDeliveries({
      now: at(10),
      limit: 2,
      instanceId: 'a',
      leaseMs: 30_000,
    });
    expect(claimed.map((d) => d.id)).toEqual(['d0', 'd1']);
    expect(await storage.getMessage('m0')).not.toBeNull();
    await Promise.all(
      claimed.map((d, i) =>
        storage.completeAttempt({
          delivery: { ...d, status: 'succeeded', attempts: 1, nextAttemptAt: null },
          attempt: attempt(`a${i}`, d.id, { statusCode: 200, error: null }),
        }),
      ),
    );
    const jobs = await storage.claimDueJobs({ now: at(0), limit: 2, instanceId: 'a', leaseMs: 30_000 });
    expect(jobs).toHaveLength(2);
    await Promise.all(
      jobs.map((job) =>
        storage.advanceJob({
          jobId: job.id,
          instanceId: 'a',
          nextRunAt: at(60_000),
          runCount: 1,
          runs: [run(`new-${job.id}`, job.id, { status: 'queued', scheduledAt: at(0), occurrenceKey: 'k' })],
        }),
      ),
    );
    await Promise.all(
      ['r1', 'r2'].map((id) => storage.updateRun(run(id, `j${id.slice(1)}`, { attempts: 3 }))),
    );
    await Promise.all([
      storage.pruneRuns({ jobId: 'j3', keep: 100 }),
      storage.pruneRuns({ jobId: 'j4', keep: 100 }),
    ]);
    const requests = await storage.claimRunRequests({
      now: at(10),
      limit: 5,
      instanceId: 'a',
      leaseMs: 30_000,
      handlers: ['cleanup'],
    });
    expect(requests.taken.map((r) => r.id)).toEqual(['request']);
    stop();

    const explained = sent.filter((s) => /^\s*(WITH|SELECT|UPDATE|INSERT|DELETE)/i.test(s.text));
    expect(explained.length).toBeGreaterThanOrEqual(6);
    // The claims of both kinds, attempt results and job advances are prepared statements.
    expect(explained.filter((s) => s.prepared).length).toBeGreaterThanOrEqual(4);
    const scans: string[] = [];
    for (const statement of explained) {
      for (const plan of await plansOf(pool, statement)) {
        for (const table of seqScans(plan))
          scans.push(`${table} in: ${statement.text.replace(/\s+/g, ' ').slice(0, 90)}`);
      }
    }
    // The endpoints table holds one row: reading it whole is the right plan.
    expect(scans.filter((s) => !s.startsWith('endpoints '))).toEqual([]);
  });

  it('claims read past no backlog of deliveries to disabled endpoints (they are parked)', async () => {
    const { storage, schema } = await open('parked');
    const backlog = 1_000;
    const seed = (endpointId: string, from: number, count: number, due = -60_000) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          storage.insertMessage({
            message: message(`m-${endpointId}-${i}`),
            deliveries: [
              delivery(`d-${endpointId}-${from + i}`, `m-${endpointId}-${i}`, endpointId, {
                nextAttemptAt: at(due + i),
              }),
            ],
          }),
        ),
      );
    // One endpoint disabled before its deliveries were stored, one disabled after: both backlogs are due
    // before the one delivery to an enabled endpoint.
    await storage.insertEndpoint(
      endpoint('off', { enabled: false, disabledReason: 'failing', disabledAt: at(0) }),
    );
    await storage.insertEndpoint(endpoint('later'));
    await storage.insertEndpoint(endpoint('on'));
    await seed('off', 0, backlog);
    await seed('later', 0, backlog);
    await seed('on', 0, 1, 0);
    const later = (await storage.getEndpoint('later'))!;
    await storage.updateEndpoint({ ...later, enabled: false, disabledReason: 'manual', disabledAt: at(1) });

    // Rows the claim reads, counted by the server: on a connection of its own, whose counters hold nothing else.
    const client = new pg.Client({ connectionString: await postgresUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT * FROM "${schema}".claim_deliveries($1, 10, 'x', $2, '{}')`,
        [at(0).getTime(), at(30_000).getTime()],
      );
      expect(rows.map((row) => (row.delivery as { id: string }).id)).toEqual(['d-on-0']);
      const stats = await client.query(
        `SELECT idx_tup_fetch + seq_tup_read AS n FROM pg_stat_xact_user_tables
         WHERE schemaname = $1 AND relname = 'deliveries'`,
        [schema],
      );
      expect(Number(stats.rows[0].n)).toBeLessThan(10);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    expect(await storage.nextDeliveryAt()).toEqual(at(0));

    // Enabled again, its deliveries are claimable again, oldest first.
    await storage.updateEndpoint(later);
    const claimed = await storage.claimDeliveries({ now: at(0), limit: 2, instanceId: 'a', leaseMs: 30_000 });
    expect(claimed.map((d) => d.id)).toEqual(['d-later-0', 'd-later-1']);
  });

  it('a claim plan kept from when the table was small still reads by index once it has grown', async () => {
    const { storage, schema } = await open('kept');
    await storage.insertEndpoint(endpoint('ep'));
    const store = (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, k) =>
          storage.insertMessage({
            message: message(`m-${from + k}`),
            deliveries: [delivery(`d-${from + k}`, `m-${from + k}`, 'ep', { nextAttemptAt: at(from + k) })],
          }),
        ),
      );
    await store(0, 20);
    // One connection, as an instance's pool keeps it: its claims plan while the table holds 20 rows, and
    // PL/pgSQL keeps the plan (a generic one after five calls). A soak found such a kept plan reading the
    // whole table once per claimed row after the table had grown: claims took seconds until autovacuum
    // analyzed the table and the plan was made again.
    const client = new pg.Client({ connectionString: await postgresUrl() });
    await client.connect();
    cleanups.push(() => client.end());
    const claim = (limit: number) =>
      client.query(`SELECT * FROM "${schema}".claim_deliveries($1, $2, 'x', $3, '{}')`, [
        at(100_000).getTime(),
        limit,
        at(200_000).getTime(),
      ]);
    for (let i = 0; i < 8; i++) {
      await client.query('BEGIN');
      await claim(400);
      await client.query('ROLLBACK');
    }
    await store(20, 3_000);
    const reads = async () => {
      const { rows } = await client.query(
        `SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables WHERE schemaname = $1 AND relname = 'deliveries'`,
        [schema],
      );
      return { seqScans: Number(rows[0].seq_scan), fetched: Number(rows[0].idx_tup_fetch) };
    };
    await client.query('BEGIN');
    const before = await reads();
    const { rows } = await claim(400);
    const after = await reads();
    await client.query('ROLLBACK');
    expect(rows).toHaveLength(400);
    expect(after.seqScans - before.seqScans).toBe(0);
    expect(after.fetched - before.fetched).toBeLessThan(2_000);
  });
  // The dashboard's pages and telemetry's gauges (stats(), filtered lists): each reads by index (issue 16).
  it('stats and the dashboard’s lists read by index, not whole tables', async () => {
    const { pool, schema, storage } = await open('opsplans');
    const rows = 3_000;
    await seedOperatorData(storage, rows);
    await pool.query(
      `VACUUM ANALYZE "${schema}".jobs, "${schema}".runs, "${schema}".messages, "${schema}".deliveries`,
    );
    const stats = await storage.stats({ now: at(0) });
    expect(stats.jobs).toMatchObject({ total: rows, paused: rows / 50 });
    expect(stats.deliveries.failed).toBe(Math.ceil((rows * 2) / 53));

    const { sent, stop } = recordStatements(pool);
    await runOperatorQueries(storage);
    stop();

    const scans: string[] = [];
    for (const statement of sent) {
      for (const plan of await plansOf(pool, statement)) {
        for (const table of seqScans(plan))
          scans.push(`${table} in: ${statement.text.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
    }
    expect(sent.length).toBeGreaterThanOrEqual(14);
    // The endpoints table holds two rows: reading it whole is the right plan. Counting every job reads every
    // job, from the table or an index alike: which one depends on how much of the table the visibility map
    // covers (other tests' open transactions keep VACUUM from marking pages), so that count may scan.
    // Fan-outs not written yet are all counted as pending deliveries: a queue the claims keep empty, read whole.
    const jobCount = /^jobs in: SELECT \(SELECT count\(\*\) FROM "[^"]+"\.jobs\) AS total/;
    expect(
      scans.filter((s) => !s.startsWith('endpoints ') && !s.startsWith('fanouts ') && !jobCount.test(s)),
    ).toEqual([]);
  });
});
