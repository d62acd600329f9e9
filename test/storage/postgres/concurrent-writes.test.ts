import { expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { minimalJob, run } from '../../../src/testing/storage-suite/fixtures.js';
import { describePostgres, postgresStorages, postgresUrl } from '../../helpers/postgres.js';
import { useCleanups } from '../../helpers/test-lifecycle.js';

// Writes to the same rows from several connections or instances at once.
describePostgres('PostgresStorage concurrent writes', () => {
  const cleanups = useCleanups();
  const { open } = postgresStorages(cleanups);

  it('records an occurrence once when instances on separate pools race to insert it', async () => {
    const a = await open();
    const b = new PostgresStorage({ connectionString: await postgresUrl(), schema: a.schema, max: 4 });
    cleanups.push(() => b.close());
    await a.insertJob(minimalJob('j'));
    for (let i = 0; i < 20; i++) {
      const key = `occ-${i}`;
      const results = await Promise.all([
        a.insertRun(run(`a-${i}`, 'j', { occurrenceKey: key })),
        b.insertRun(run(`b-${i}`, 'j', { occurrenceKey: key })),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    expect(await a.listRuns({ jobId: 'j', limit: 100 })).toHaveLength(20);
  });

  it('renews leases, updates and prunes the same runs at once without a deadlock', async () => {
    // Set-based writes lock their rows in one order (by id): a group of updateRun and a lease renewal
    // over the same runs, each walking them in its own order, must never wait for each other in a cycle.
    const storage = await open();
    await storage.insertJob(minimalJob('busy'));
    const ids = Array.from({ length: 300 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
    const active = (id: string, i: number) =>
      run(id, 'busy', {
        status: 'running',
        scheduledAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
        finishedAt: null,
        lockedUntil: new Date(Date.UTC(2027, 0, 1)),
      });
    for (const [i, id] of ids.entries()) expect(await storage.insertRun(active(id, i))).toBe(true);
    for (let round = 0; round < 15; round++) {
      const until = new Date(Date.UTC(2027, 0, 1, 0, round));
      await Promise.all([
        storage.renewRunLeases({ instanceId: 'instance-a', runIds: [...ids].reverse(), until }),
        ...ids.map((id, i) =>
          storage.updateRun({ ...active(id, i), attempts: round + 1, lockedUntil: until }),
        ),
        storage.renewRunLeases({ instanceId: 'instance-a', runIds: ids, until }),
        storage.pruneRuns({ jobId: 'busy', keep: 1_000 }),
      ]);
    }
    const stored = await storage.listRuns({ jobId: 'busy', limit: 1_000 });
    expect(stored).toHaveLength(300);
    expect(stored.every((r) => r.attempts === 15)).toBe(true);
  });
});
