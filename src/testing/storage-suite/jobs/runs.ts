import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../../scheduler/types.js';
import type { RunRecord } from '../../../storage/types.js';
import { claimConcurrently, expectCode, type SuiteContext } from '../context.js';
import { activeRun, at, minimalJob, pad, run } from '../fixtures.js';

const LEASE = 30_000;

export function runTests(ctx: SuiteContext): void {
  describe('runs', () => {
    it('round-trips runs with every field set and with nulls', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      const full = run('r-full', 'j', { trigger: 'catch-up', lockedUntil: at(LEASE) });
      const bare = run('r-bare', 'j', {
        trigger: 'manual',
        status: 'queued',
        scheduledAt: at(1),
        occurrenceKey: 'manual:r-bare',
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        attempts: 0,
        statusCode: null,
        error: null,
        responseSnippet: null,
        instanceId: null,
      });
      expect(await ctx.storage.insertRun(full)).toBe(true);
      expect(await ctx.storage.insertRun(bare)).toBe(true);
      expect(await ctx.storage.getRun('r-full')).toEqual(full);
      expect(await ctx.storage.getRun('r-bare')).toEqual(bare);
      expect(await ctx.storage.getRun('nope')).toBeNull();
    });

    it('insertRun returns false and changes nothing when the occurrence is already recorded', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      const original = run('r-1', 'j', { occurrenceKey: 'k' });
      await ctx.storage.insertRun(original);
      expect(await ctx.storage.insertRun(run('r-2', 'j', { occurrenceKey: 'k', status: 'failed' }))).toBe(
        false,
      );
      expect(await ctx.storage.getRun('r-2')).toBeNull();
      expect(await ctx.storage.getRun('r-1')).toEqual(original);
    });

    it('updateRun replaces the state but keeps the occurrence key; unknown runs throw ERR_RUN_NOT_FOUND', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      const queued = activeRun('r', 'j', at(LEASE), { status: 'queued', occurrenceKey: 'k' });
      await ctx.storage.insertRun(queued);
      const done = run('r', 'j', {
        status: 'failed',
        occurrenceKey: 'changed',
        attempts: 3,
        lockedUntil: null,
      });
      await ctx.storage.updateRun(done);
      expect(await ctx.storage.getRun('r')).toEqual({ ...done, occurrenceKey: 'k' });
      expect(await ctx.storage.insertRun(run('r-dup', 'j', { occurrenceKey: 'k' }))).toBe(false);
      await expectCode(ctx.storage.updateRun(run('ghost', 'j')), 'ERR_RUN_NOT_FOUND');
      expect(await ctx.storage.getRun('ghost')).toBeNull();
    });

    it('lists runs newest first by (scheduledAt, id), pages with before, filters by job and status', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      await ctx.storage.insertJob(minimalJob('k'));
      const statuses = ['succeeded', 'failed', 'missed', 'skipped'] as const;
      const runs: RunRecord[] = [];
      for (let i = 0; i < 12; i++) {
        // Pairs share a scheduledAt, so the id breaks the tie.
        const r = run(`r-${pad(i)}`, i % 3 === 0 ? 'k' : 'j', {
          scheduledAt: at(Math.floor(i / 2) * 1_000),
          occurrenceKey: `occ-${i}`,
          status: statuses[i % 4]!,
        });
        runs.push(r);
      }
      for (const r of [...runs].reverse()) await ctx.storage.insertRun(r);
      const newest = [...runs].reverse();
      expect(await ctx.storage.listRuns()).toEqual(newest);
      const page1 = await ctx.storage.listRuns({ limit: 5 });
      const last = page1.at(-1)!;
      const page2 = await ctx.storage.listRuns({
        limit: 5,
        before: { scheduledAt: last.scheduledAt, id: last.id },
      });
      expect([...page1, ...page2]).toEqual(newest.slice(0, 10));
      expect((await ctx.storage.listRuns({ jobId: 'k' })).map((r) => r.id)).toEqual(
        newest.filter((r) => r.jobId === 'k').map((r) => r.id),
      );
      expect(
        (await ctx.storage.listRuns({ jobId: 'j', statuses: ['failed', 'missed'] })).map((r) => r.id),
      ).toEqual(
        newest
          .filter((r) => r.jobId === 'j' && (r.status === 'failed' || r.status === 'missed'))
          .map((r) => r.id),
      );
      expect(await ctx.storage.listRuns({ jobId: 'none' })).toEqual([]);
    });

    it('lists at most 50 runs by default', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      for (let i = 0; i < 51; i++) {
        await ctx.storage.insertRun(run(`r-${pad(i)}`, 'j', { scheduledAt: at(i), occurrenceKey: `o${i}` }));
      }
      const runs = await ctx.storage.listRuns({ jobId: 'j' });
      expect(runs).toHaveLength(50);
      expect(runs[0]?.id).toBe(`r-${pad(50)}`);
    });

    it('renewRunLeases extends only the given instance’s runs in flight', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      await ctx.storage.insertRun(activeRun('mine', 'j', at(LEASE), { occurrenceKey: '1', instanceId: 'a' }));
      await ctx.storage.insertRun(
        activeRun('theirs', 'j', at(LEASE), { occurrenceKey: '2', instanceId: 'b' }),
      );
      await ctx.storage.insertRun(
        run('done', 'j', { occurrenceKey: '3', instanceId: 'a', lockedUntil: null }),
      );
      await ctx.storage.renewRunLeases({
        instanceId: 'a',
        runIds: ['mine', 'theirs', 'done', 'gone'],
        until: at(90_000),
      });
      expect((await ctx.storage.getRun('mine'))?.lockedUntil).toEqual(at(90_000));
      expect((await ctx.storage.getRun('theirs'))?.lockedUntil).toEqual(at(LEASE));
      expect((await ctx.storage.getRun('done'))?.lockedUntil).toBeNull();
      const taken = await ctx.storage.claimExpiredRuns({
        now: at(LEASE + 1),
        limit: 10,
        instanceId: 'c',
        leaseMs: LEASE,
      });
      expect(taken.map((r) => r.id)).toEqual(['theirs']);
    });

    it('claimExpiredRuns takes over runs in flight whose lease expired, not before, and not finished ones', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      await ctx.storage.insertRun(
        activeRun('running', 'j', at(LEASE), { occurrenceKey: '1', instanceId: 'dead' }),
      );
      await ctx.storage.insertRun(
        activeRun('queued', 'j', at(LEASE), { occurrenceKey: '2', status: 'queued', instanceId: 'dead' }),
      );
      await ctx.storage.insertRun(run('finished', 'j', { occurrenceKey: '3', lockedUntil: at(0) }));
      const claim = (offset: number, instanceId: string) =>
        ctx.storage.claimExpiredRuns({ now: at(offset), limit: 10, instanceId, leaseMs: LEASE });
      expect(await claim(LEASE - 1, 'x')).toEqual([]);
      const taken = await claim(LEASE + 1, 'x');
      expect(taken.map((r) => r.id).sort()).toEqual(['queued', 'running']);
      for (const r of taken) expect(r).toMatchObject({ instanceId: 'x', lockedUntil: at(2 * LEASE + 1) });
      expect(await ctx.storage.getRun('running')).toMatchObject({
        instanceId: 'x',
        lockedUntil: at(2 * LEASE + 1),
      });
      expect(await claim(LEASE + 2, 'y')).toEqual([]);
      expect(await claim(2 * LEASE + 2, 'y')).toHaveLength(2);
    });

    it('gives each expired run to exactly one of 10 concurrent claimers', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      for (let i = 0; i < 100; i++) {
        await ctx.storage.insertRun(
          activeRun(`r-${pad(i)}`, 'j', at(i), { occurrenceKey: `o${i}`, instanceId: 'dead' }),
        );
      }
      const { ids } = await claimConcurrently(10, (instanceId) =>
        ctx.storage.claimExpiredRuns({ now: at(LEASE), limit: 3, instanceId, leaseMs: LEASE }),
      );
      expect(ids).toHaveLength(100);
      expect(new Set(ids).size).toBe(100);
    });

    it('pruneRuns keeps the newest finished runs of a job and every run in flight', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      await ctx.storage.insertJob(minimalJob('k'));
      for (let i = 0; i < 10; i++) {
        await ctx.storage.insertRun(
          run(`f-${pad(i)}`, 'j', { scheduledAt: at(i * 1_000), occurrenceKey: `f${i}` }),
        );
      }
      await ctx.storage.insertRun(
        activeRun('old-active', 'j', at(LEASE), { scheduledAt: at(-5_000), occurrenceKey: 'a' }),
      );
      await ctx.storage.insertRun(run('other-job', 'k', { scheduledAt: at(-9_000), occurrenceKey: 'x' }));
      expect(await ctx.storage.pruneRuns({ jobId: 'j', keep: 3 })).toBe(7);
      expect((await ctx.storage.listRuns({ jobId: 'j' })).map((r) => r.id)).toEqual([
        `f-${pad(9)}`,
        `f-${pad(8)}`,
        `f-${pad(7)}`,
        'old-active',
      ]);
      expect(await ctx.storage.getRun('other-job')).not.toBeNull();
      expect(await ctx.storage.pruneRuns({ jobId: 'j', keep: 3 })).toBe(0);
      expect(await ctx.storage.pruneRuns({ jobId: 'none', keep: 0 })).toBe(0);
      // A pruned occurrence may be recorded again (its key is free).
      expect(await ctx.storage.insertRun(run('f-again', 'j', { occurrenceKey: 'f0' }))).toBe(true);
    });

    it('pruneRuns with statuses counts and deletes only finished runs with those statuses', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      // Oldest first: two real runs, then five occurrences that did not run, then two more real runs.
      const statuses = [
        'succeeded',
        'failed',
        'missed',
        'skipped',
        'missed',
        'missed',
        'skipped',
        'failed',
        'succeeded',
      ];
      for (const [i, status] of statuses.entries()) {
        await ctx.storage.insertRun(
          run(`r-${pad(i)}`, 'j', {
            scheduledAt: at(i * 1_000),
            occurrenceKey: `o${i}`,
            status: status as RunStatus,
          }),
        );
      }
      await ctx.storage.insertRun(
        activeRun('in-flight', 'j', at(LEASE), { scheduledAt: at(-5_000), occurrenceKey: 'a' }),
      );
      // Three real runs kept: the missed and skipped rows are neither counted nor deleted.
      expect(await ctx.storage.pruneRuns({ jobId: 'j', keep: 3, statuses: ['succeeded', 'failed'] })).toBe(1);
      // Apart from them, two of the occurrences that did not run are kept.
      expect(await ctx.storage.pruneRuns({ jobId: 'j', keep: 2, statuses: ['missed', 'skipped'] })).toBe(3);
      expect(
        (await ctx.storage.listRuns({ jobId: 'j', limit: 20 })).map((r) => `${r.id} ${r.status}`),
      ).toEqual([
        `r-${pad(8)} succeeded`,
        `r-${pad(7)} failed`,
        `r-${pad(6)} skipped`,
        `r-${pad(5)} missed`,
        `r-${pad(1)} failed`,
        'in-flight running',
      ]);
      // In-flight statuses are never pruned, even when named.
      expect(await ctx.storage.pruneRuns({ jobId: 'j', keep: 0, statuses: ['queued', 'running'] })).toBe(0);
      expect(await ctx.storage.getRun('in-flight')).not.toBeNull();
    });
  });
}
