import pg from 'pg';
import { expect, it } from 'vitest';
import { postgresDialect as dialect } from '../../../src/storage/postgres/database.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { insertSql, postgresPlaceholder as ph } from '../../../src/storage/sql/codec.js';
import { jobCodec } from '../../../src/storage/sql/job-rows.js';
import { at, minimalJob } from '../../../src/testing/storage-suite/fixtures.js';
import {
  describePostgres,
  dropSchema,
  postgresStorages,
  postgresUrl,
  uniqueSchema,
  withPool,
  writeSchemaAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

/** What the server counted for the jobs table in the current transaction of `client`. */
async function jobCounts(client: pg.Client, schema: string) {
  const { rows } = await client.query(
    `SELECT n_tup_upd, n_tup_hot_upd, seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables
     WHERE schemaname = $1 AND relname = 'jobs'`,
    [schema],
  );
  const row = rows[0] ?? {};
  return {
    updated: Number(row.n_tup_upd ?? 0),
    hot: Number(row.n_tup_hot_upd ?? 0),
    seqScans: Number(row.seq_scan ?? 0),
    fetched: Number(row.idx_tup_fetch ?? 0),
  };
}

// Schema version 15 (migrations/job-leases.ts): a job claim's lease changes no indexed column (the claim index
// is on next_run_at, a lease is checked on the row), so it is a HOT update; next_job_at() gives what
// MIN(wake_at) gave, the earliest due time or, before it, lease end.
describePostgres('PostgresStorage job leases', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  async function client() {
    const c = new pg.Client({ connectionString: await postgresUrl() });
    await c.connect();
    cleanups.push(() => c.end());
    return c;
  }

  it('a claim leases jobs without writing an index entry (HOT updates)', async () => {
    const storage = await open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => storage.insertJob(minimalJob(`j-${i}`))));
    const c = await client();
    await c.query('BEGIN');
    const { rows } = await c.query(`SELECT * FROM "${storage.schema}".claim_jobs($1, 50, 'a', $2)`, [
      at(0).getTime(),
      at(30_000).getTime(),
    ]);
    expect(rows).toHaveLength(50);
    // Version 14 and before: 50 updates, none HOT (the lease moved wake_at, an indexed column). With the
    // fillfactor of version 15 the page has room for every new row version.
    expect(await jobCounts(c, storage.schema)).toMatchObject({ updated: 50, hot: 50 });
    await c.query('ROLLBACK');
  });

  it('the next wake-up reads past the jobs in flight by index, not the whole table', async () => {
    const storage = await open();
    const jobs = 2_000;
    await Promise.all(
      Array.from({ length: jobs }, (_, i) =>
        storage.insertJob(minimalJob(`j-${String(i).padStart(4, '0')}`, { nextRunAt: at(i * 1_000) })),
      ),
    );
    await withPool((pool) => pool.query(`ANALYZE "${storage.schema}".jobs`));
    // The first 20 are in flight, leased until at(90_000): due again (for another instance) only then.
    expect(
      await storage.claimDueJobs({ now: at(19_000), limit: 20, instanceId: 'a', leaseMs: 71_000 }),
    ).toHaveLength(20);
    expect(await storage.nextDueAt()).toEqual(at(20_000));
    const c = await client();
    await c.query('BEGIN');
    const { rows } = await c.query(`SELECT "${storage.schema}".next_job_at() AS t`);
    expect(Number(rows[0].t)).toBe(at(20_000).getTime());
    const reads = await jobCounts(c, storage.schema);
    await c.query('ROLLBACK');
    expect(reads.seqScans).toBe(0);
    expect(reads.fetched).toBeLessThan(60);
    // With every due job in flight, the earliest lease end comes first.
    await storage.claimDueJobs({ now: at(90_000 - 1), limit: 100, instanceId: 'a', leaseMs: 100 });
    expect(await storage.nextDueAt()).toEqual(at(90_000));
  });

  it('upgrades a version 14 schema: a job leased by that version stays leased, then comes back in its place', async () => {
    const schema = uniqueSchema('jobleases');
    const t = `"${schema}"`;
    cleanups.push(() => dropSchema(schema));
    await withPool(async (pool) => {
      await writeSchemaAtVersion(pool, t, 14);
      for (const [id, due] of [
        ['j-a', 0],
        ['j-b', 1_000],
        ['j-c', 2_000],
      ] as const)
        await pool.query(
          insertSql(`${t}.jobs`, jobCodec.columns, ph),
          jobCodec.encode(minimalJob(id, { nextRunAt: at(due) }), dialect),
        );
      // That version's claim leases j-a until at(60_000).
      await pool.query(`SELECT * FROM ${t}.claim_jobs($1, 1, 'old', $2)`, [
        at(0).getTime(),
        at(60_000).getTime(),
      ]);
    });
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 2 });
    cleanups.push(() => storage.close());
    await storage.migrate();
    expect(await storage.getJob('j-a')).toMatchObject({ lockedBy: 'old', lockedUntil: at(60_000) });
    expect(await storage.nextDueAt()).toEqual(at(1_000));
    const claim = (offset: number) =>
      storage.claimDueJobs({ now: at(offset), limit: 10, instanceId: 'new', leaseMs: 1_000 });
    expect((await claim(10_000)).map((j) => j.id)).toEqual(['j-b', 'j-c']);
    expect(await storage.nextDueAt()).toEqual(at(11_000));
    // Once both leases are over, j-a (due first) comes back first.
    expect((await claim(60_000)).map((j) => j.id)).toEqual(['j-a', 'j-b', 'j-c']);
  });
});
