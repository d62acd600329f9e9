import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, minimalJob, run } from '../fixtures.js';

const LEASE = 30_000;

/**
 * A job updated while one of its occurrences is claimed (another instance, the CLI, the dashboard): the
 * claim's `advanceJob` must not write back the schedule state it computed from the old definition.
 */
export function jobClaimUpdateTests(ctx: SuiteContext): void {
  describe('updating a job while it is claimed', () => {
    /** Job `j` (every minute, due at 0) claimed by instance 'a'; returns the job as claimed. */
    const claimed = async (overrides: Partial<JobRecord> = {}): Promise<JobRecord> => {
      await ctx.storage.insertJob(minimalJob('j', { updatedAt: at(-5_000), ...overrides }));
      const [job] = await ctx.storage.claimDueJobs({ now: at(0), limit: 1, instanceId: 'a', leaseMs: LEASE });
      expect(job?.id).toBe('j');
      return job!;
    };
    /** The advance the claim of `job` would make from its old definition: one run, next due in a minute. */
    const advance = (job: JobRecord) =>
      ctx.storage.advanceJob({
        jobId: 'j',
        instanceId: 'a',
        nextRunAt: at(60_000),
        runCount: job.runCount + 1,
        runs: [run('r-0', 'j', { status: 'queued', scheduledAt: at(0), startedAt: null, finishedAt: null })],
        claimedUpdatedAt: job.updatedAt,
      });

    it('a schedule changed during the claim keeps its next run; the claimed run is recorded once', async () => {
      const job = await claimed({ runCount: 3 });
      // Now every 10 s, next due at 10 s (as the scheduler computes it from the new definition).
      await ctx.storage.updateJob({
        ...job,
        schedule: { kind: 'every', everyMs: 10_000, anchor: at(0).toISOString() },
        updatedAt: at(1),
        nextRunAt: at(10_000),
      });
      const inserted = await advance(job);
      expect(inserted.map((r) => r.id)).toEqual(['r-0']);
      expect(await ctx.storage.getJob('j')).toMatchObject({
        schedule: { kind: 'every', everyMs: 10_000 },
        nextRunAt: at(10_000),
        runCount: 4,
        enabled: true,
        updatedAt: at(1),
        lockedBy: null,
        lockedUntil: null,
      });
      expect(await ctx.storage.nextDueAt()).toEqual(at(10_000));
      // Due again at the update's time, not the old schedule's; the claimed occurrence is not claimed again.
      const again = await ctx.storage.claimDueJobs({
        now: at(10_000),
        limit: 1,
        instanceId: 'b',
        leaseMs: LEASE,
      });
      expect(again.map((j) => j.nextRunAt)).toEqual([at(10_000)]);
      expect((await ctx.storage.listRuns({ jobId: 'j' })).map((r) => r.id)).toEqual(['r-0']);
    });

    it('a job paused during the claim stays paused, its next run as the pause left it', async () => {
      const job = await claimed();
      await ctx.storage.updateJob({ ...job, enabled: false, updatedAt: at(1) });
      expect(await advance(job)).toHaveLength(1);
      expect(await ctx.storage.getJob('j')).toMatchObject({
        enabled: false,
        nextRunAt: at(0),
        runCount: 1,
        lockedBy: null,
      });
      expect(await ctx.storage.nextDueAt()).toBeNull();
      expect(
        await ctx.storage.claimDueJobs({ now: at(120_000), limit: 1, instanceId: 'b', leaseMs: LEASE }),
      ).toEqual([]);
    });

    it('an advance asked to end the job leaves a job updated meanwhile as the update set it', async () => {
      const job = await claimed({ schedule: { kind: 'at', at: at(0).toISOString() } });
      // The one-off job is moved to a later instant while its first instant is claimed.
      await ctx.storage.updateJob({
        ...job,
        schedule: { kind: 'at', at: at(90_000).toISOString() },
        updatedAt: at(1),
        nextRunAt: at(90_000),
      });
      await ctx.storage.advanceJob({
        jobId: 'j',
        instanceId: 'a',
        nextRunAt: null,
        runCount: 1,
        runs: [],
        enabled: false,
        claimedUpdatedAt: job.updatedAt,
      });
      expect(await ctx.storage.getJob('j')).toMatchObject({
        enabled: true,
        nextRunAt: at(90_000),
        lockedBy: null,
      });
    });

    it('a job not updated since its claim is advanced as computed', async () => {
      const job = await claimed();
      await advance(job);
      expect(await ctx.storage.getJob('j')).toMatchObject({
        nextRunAt: at(60_000),
        runCount: 1,
        lockedBy: null,
      });
      await ctx.storage.claimDueJobs({ now: at(60_000), limit: 1, instanceId: 'a', leaseMs: LEASE });
      await ctx.storage.advanceJob({
        jobId: 'j',
        instanceId: 'a',
        nextRunAt: null,
        runCount: 2,
        runs: [],
        enabled: false,
        claimedUpdatedAt: job.updatedAt,
      });
      expect(await ctx.storage.getJob('j')).toMatchObject({ nextRunAt: null, enabled: false });
    });
  });
}
