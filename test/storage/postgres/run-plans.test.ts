import { expect, it } from 'vitest';
import type { RunStatus } from '../../../src/scheduler/types.js';
import { postgresDialect as dialect } from '../../../src/storage/postgres/database.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { insertSql, postgresPlaceholder as ph } from '../../../src/storage/sql/codec.js';
import { jobCodec, runCodec } from '../../../src/storage/sql/job-rows.js';
import type { RunRecord, Storage } from '../../../src/storage/types.js';
import { at, minimalJob, run } from '../../../src/testing/storage-suite/fixtures.js';
import {
  indexesRead,
  openWatched,
  plansOf,
  recordStatements,
  type Statement,
} from '../../helpers/pg-plans.js';
import {
  describePostgres,
  dropSchema,
  postgresUrl,
  uniqueSchema,
  withPool,
  writeSchemaAtVersion,
} from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

const JOBS = 20;

/** Run `i` in flight, held by instance `a`. */
const held = (i: number): RunRecord =>
  run(`r${i}`, `j${i % JOBS}`, {
    status: 'running',
    finishedAt: null,
    instanceId: 'a',
    scheduledAt: at(i * 1000),
    lockedUntil: at(i * 1000 + 30_000),
  });

const finished = (i: number): RunRecord => ({
  ...held(i),
  status: 'succeeded',
  finishedAt: at(i * 1000 + 5),
  lockedUntil: null,
});

const ENDED = 600;

/** JOBS jobs, runs r0 to r599 started and ended, and `inFlight` more in flight; resolves with 600. */
async function seed(storage: Storage, inFlight: number): Promise<number> {
  await Promise.all(Array.from({ length: JOBS }, (_, j) => storage.insertJob(minimalJob(`j${j}`))));
  await Promise.all(Array.from({ length: ENDED + inFlight }, (_, i) => storage.insertRun(held(i))));
  await Promise.all(Array.from({ length: ENDED }, (_, i) => storage.updateRun(finished(i))));
  return ENDED;
}

// Every run starts in flight and is written again when it ends: the partial index of runs in flight
// (runs_active) keeps an entry for each until vacuum, thousands a second under load. The fenced group
// write once let the planner read its runs through that index: each group walked every entry, and the
// run path's server CPU per occurrence rose by half. These statements must find their runs by id.
describePostgres('PostgresStorage run writes: plans', () => {
  const cleanups = useCleanups();

  it('writes a group of runs and renews leases through the primary key, not the index of runs in flight', async () => {
    const { pool, schema, storage } = await openWatched(cleanups, 'runplans');
    const ended = await seed(storage, 100);

    // Groups of 2 and of 40, before the table has statistics (a new schema) and after.
    const { sent, stop } = recordStatements(pool);
    let next = ended;
    const group = async (size: number) => {
      const ids = Array.from({ length: size }, (_, k) => next + k);
      next += size;
      await Promise.all(ids.map((i) => storage.updateRun(finished(i))));
    };
    await group(2);
    await group(40);
    await storage.renewRunLeases({ instanceId: 'a', runIds: [`r${next}`, `r${next + 1}`], until: at(1) });
    await pool.query(`ANALYZE "${schema}".runs`);
    await group(2);
    await group(40);
    await storage.renewRunLeases({ instanceId: 'a', runIds: [`r${next}`, `r${next + 1}`], until: at(2) });
    stop();

    const writes = sent.filter((s) => /^\s*WITH\b[\s\S]*\bUPDATE\b/.test(s.text));
    expect(writes).toHaveLength(6);
    const otherIndexes: string[] = [];
    for (const statement of writes) {
      for (const plan of await plansOf(pool, statement)) {
        for (const index of indexesRead(plan).filter((name) => name !== 'runs_pkey'))
          otherIndexes.push(`${index} in: ${statement.text.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
    }
    expect(otherIndexes).toEqual([]);
    expect((await storage.getRun(`r${next - 1}`))?.status).toBe('succeeded');
  });

  it('lists a job’s runs in flight (the overlap gate) from their own index, newest first', async () => {
    const { pool, schema, storage } = await openWatched(cleanups, 'activeplans');
    const list = async (statuses: RunStatus[]) =>
      (await storage.listRuns({ jobId: 'j3', statuses, limit: 2 })).map((r) => r.id);
    // The gate's statement is prepared: a connection keeps its generic plan, made when the table may be empty.
    const indexes = async (statement: Statement) => (await plansOf(pool, statement)).map(indexesRead);
    const { sent, stop } = recordStatements(pool);
    expect(await list(['queued', 'running'])).toEqual([]);
    const [whenEmpty] = sent.splice(0);
    expect(whenEmpty?.prepared).toBe(true);
    expect(await indexes(whenEmpty!)).toEqual([['runs_job_active'], ['runs_job_active']]);

    await seed(storage, 40);
    // Job j3's runs in flight: the two newest of those not ended (623 and 603).
    const expected = ['r623', 'r603'];
    expect(await list(['queued', 'running'])).toEqual(expected);
    await pool.query(`ANALYZE "${schema}".runs`);
    expect(await list(['running'])).toEqual(expected);
    stop();

    const lists = sent.filter((s) => /^\s*SELECT\b[\s\S]*\bWHERE job_id = \$1/.test(s.text));
    expect(lists).toHaveLength(2);
    for (const statement of lists)
      expect(await indexes(statement)).toEqual([['runs_job_active'], ['runs_job_active']]);
  });

  it('upgrades a version 17 schema: runs in flight written before are listed from the new index', async () => {
    const schema = uniqueSchema('activeruns');
    const t = `"${schema}"`;
    cleanups.push(() => dropSchema(schema));
    await withPool(async (pool) => {
      await writeSchemaAtVersion(pool, t, 17);
      await pool.query(
        insertSql(`${t}.jobs`, jobCodec.columns, ph),
        jobCodec.encode(minimalJob('j0'), dialect),
      );
      for (const record of [finished(0), held(20), finished(40), held(60)])
        await pool.query(insertSql(`${t}.runs`, runCodec.columns, ph), runCodec.encode(record, dialect));
    });
    const storage = new PostgresStorage({ connectionString: await postgresUrl(), schema, max: 2 });
    cleanups.push(() => storage.close());
    await storage.migrate();
    const indexes = await withPool((pool) =>
      pool.query('SELECT indexname FROM pg_indexes WHERE schemaname = $1', [schema]),
    );
    expect(indexes.rows.map((row) => row.indexname)).toContain('runs_job_active');
    const active = { jobId: 'j0', statuses: ['queued', 'running'] satisfies RunStatus[] };
    expect((await storage.listRuns(active)).map((r) => r.id)).toEqual(['r60', 'r20']);
    await storage.updateRun(finished(60));
    expect((await storage.listRuns(active)).map((r) => r.id)).toEqual(['r20']);
    expect((await storage.listRuns({ jobId: 'j0' })).map((r) => r.id)).toEqual(['r60', 'r40', 'r20', 'r0']);
  });
});
