import { describe, expect, it } from 'vitest';
import type { RunRecord, Storage } from '../../../storage/types.js';
import { expectCode, type SuiteContext } from '../context.js';
import { activeRun, at, minimalJob } from '../fixtures.js';
import { runRequest } from './run-requests.js';

const LEASE = 30_000;

/**
 * `updateRun` is fenced by the run's holder (required of every adapter): an instance paused past a run's lease
 * cannot overwrite what the instance that took the run over recorded, nor rewrite a finished run.
 */
export function fencedRunWriteTests(ctx: SuiteContext): void {
  describe('fenced run writes (updateRun)', () => {
    /** Stores run `id` of job `j`, running on instance `a` (its first attempt) under a lease until `until`. */
    const runningOnA = async (storage: Storage, id: string, until = at(LEASE)): Promise<RunRecord> => {
      const started = activeRun(id, 'j', until, { occurrenceKey: id, instanceId: 'a', attempts: 1 });
      await storage.insertRun(started);
      return started;
    };

    it('rejects the late write of an instance whose run was taken over, changing nothing', async () => {
      const { storage } = ctx;
      await storage.insertJob(minimalJob('j'));
      const onA = await runningOnA(storage, 'r');
      const [onB] = await storage.claimExpiredRuns({
        now: at(LEASE + 1),
        limit: 1,
        instanceId: 'b',
        leaseMs: LEASE,
      });
      expect(onB?.id).toBe('r');
      const lateSuccess: RunRecord = {
        ...onA,
        status: 'succeeded',
        finishedAt: at(LEASE + 2),
        lockedUntil: null,
      };
      await expectCode(storage.updateRun(lateSuccess), 'ERR_LEASE_LOST');
      expect(await storage.getRun('r')).toEqual(onB);
      // The holder records its outcome; the old one still cannot overwrite it, nor a later write of its own.
      const failed: RunRecord = {
        ...onB!,
        status: 'failed',
        finishedAt: at(LEASE + 3),
        error: { code: 'ERR_LEASE_EXPIRED', message: 'stopped renewing' },
        lockedUntil: null,
      };
      await storage.updateRun(failed);
      await expectCode(storage.updateRun(lateSuccess), 'ERR_LEASE_LOST');
      await expectCode(storage.updateRun({ ...onA, attempts: 2 }), 'ERR_LEASE_LOST');
      expect(await storage.getRun('r')).toEqual(failed);
    });

    it('never writes a finished run again, even for the instance that finished it', async () => {
      const { storage } = ctx;
      await storage.insertJob(minimalJob('j'));
      const onA = await runningOnA(storage, 'r');
      const done: RunRecord = {
        ...onA,
        status: 'succeeded',
        finishedAt: at(5),
        durationMs: 5,
        lockedUntil: null,
      };
      await storage.updateRun(done);
      await expectCode(storage.updateRun({ ...done, status: 'failed' }), 'ERR_LEASE_LOST');
      await expectCode(storage.updateRun({ ...onA, lockedUntil: at(2 * LEASE) }), 'ERR_LEASE_LOST');
      expect(await storage.getRun('r')).toEqual(done);
      // An unknown run is still reported as such.
      await expectCode(storage.updateRun({ ...onA, id: 'ghost' }), 'ERR_RUN_NOT_FOUND');
    });

    it('writes made at once are fenced each on its own: refused, written, and unknown runs side by side', async () => {
      const { storage } = ctx;
      await storage.insertJob(minimalJob('j'));
      // The leases of r0, r2 and r4 run out first: b takes them over.
      const runs: RunRecord[] = [];
      for (let i = 0; i < 6; i++) runs.push(await runningOnA(storage, `r${i}`, at(i % 2 === 0 ? 1 : LEASE)));
      const taken = await storage.claimExpiredRuns({
        now: at(2),
        limit: 10,
        instanceId: 'b',
        leaseMs: LEASE,
      });
      expect(taken.map((r) => r.id).sort()).toEqual(['r0', 'r2', 'r4']);
      const finished = (r: RunRecord): RunRecord => ({
        ...r,
        status: 'succeeded',
        finishedAt: at(3),
        lockedUntil: null,
      });
      const results = await Promise.allSettled([
        ...runs.map((r) => storage.updateRun(finished(r))),
        storage.updateRun(finished({ ...runs[0]!, id: 'ghost' })),
      ]);
      const codes = results.map((r) =>
        r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code,
      );
      expect(codes).toEqual([
        'ERR_LEASE_LOST',
        'ok',
        'ERR_LEASE_LOST',
        'ok',
        'ERR_LEASE_LOST',
        'ok',
        'ERR_RUN_NOT_FOUND',
      ]);
      for (const [i, r] of runs.entries()) {
        const stored = await storage.getRun(r.id);
        if (i % 2 === 0) expect(stored).toMatchObject({ status: 'running', instanceId: 'b' });
        else expect(stored).toEqual(finished(r));
      }
    });

    it('lets the instance that took a run request write it, and no other', async ({ skip }) => {
      const { storage } = ctx;
      if (storage.claimRunRequests === undefined) return skip();
      await storage.insertJob(minimalJob('j'));
      await storage.insertRun(runRequest('req', 'j', at(LEASE)));
      const options = { now: at(1), limit: 1, instanceId: 'b', leaseMs: LEASE, handlers: ['cleanup'] };
      const { taken } = await storage.claimRunRequests(options);
      expect(taken.map((r) => r.id)).toEqual(['req']);
      const request = taken[0]!;
      const started: RunRecord = { ...request, status: 'running', startedAt: at(2), attempts: 1 };
      await expectCode(storage.updateRun({ ...started, instanceId: 'a' }), 'ERR_LEASE_LOST');
      await expectCode(storage.updateRun({ ...started, instanceId: null }), 'ERR_LEASE_LOST');
      await storage.updateRun(started);
      expect(await storage.getRun('req')).toEqual(started);
    });

    it('renewRunLeases resolves with the ids of the runs it renewed (skipped when the adapter does not say)', async ({
      skip,
    }) => {
      const { storage } = ctx;
      await storage.insertJob(minimalJob('j'));
      await runningOnA(storage, 'mine');
      await runningOnA(storage, 'taken', at(1));
      await storage.insertRun(
        activeRun('theirs', 'j', at(LEASE), { occurrenceKey: 'theirs', instanceId: 'b' }),
      );
      const done = await runningOnA(storage, 'done');
      await storage.updateRun({ ...done, status: 'succeeded', finishedAt: at(5), lockedUntil: null });
      expect(
        await storage.claimExpiredRuns({ now: at(2), limit: 10, instanceId: 'b', leaseMs: LEASE }),
      ).toHaveLength(1);
      const until = at(2 * LEASE);
      const runIds = ['mine', 'taken', 'theirs', 'done', 'ghost'];
      const renewed = await storage.renewRunLeases({ instanceId: 'a', runIds, until });
      if (renewed === undefined) return skip();
      expect([...renewed].sort()).toEqual(['mine']);
      expect((await storage.getRun('mine'))?.lockedUntil).toEqual(until);
      expect((await storage.getRun('taken'))?.lockedUntil).toEqual(at(2 + LEASE));
    });
  });
}
