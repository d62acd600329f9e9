import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../../src/scheduler/types.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import type { RunRecord } from '../../../../src/storage/types.js';
import { run as fixtureRun, minimalJob } from '../../../../src/testing/storage-suite/fixtures.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A run of job `j` scheduled `at` seconds after T0, built on the conformance suite's fixture. */
function run(id: string, at: number, status: RunStatus, keyIsId = false): RunRecord {
  return fixtureRun(id, 'j', {
    scheduledAt: new Date(T0 + at * 1000),
    status,
    // A manual run's key is its own id (newRunRecord's keyIsId): kept apart from keys by MemoryStorage.
    occurrenceKey: keyIsId ? id : `k-${id}`,
    lockedUntil: null,
  });
}

const inFlight = (r: RunRecord) => r.status === 'queued' || r.status === 'running';
const newestFirst = (a: RunRecord, b: RunRecord) =>
  b.scheduledAt.getTime() - a.scheduledAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** What pruneRuns must leave: every run in flight and the newest `keep` finished runs. */
function expectedAfterPrune(runs: RunRecord[], keep: number): string[] {
  const finished = runs.filter((r) => !inFlight(r)).sort(newestFirst);
  return [...runs.filter(inFlight), ...finished.slice(0, keep)].map((r) => r.id).sort();
}

type Op =
  | { kind: 'insert'; at: number; status: RunStatus; keyIsId: boolean }
  | { kind: 'finish'; pick: number }
  | { kind: 'move'; pick: number; at: number }
  | { kind: 'prune'; keep: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.integer({ min: 0, max: 40 }),
      status: fc.constantFrom<RunStatus>('queued', 'running', 'succeeded', 'failed', 'skipped', 'missed'),
      keyIsId: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      pick: fc.nat(),
      at: fc.integer({ min: 0, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('prune' as const), keep: fc.integer({ min: 0, max: 6 }) }),
  },
);

