import { describe, expect, it } from 'vitest';
import { claimConcurrently, expectCode, type SuiteContext } from '../context.js';
import { at, minimalJob, pad, run } from '../fixtures.js';

const LEASE = 30_000;

export function jobClaimTests(ctx: SuiteContext): void {
  describe('claiming due jobs', () => {
    const claim = (nowOffset: number, instanceId = 'a', limit = 10) =>
      ctx.storage.claimDueJobs({ now: at(nowOffset), limit, instanceId, leaseMs: LEASE });

    it('leases due, enabled jobs earliest first, up to the limit', async () => {
      await ctx.storage.insertJob(minimalJob('j-late', { nextRunAt: at(-1_000) }));
      await ctx.storage.insertJob(minimalJob('j-early', { nextRunAt: at(-3_000) }));
      await ctx.storage.insertJob(minimalJob('j-mid', { nextRunAt: at(-2_000) }));
      await ctx.storage.insertJob(minimalJob('j-now', { nextRunAt: at(0) }));
      await ctx.storage.insertJob(minimalJob('j-future', { nextRunAt: at(1) }));
      await ctx.storage.insertJob(minimalJob('j-off', { nextRunAt: at(-9_000), enabled: false }));
      await ctx.storage.insertJob(minimalJob('j-done', { nextRunAt: null }));

      const first = await claim(0, 'a', 2);
      expect(first.map((j) => j.id)).toEqual(['j-early', 'j-mid']);
      for (const job of first) {
        expect(job.lockedBy).toBe('a');
        expect(job.lockedUntil).toEqual(at(LEASE));
      }
      expect(await ctx.storage.getJob('j-early')).toMatchObject({ lockedBy: 'a', lockedUntil: at(LEASE) });
      expect((await claim(0, 'b')).map((j) => j.id)).toEqual(['j-late', 'j-now']);
      expect(await claim(0, 'c')).toEqual([]);
      expect((await ctx.storage.getJob('j-future'))?.lockedBy).toBeNull();
    });

    it('a leased job is claimable again only after its lease expires', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      expect(await claim(0, 'a')).toHaveLength(1);
      expect(await claim(LEASE - 1, 'b')).toEqual([]);
      const [taken] = await claim(LEASE + 1, 'b');
      expect(taken).toMatchObject({ id: 'j', lockedBy: 'b', lockedUntil: at(2 * LEASE + 1) });
    });

    it('gives each of 500 due jobs to exactly one of 20 concurrent claimers', async () => {
      for (let i = 0; i < 500; i++) {
        await ctx.storage.insertJob(minimalJob(`job-${pad(i)}`, { nextRunAt: at(-i) }));
      }
      const { ids } = await claimConcurrently(20, (instanceId) => claim(0, instanceId, 7));
      expect(ids).toHaveLength(500);
      expect(new Set(ids).size).toBe(500);
      expect(await claim(0, 'late')).toEqual([]);
    });

    it('advanceJob records the runs, moves the job on and releases the lease', async () => {
      await ctx.storage.insertJob(minimalJob('j', { runCount: 4 }));
      await claim(0, 'a');
      const runs = [
        run('r-missed', 'j', { status: 'missed', scheduledAt: at(-60_000), instanceId: null }),
        run('r-queued', 'j', { status: 'queued', scheduledAt: at(0), startedAt: null, finishedAt: null }),
      ];
      const inserted = await ctx.storage.advanceJob({
        jobId: 'j',
        instanceId: 'a',
        nextRunAt: at(60_000),
        runCount: 6,
        runs,
      });
      expect(inserted).toEqual(runs);
      expect(await ctx.storage.getJob('j')).toMatchObject({
        nextRunAt: at(60_000),
        runCount: 6,
        enabled: true,
        lockedBy: null,
        lockedUntil: null,
      });
      expect(await ctx.storage.getRun('r-queued')).toEqual(runs[1]);
      // Released: due again as soon as its next run comes, with no lease to wait out.
      expect(await ctx.storage.nextDueAt()).toEqual(at(60_000));
      expect(await claim(60_000, 'b')).toHaveLength(1);
    });

    it('advanceJob can end a job: no next run, disabled', async () => {
      await ctx.storage.insertJob(minimalJob('once'));
      await claim(0, 'a');
      await ctx.storage.advanceJob({
        jobId: 'once',
        instanceId: 'a',
        nextRunAt: null,
        runCount: 1,
        runs: [],
        enabled: false,
      });
      expect(await ctx.storage.getJob('once')).toMatchObject({
        nextRunAt: null,
        enabled: false,
        lockedBy: null,
      });
      expect(await ctx.storage.nextDueAt()).toBeNull();
    });

    it('advanceJob inserts each (jobId, occurrenceKey) once, however often it is advanced', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      await ctx.storage.insertJob(minimalJob('other'));
      await claim(0, 'a');
      const first = run('r-1', 'j', { occurrenceKey: 'occ-1' });
      const advance = (runs = [first]) =>
        ctx.storage.advanceJob({ jobId: 'j', instanceId: 'a', nextRunAt: at(0), runCount: 1, runs });
      expect(await advance()).toHaveLength(1);
      await claim(0, 'a');
      const again = run('r-1-again', 'j', { occurrenceKey: 'occ-1', status: 'failed' });
      const next = run('r-2', 'j', { occurrenceKey: 'occ-2', scheduledAt: at(1) });
      expect(await advance([again, next])).toEqual([next]);
      expect(await ctx.storage.getRun('r-1-again')).toBeNull();
      expect(await ctx.storage.getRun('r-1')).toEqual(first);
      expect((await ctx.storage.listRuns({ jobId: 'j' })).map((r) => r.id)).toEqual(['r-2', 'r-1']);
      // The key is unique per job only.
      expect(await ctx.storage.insertRun(run('r-other', 'other', { occurrenceKey: 'occ-1' }))).toBe(true);
    });

    it('advanceJob throws ERR_LEASE_LOST for an instance that does not hold the job, changing nothing', async () => {
      await ctx.storage.insertJob(minimalJob('j'));
      const input = (instanceId: string) => ({
        jobId: 'j',
        instanceId,
        nextRunAt: at(60_000),
        runCount: 1,
        runs: [run(`r-${instanceId}`, 'j')],
      });
      await expectCode(ctx.storage.advanceJob(input('a')), 'ERR_LEASE_LOST');
      await claim(0, 'a');
      await expectCode(ctx.storage.advanceJob(input('b')), 'ERR_LEASE_LOST');
      // a's lease expires and b takes the job over: a's late advance must not count.
      await claim(LEASE + 1, 'b');
      await expectCode(ctx.storage.advanceJob(input('a')), 'ERR_LEASE_LOST');
      expect(await ctx.storage.getJob('j')).toMatchObject({ nextRunAt: at(0), runCount: 0, lockedBy: 'b' });
      expect(await ctx.storage.listRuns()).toEqual([]);
      await expectCode(ctx.storage.advanceJob({ ...input('a'), jobId: 'missing' }), 'ERR_LEASE_LOST');
      expect(await ctx.storage.advanceJob(input('b'))).toHaveLength(1);
    });
  });
}
