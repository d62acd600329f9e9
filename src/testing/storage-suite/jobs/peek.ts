import { describe, expect, it } from 'vitest';
import type { HttpTarget } from '../../../scheduler/types.js';
import type { JobRecord, Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, fullJob, minimalJob } from '../fixtures.js';

type Peek = (id: string) => Readonly<JobRecord> | null;

/**
 * `peekJob` is optional (storage holding jobs in process): these tests are reported as skipped for an
 * adapter without it. What they hold it to: it answers as `getJob` does, right away, and a record it handed
 * out is never changed afterwards, while every write shows in the next peek.
 */
export function jobPeekTests(ctx: SuiteContext): void {
  describe('reading a job without a copy (peekJob)', () => {
    const peekOf = (skip: () => void): Peek => {
      const storage: Storage = ctx.storage;
      if (storage.peekJob === undefined) skip();
      return (id) => storage.peekJob!(id);
    };

    it('returns what getJob returns, without a promise, and null for an unknown job', async ({ skip }) => {
      const peek = peekOf(skip);
      const job = fullJob('peek-full');
      await ctx.storage.insertJob(job);
      const peeked = peek('peek-full');
      expect(peeked).not.toBeInstanceOf(Promise);
      expect(peeked).toEqual(await ctx.storage.getJob('peek-full'));
      expect(peeked).toEqual(job);
      expect(peek('nope')).toBeNull();
    });

    it('leaves a record handed out as it was while the job is claimed, advanced and updated', async ({
      skip,
    }) => {
      const peek = peekOf(skip);
      await ctx.storage.insertJob(minimalJob('peek-w', { nextRunAt: at(0) }));
      const before = structuredClone(peek('peek-w'));
      const first = peek('peek-w')!;

      await ctx.storage.claimDueJobs({ now: at(0), limit: 1, instanceId: 'holder', leaseMs: 30_000 });
      const claimed = peek('peek-w')!;
      expect(claimed).toEqual(await ctx.storage.getJob('peek-w'));
      expect(claimed.lockedBy).toBe('holder');

      await ctx.storage.advanceJob({
        jobId: 'peek-w',
        instanceId: 'holder',
        nextRunAt: at(60_000),
        runCount: 1,
        runs: [],
      });
      const advanced = peek('peek-w')!;
      expect(advanced).toEqual(await ctx.storage.getJob('peek-w'));
      expect(advanced).toMatchObject({ nextRunAt: at(60_000), runCount: 1, lockedBy: null });

      await ctx.storage.updateJob(fullJob('peek-w', { name: 'renamed' }));
      expect(peek('peek-w')).toEqual(await ctx.storage.getJob('peek-w'));
      expect(peek('peek-w')?.name).toBe('renamed');

      expect(first).toEqual(before);
      expect(claimed.lockedBy).toBe('holder');
      expect(advanced.name).toBeNull();
    });

    it('is not reached by changes to the records given to insertJob or returned by getJob', async ({
      skip,
    }) => {
      const peek = peekOf(skip);
      const job = fullJob('peek-copy');
      await ctx.storage.insertJob(job);
      (job.target as HttpTarget).headers!['x-team'] = 'changed after insert';
      const got = (await ctx.storage.getJob('peek-copy'))!;
      got.metadata.team = 'changed after get';
      got.createdAt.setTime(0);
      expect(peek('peek-copy')).toEqual(fullJob('peek-copy'));
    });

    it('reflects a deleted job at once', async ({ skip }) => {
      const peek = peekOf(skip);
      await ctx.storage.insertJob(minimalJob('peek-del'));
      expect(peek('peek-del')).not.toBeNull();
      await ctx.storage.deleteJob('peek-del');
      expect(peek('peek-del')).toBeNull();
    });
  });
}
