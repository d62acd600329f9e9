import { describe, expect, it } from 'vitest';
import type { HandlerTarget, HttpTarget } from '../../../scheduler/types.js';
import { expectCode, type SuiteContext } from '../context.js';
import { at, fullJob, minimalJob, pad, run } from '../fixtures.js';

export function jobTests(ctx: SuiteContext): void {
  describe('jobs', () => {
    it('round-trips a job with every field set, dates to the millisecond', async () => {
      const job = fullJob('job-full', { lockedBy: 'instance-x', lockedUntil: at(30_000) });
      await ctx.storage.insertJob(job);
      expect(await ctx.storage.getJob('job-full')).toEqual(job);
    });

    it('round-trips a job whose optional fields are null or empty', async () => {
      const job = minimalJob('job-min', { enabled: false, nextRunAt: null });
      await ctx.storage.insertJob(job);
      expect(await ctx.storage.getJob('job-min')).toEqual(job);
    });

    it('round-trips a handler payload, a string body and a one-off schedule', async () => {
      const handler = minimalJob('job-handler', {
        target: { handler: 'sync', payload: { ids: [1, 2], note: 'é' }, timeoutMs: 5_000 },
        schedule: { kind: 'at', at: at(60_000).toISOString() },
        catchUp: 'skip',
      });
      const text = fullJob('job-text', { target: { url: 'http://127.0.0.1:8080/', body: 'plain ✓' } });
      await ctx.storage.insertJob(handler);
      await ctx.storage.insertJob(text);
      expect(await ctx.storage.getJob('job-handler')).toEqual(handler);
      expect(await ctx.storage.getJob('job-text')).toEqual(text);
    });

    it('returns null for an unknown job', async () => {
      expect(await ctx.storage.getJob('nope')).toBeNull();
    });

    it('hands out copies: changing a returned job changes nothing stored', async () => {
      const job = fullJob('job-copy');
      await ctx.storage.insertJob(job);
      job.metadata.team = 'changed after insert';
      const got = (await ctx.storage.getJob('job-copy'))!;
      got.metadata.team = 'changed after get';
      (got.target as HttpTarget).headers!['x-team'] = 'changed';
      got.nextRunAt!.setTime(0);
      expect(await ctx.storage.getJob('job-copy')).toEqual(fullJob('job-copy'));
    });

    it('keeps jobs with the same schedule, target, retry policy and metadata independent', async () => {
      // A store may keep parts many jobs have in common once; a change to one job read back touches no other.
      const twin = (id: string) =>
        minimalJob(id, {
          schedule: { kind: 'cron', cron: '30 2 * * *', timezone: 'Europe/Berlin' },
          target: { handler: 'cleanup', payload: undefined },
        });
      await ctx.storage.insertJob(twin('job-twin-a'));
      await ctx.storage.insertJob(twin('job-twin-b'));
      const got = (await ctx.storage.getJob('job-twin-a'))!;
      (got.schedule as { cron: string }).cron = '0 0 * * *';
      (got.target as HandlerTarget).handler = 'changed';
      got.retry.attempts = 5;
      got.metadata.changed = true;
      expect(await ctx.storage.getJob('job-twin-a')).toEqual(twin('job-twin-a'));
      expect(await ctx.storage.getJob('job-twin-b')).toEqual(twin('job-twin-b'));
    });

    it('refuses a duplicate id with ERR_DUPLICATE_JOB and keeps the stored job unchanged', async () => {
      const original = fullJob('job-dup');
      await ctx.storage.insertJob(original);
      await expectCode(
        ctx.storage.insertJob(minimalJob('job-dup', { name: 'impostor' })),
        'ERR_DUPLICATE_JOB',
      );
      expect(await ctx.storage.getJob('job-dup')).toEqual(original);
      expect(await ctx.storage.listJobs()).toHaveLength(1);
    });

    it('updateJob replaces the definition but leaves the lease alone', async () => {
      await ctx.storage.insertJob(minimalJob('job-upd'));
      const [claimed] = await ctx.storage.claimDueJobs({
        now: at(0),
        limit: 1,
        instanceId: 'holder',
        leaseMs: 30_000,
      });
      expect(claimed?.lockedBy).toBe('holder');
      const changed = fullJob('job-upd', { lockedBy: null, lockedUntil: null, updatedAt: at(99) });
      await ctx.storage.updateJob(changed);
      expect(await ctx.storage.getJob('job-upd')).toEqual({
        ...changed,
        lockedBy: 'holder',
        lockedUntil: at(30_000),
      });
    });

    it('updateJob of an unknown job throws ERR_JOB_NOT_FOUND and stores nothing', async () => {
      await expectCode(ctx.storage.updateJob(minimalJob('ghost')), 'ERR_JOB_NOT_FOUND');
      expect(await ctx.storage.getJob('ghost')).toBeNull();
    });

    it('lists jobs ordered by id (code unit order), pages with after and limit, filters on enabled', async () => {
      // Upper case sorts before lower case in code unit order, whatever a database's locale says.
      const ids = ['job-b', 'job-B', 'job-a', 'job-A', 'job-c', 'job-10', 'job-2'];
      for (const [i, id] of ids.entries()) {
        await ctx.storage.insertJob(minimalJob(id, { enabled: i % 2 === 0 }));
      }
      const sorted = [...ids].sort();
      expect((await ctx.storage.listJobs()).map((j) => j.id)).toEqual(sorted);
      const page1 = await ctx.storage.listJobs({ limit: 3 });
      const page2 = await ctx.storage.listJobs({ limit: 3, after: page1.at(-1)!.id });
      const page3 = await ctx.storage.listJobs({ limit: 3, after: page2.at(-1)!.id });
      expect([...page1, ...page2, ...page3].map((j) => j.id)).toEqual(sorted);
      expect(page3).toHaveLength(1);
      const enabled = ids.filter((_, i) => i % 2 === 0).sort();
      expect((await ctx.storage.listJobs({ enabled: true })).map((j) => j.id)).toEqual(enabled);
      expect((await ctx.storage.listJobs({ enabled: false, limit: 2 })).map((j) => j.id)).toEqual(
        ids
          .filter((_, i) => i % 2 === 1)
          .sort()
          .slice(0, 2),
      );
      expect((await ctx.storage.listJobs({ after: 'job-B', enabled: true })).map((j) => j.id)).toEqual(
        enabled.filter((id) => id > 'job-B'),
      );
    });

    it('lists at most 100 jobs by default', async () => {
      for (let i = 0; i < 101; i++) await ctx.storage.insertJob(minimalJob(`job-${pad(i)}`));
      const jobs = await ctx.storage.listJobs();
      expect(jobs).toHaveLength(100);
      expect(jobs.at(-1)?.id).toBe(`job-${pad(99)}`);
    });

    it('deleteJob removes the job and its runs, and reports whether it existed', async () => {
      await ctx.storage.insertJob(minimalJob('job-del'));
      await ctx.storage.insertJob(minimalJob('job-keep'));
      await ctx.storage.insertRun(run('run-del', 'job-del'));
      await ctx.storage.insertRun(run('run-keep', 'job-keep'));
      expect(await ctx.storage.deleteJob('job-del')).toBe(true);
      expect(await ctx.storage.getJob('job-del')).toBeNull();
      expect(await ctx.storage.getRun('run-del')).toBeNull();
      expect(await ctx.storage.listRuns({ jobId: 'job-del' })).toEqual([]);
      expect(await ctx.storage.getRun('run-keep')).not.toBeNull();
      expect(await ctx.storage.deleteJob('job-del')).toBe(false);
      // The occurrence can be recorded again for a new job of the same id.
      await ctx.storage.insertJob(minimalJob('job-del'));
      expect(await ctx.storage.insertRun(run('run-del-2', 'job-del'))).toBe(true);
    });

    it('nextDueAt is the earliest next run of an enabled job, or the lease expiry of a leased one', async () => {
      expect(await ctx.storage.nextDueAt()).toBeNull();
      await ctx.storage.insertJob(minimalJob('disabled', { enabled: false, nextRunAt: at(-5_000) }));
      await ctx.storage.insertJob(minimalJob('finished', { nextRunAt: null }));
      expect(await ctx.storage.nextDueAt()).toBeNull();
      await ctx.storage.insertJob(minimalJob('later', { nextRunAt: at(60_001) }));
      await ctx.storage.insertJob(minimalJob('sooner', { nextRunAt: at(1_001) }));
      expect(await ctx.storage.nextDueAt()).toEqual(at(1_001));
      await ctx.storage.claimDueJobs({ now: at(2_000), limit: 10, instanceId: 'i', leaseMs: 30_000 });
      // 'sooner' cannot be claimed again before its lease expires, so that is when it is next due.
      expect(await ctx.storage.nextDueAt()).toEqual(at(32_000));
      await ctx.storage.updateJob(minimalJob('later', { nextRunAt: at(500) }));
      expect(await ctx.storage.nextDueAt()).toEqual(at(500));
      await ctx.storage.updateJob(minimalJob('later', { enabled: false }));
      expect(await ctx.storage.nextDueAt()).toEqual(at(32_000));
    });
  });
}