describe('MemoryStorage run retention', () => {
  it('pruneRuns keeps every run in flight and the newest finished ones, whatever order runs arrived in (keyed by time or by id)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const storage = new MemoryStorage();
        const model = new Map<string, RunRecord>();
        let next = 0;
        for (const o of ops) {
          const all = [...model.values()];
          if (o.kind === 'insert') {
            const r = run(`r${String(next++).padStart(3, '0')}`, o.at, o.status, o.keyIsId);
            expect(await storage.insertRun(r)).toBe(true);
            // A second insert of the same occurrence is refused, however it is keyed.
            expect(await storage.insertRun({ ...r, id: `${r.id}-again` })).toBe(false);
            model.set(r.id, r);
          } else if ((o.kind === 'finish' || o.kind === 'move') && all.length > 0) {
            const picked = all[o.pick % all.length]!;
            const r: RunRecord =
              o.kind === 'finish'
                ? { ...picked, status: 'succeeded' }
                : { ...picked, scheduledAt: new Date(T0 + o.at * 1000) };
            // A finished run is never written again (updateRun is fenced): it stays where it was.
            if (inFlight(picked)) {
              await storage.updateRun(r);
              model.set(r.id, r);
            } else await expect(storage.updateRun(r)).rejects.toMatchObject({ code: 'ERR_LEASE_LOST' });
          } else if (o.kind === 'prune') {
            const expected = expectedAfterPrune(all, o.keep);
            const removed = await storage.pruneRuns({ jobId: 'j', keep: o.keep });
            const left = (await storage.listRuns({ jobId: 'j', limit: 1000 })).map((r) => r.id).sort();
            expect(left).toEqual(expected);
            expect(removed).toBe(all.length - expected.length);
            for (const id of model.keys()) if (!expected.includes(id)) model.delete(id);
          }
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('MemoryStorage run retention behind runs it keeps', () => {
  it('prunes the oldest finished runs after a run in flight and a skipped one, run after run', async () => {
    const storage = new MemoryStorage();
    // Kept ahead of every finished run: one in flight and one of a status retention does not count.
    await storage.insertRun(run('a-running', 0, 'running'));
    await storage.insertRun(run('a-skipped', 0, 'skipped'));
    const ran: RunStatus[] = ['succeeded', 'failed'];
    for (let i = 0; i < 300; i++) {
      const id = `r${String(i).padStart(3, '0')}`;
      await storage.insertRun(run(id, 1 + i, 'running'));
      await storage.updateRun({ ...run(id, 1 + i, i % 3 === 0 ? 'failed' : 'succeeded') });
      expect(await storage.pruneRuns({ jobId: 'j', keep: 3, statuses: ran })).toBe(i >= 3 ? 1 : 0);
    }
    const left = (await storage.listRuns({ jobId: 'j', limit: 1000 })).map((r) => r.id);
    expect(left).toEqual(['r299', 'r298', 'r297', 'a-skipped', 'a-running']);
    // The run in flight finishing makes it the oldest finished run: the next prune takes it.
    await storage.updateRun(run('a-running', 0, 'succeeded'));
    expect(await storage.pruneRuns({ jobId: 'j', keep: 3, statuses: ran })).toBe(1);
    expect((await storage.listRuns({ jobId: 'j', limit: 1000 })).map((r) => r.id)).toEqual([
      'r299',
      'r298',
      'r297',
      'a-skipped',
    ]);
    expect(await storage.getRun('r296')).toBeNull();
    expect((await storage.getRun('r297'))?.status).toBe('failed');
  });
});

describe('MemoryStorage runs keyed by their own id (manual runs)', () => {
  it('refuses a run whose occurrence key another run of the job holds, keyed by id or by time', async () => {
    const storage = new MemoryStorage();
    expect(await storage.insertRun(run('m1', 0, 'running', true))).toBe(true);
    // The same run again, and a run of the job keyed by m1's id.
    expect(await storage.insertRun(run('m1', 0, 'running', true))).toBe(false);
    expect(await storage.insertRun({ ...run('t1', 1, 'queued'), occurrenceKey: 'm1' })).toBe(false);
    // A run keyed by time first, then a run whose id (its key) is that time's key.
    expect(await storage.insertRun({ ...run('t2', 2, 'queued'), occurrenceKey: 'k-x' })).toBe(true);
    expect(await storage.insertRun(run('k-x', 3, 'queued', true))).toBe(false);
    // Another job may hold the same key.
    expect(await storage.insertRun({ ...run('o1', 0, 'queued'), jobId: 'other', occurrenceKey: 'm1' })).toBe(
      true,
    );
    expect((await storage.listRuns({ jobId: 'j', limit: 10 })).map((r) => r.id)).toEqual(['t2', 'm1']);
    await storage.updateRun(run('m1', 0, 'succeeded', true));
    expect((await storage.getRun('m1'))?.status).toBe('succeeded');
    // Pruned, its key is free again.
    expect(await storage.pruneRuns({ jobId: 'j', keep: 0 })).toBe(1);
    expect(await storage.getRun('m1')).toBeNull();
    expect(await storage.insertRun({ ...run('t3', 4, 'queued'), occurrenceKey: 'm1' })).toBe(true);
  });
});

describe('MemoryStorage runs found by id (indexed once something looks one up)', () => {
  it('finds, lists and counts every run kept, and none pruned, after thousands of runs no one looked up', async () => {
    const storage = new MemoryStorage();
    const ran: RunStatus[] = ['succeeded', 'failed'];
    // More runs than the pending list holds before it drops pruned ones, none read by id meanwhile.
    for (let i = 0; i < 10_000; i++) {
      const id = `m${String(i).padStart(5, '0')}`;
      expect(storage.insertRunNow!(run(id, i, 'running', true))).toBe(true);
      storage.updateRunNow!(run(id, i, i % 2 === 0 ? 'succeeded' : 'failed', true));
      storage.pruneRunsNow!({ jobId: 'j', keep: 3, statuses: ran });
    }
    expect((await storage.getRun('m09999'))?.status).toBe('failed');
    expect((await storage.getRun('m09997'))?.status).toBe('failed');
    expect(await storage.getRun('m09996')).toBeNull();
    expect(await storage.getRun('m00000')).toBeNull();
    expect((await storage.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(['m09999', 'm09998', 'm09997']);
    // Indexed now: pruning takes runs out of the index too, and new runs are found as before.
    expect(storage.insertRunNow!(run('m10000', 10_000, 'succeeded', true))).toBe(true);
    expect(storage.pruneRunsNow!({ jobId: 'j', keep: 3, statuses: ran })).toBe(1);
    expect(await storage.getRun('m09997')).toBeNull();
    expect((await storage.listRuns({ limit: 10 })).map((r) => r.id)).toEqual(['m10000', 'm09999', 'm09998']);
    expect((await storage.getRun('m10000'))?.status).toBe('succeeded');
  });

  it('refuses a run again whose id is not the greatest held, and writes a run that is not among its job’s newest', async () => {
    const storage = new MemoryStorage();
    expect(storage.insertRunNow!(run('z', 0, 'running', true))).toBe(true);
    // Ids below the greatest one are looked up: 'a' is new, then held.
    expect(storage.insertRunNow!(run('a', 1, 'running', true))).toBe(true);
    expect(storage.insertRunNow!(run('a', 1, 'running', true))).toBe(false);
    expect(storage.insertRunNow!(run('z', 0, 'running', true))).toBe(false);
    // Twenty runs arrive after 'z': its finish is written through the index by id.
    for (let i = 0; i < 20; i++)
      storage.insertRunNow!(run(`b${String(i).padStart(2, '0')}`, 2 + i, 'running', true));
    storage.updateRunNow!(run('z', 0, 'succeeded', true));
    expect((await storage.getRun('z'))?.status).toBe('succeeded');
    expect(() => storage.updateRunNow!(run('z', 0, 'failed', true))).toThrow(
      expect.objectContaining({ code: 'ERR_LEASE_LOST' }),
    );
    expect(() => storage.updateRunNow!(run('y', 0, 'failed', true))).toThrow(
      expect.objectContaining({ code: 'ERR_RUN_NOT_FOUND' }),
    );
    // A job deleted with runs never looked up by id leaves none behind.
    await storage.insertJob(minimalJob('gone'));
    expect(storage.insertRunNow!({ ...run('zz', 0, 'running', true), jobId: 'gone' })).toBe(true);
    await storage.deleteJob('gone');
    expect(await storage.getRun('zz')).toBeNull();
    expect(storage.insertRunNow!({ ...run('zz', 0, 'running', true), jobId: 'gone' })).toBe(true);
  });
});
