import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../scheduler/types.js';
import type { Storage } from '../../../storage/types.js';
import { expectCode, type SuiteContext } from '../context.js';
import { activeRun, at, minimalJob, pad, run } from '../fixtures.js';

const LEASE = 30_000;

/**
 * `insertRunNow`, `updateRunNow` and `pruneRunsNow` are optional (storage holding runs in process): these tests
 * are reported as skipped for an adapter without them. What they hold them to: each does and answers exactly
 * what its async twin does, before it returns, and throws what the twin rejects with.
 */
export function runWriteNowTests(ctx: SuiteContext): void {
  describe('run writes done before they return (insertRunNow, updateRunNow, pruneRunsNow)', () => {
    const storageWith = (member: 'insertRunNow' | 'updateRunNow' | 'pruneRunsNow', skip: () => void) => {
      const storage: Storage = ctx.storage;
      if (storage[member] === undefined) skip();
      return storage;
    };

    it('insertRunNow stores what insertRun stores, and refuses an occurrence already recorded either way', async ({
      skip,
    }) => {
      const storage = storageWith('insertRunNow', skip);
      await storage.insertJob(minimalJob('j'));
      const now = run('r-now', 'j', { occurrenceKey: 'k-now' });
      const inserted = storage.insertRunNow!(now);
      expect(inserted).toBe(true);
      expect(await storage.getRun('r-now')).toEqual(now);
      // Keyed by its own id, as a manual run is.
      const manual = activeRun('r-manual', 'j', at(LEASE), { occurrenceKey: 'r-manual', trigger: 'manual' });
      expect(storage.insertRunNow!(manual)).toBe(true);
      expect(await storage.getRun('r-manual')).toEqual(manual);

      await storage.insertRun(run('r-async', 'j', { occurrenceKey: 'k-async' }));
      expect(storage.insertRunNow!(run('r-dup1', 'j', { occurrenceKey: 'k-async', status: 'failed' }))).toBe(
        false,
      );
      expect(storage.insertRunNow!(run('r-dup2', 'j', { occurrenceKey: 'r-manual' }))).toBe(false);
      expect(await storage.insertRun(run('r-dup3', 'j', { occurrenceKey: 'k-now' }))).toBe(false);
      for (const id of ['r-dup1', 'r-dup2', 'r-dup3']) expect(await storage.getRun(id)).toBeNull();
      expect(await storage.getRun('r-now')).toEqual(now);
    });

    it('updateRunNow replaces the state as updateRun does, and throws what it rejects with (ERR_RUN_NOT_FOUND, ERR_LEASE_LOST)', async ({
      skip,
    }) => {
      const storage = storageWith('updateRunNow', skip);
      await storage.insertJob(minimalJob('j'));
      const running = activeRun('r', 'j', at(LEASE), { occurrenceKey: 'k', instanceId: 'a', attempts: 1 });
      await storage.insertRun(running);
      const done = {
        ...running,
        status: 'failed' as const,
        occurrenceKey: 'changed',
        attempts: 3,
        lockedUntil: null,
      };
      expect(storage.updateRunNow!(done)).toBeUndefined();
      expect(await storage.getRun('r')).toEqual({ ...done, occurrenceKey: 'k' });
      const throwsCode = (write: () => void, code: string) =>
        expect(write).toThrow(expect.objectContaining({ name: 'CronhookError', code }));
      throwsCode(() => storage.updateRunNow!(run('ghost', 'j')), 'ERR_RUN_NOT_FOUND');
      expect(await storage.getRun('ghost')).toBeNull();
      // Fenced as updateRun is: a finished run is not written again, nor a run another instance holds.
      throwsCode(() => storage.updateRunNow!({ ...done, status: 'succeeded' }), 'ERR_LEASE_LOST');
      await expectCode(storage.updateRun({ ...done, status: 'succeeded' }), 'ERR_LEASE_LOST');
      await storage.insertRun(activeRun('r2', 'j', at(LEASE), { occurrenceKey: 'k2', instanceId: 'b' }));
      throwsCode(
        () =>
          storage.updateRunNow!(activeRun('r2', 'j', at(LEASE), { occurrenceKey: 'k2', instanceId: 'a' })),
        'ERR_LEASE_LOST',
      );
      expect(await storage.getRun('r')).toEqual({ ...done, occurrenceKey: 'k' });
      expect((await storage.getRun('r2'))?.instanceId).toBe('b');
    });

    it('pruneRunsNow deletes and counts what pruneRuns does, statuses included', async ({ skip }) => {
      const storage = storageWith('pruneRunsNow', skip);
      const statuses: RunStatus[] = ['succeeded', 'failed', 'skipped', 'missed', 'running', 'queued'];
      // Two jobs with the same history: one pruned by pruneRuns, the other by pruneRunsNow.
      for (const jobId of ['a', 'b']) {
        await storage.insertJob(minimalJob(jobId));
        for (let i = 0; i < 12; i++) {
          await storage.insertRun(
            run(`${jobId}-${pad(i)}`, jobId, {
              scheduledAt: at(i * 1000),
              occurrenceKey: `o${i}`,
              status: statuses[i % statuses.length]!,
            }),
          );
        }
      }
      const ids = async (jobId: string) =>
        (await storage.listRuns({ jobId, limit: 100 })).map((r) => r.id.slice(2));
      const ran: RunStatus[] = ['succeeded', 'failed'];
      expect(storage.pruneRunsNow!({ jobId: 'b', keep: 2, statuses: ran })).toBe(
        await storage.pruneRuns({ jobId: 'a', keep: 2, statuses: ran }),
      );
      expect(await ids('b')).toEqual(await ids('a'));
      expect(storage.pruneRunsNow!({ jobId: 'b', keep: 1 })).toBe(
        await storage.pruneRuns({ jobId: 'a', keep: 1 }),
      );
      expect(await ids('b')).toEqual(await ids('a'));
      // Runs in flight stay with the newest finished one, and nothing is left to prune a second time.
      expect((await storage.listRuns({ jobId: 'b', limit: 100 })).map((r) => r.status).sort()).toEqual([
        'missed',
        'queued',
        'queued',
        'running',
        'running',
      ]);
      expect(storage.pruneRunsNow!({ jobId: 'b', keep: 1 })).toBe(0);
      expect(storage.pruneRunsNow!({ jobId: 'no-such-job', keep: 0 })).toBe(0);
    });
  });
}
