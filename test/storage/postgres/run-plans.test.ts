import { expect, it } from 'vitest';
import type { RunRecord } from '../../../src/storage/types.js';
import { at, minimalJob, run } from '../../../src/testing/storage-suite/fixtures.js';
import { indexesRead, openWatched, plansOf, recordStatements } from '../../helpers/pg-plans.js';
import { describePostgres } from '../../helpers/postgres.js';
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

// Every run starts in flight and is written again when it ends: the partial index of runs in flight
// (runs_active) keeps an entry for each until vacuum, thousands a second under load. The fenced group
// write once let the planner read its runs through that index: each group walked every entry, and the
// run path's server CPU per occurrence rose by half. These statements must find their runs by id.
describePostgres('PostgresStorage run writes: plans', () => {
  const cleanups = useCleanups();

  it('writes a group of runs and renews leases through the primary key, not the index of runs in flight', async () => {
    const { pool, schema, storage } = await openWatched(cleanups, 'runplans');
    await Promise.all(Array.from({ length: JOBS }, (_, j) => storage.insertJob(minimalJob(`j${j}`))));
    const ended = 600;
    await Promise.all(Array.from({ length: ended + 100 }, (_, i) => storage.insertRun(held(i))));
    await Promise.all(Array.from({ length: ended }, (_, i) => storage.updateRun(finished(i))));

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
    stop();

    const writes = sent.filter((s) => /^\s*WITH\b[\s\S]*\bUPDATE\b/.test(s.text));
    expect(writes).toHaveLength(5);
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
});
