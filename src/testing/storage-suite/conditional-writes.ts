import { describe, expect, it } from 'vitest';
import type { JobRecord, JobScheduleState, Storage } from '../../storage/types.js';
import type { SuiteContext } from './context.js';
import { at, attempt, delivery, endpoint, fullJob, message } from './fixtures.js';

/**
 * `replaceJob` and `replaceEndpoint` are optional (upserts from several instances use them to apply a change
 * once): these tests are reported as skipped for an adapter without them. Each replaces the record only while
 * its stored `updatedAt` is still the one the caller read.
 */
export function conditionalWriteTests(ctx: SuiteContext): void {
  describe('conditional writes (replaceJob, replaceEndpoint)', () => {
    const storageWith = (method: 'replaceJob' | 'replaceEndpoint', skip: () => void): Storage => {
      if (ctx.storage[method] === undefined) skip();
      return ctx.storage;
    };

    it('replaceJob replaces the definition only while updatedAt is the one read, leaving the lease', async ({
      skip,
    }) => {
      const storage = storageWith('replaceJob', skip);
      const stored = fullJob('j', { lockedBy: 'claimer', lockedUntil: at(30_000) });
      await storage.insertJob(stored);
      const changed = fullJob('j', {
        name: 'renamed',
        schedule: { kind: 'every', everyMs: 90_000, anchor: at(50).toISOString() },
        target: { handler: 'other', payload: [1, 'two'] },
        enabled: false,
        updatedAt: at(50),
        nextRunAt: at(90_050),
        runCount: 43,
      });
      expect(await storage.replaceJob!(changed, at(-1))).toBe(false);
      expect(await storage.getJob('j')).toEqual(stored);
      expect(await storage.replaceJob!(changed, stored.updatedAt)).toBe(true);
      expect(await storage.getJob('j')).toEqual({ ...changed, lockedBy: 'claimer', lockedUntil: at(30_000) });
      // Read before the replacement: stale now.
      expect(await storage.replaceJob!(fullJob('j', { updatedAt: at(60) }), stored.updatedAt)).toBe(false);
      expect((await storage.getJob('j'))?.name).toBe('renamed');
      expect(await storage.replaceJob!(fullJob('ghost'), at(-7))).toBe(false);
      expect(await storage.getJob('ghost')).toBeNull();
    });

    it('replaceJob with the schedule state read refuses a job claimed or advanced since, whose updatedAt is the same', async ({
      skip,
    }) => {
      const storage = storageWith('replaceJob', skip);
      const read = fullJob('j');
      await storage.insertJob(read);
      const change = (name: string, from = read) => ({ ...from, name, updatedAt: at(10) });
      const state = (job: JobRecord): JobScheduleState => ({
        nextRunAt: job.nextRunAt,
        runCount: job.runCount,
        lockedBy: job.lockedBy,
        lockedUntil: job.lockedUntil,
      });
      // Claimed since the read: the lease differs.
      const [claimed] = await storage.claimDueJobs({
        now: at(0),
        limit: 1,
        instanceId: 'a',
        leaseMs: 30_000,
      });
      expect(claimed?.id).toBe('j');
      expect(await storage.replaceJob!(change('after the claim'), read.updatedAt, state(read))).toBe(false);
      // The claim's own read still matches: the write goes through and leaves the lease.
      expect(await storage.replaceJob!(change('while claimed'), read.updatedAt, state(claimed!))).toBe(true);
      const changed = (await storage.getJob('j'))!;
      expect(changed).toMatchObject({ name: 'while claimed', lockedBy: 'a', lockedUntil: at(30_000) });
      // Advanced since: the next run, run count and lease have moved on, updatedAt has not.
      await storage.advanceJob({
        jobId: 'j',
        instanceId: 'a',
        nextRunAt: at(300_000),
        runCount: 43,
        runs: [],
      });
      const advanced = (await storage.getJob('j'))!;
      expect(advanced.updatedAt).toEqual(changed.updatedAt);
      expect(await storage.replaceJob!(change('after the advance'), changed.updatedAt, state(changed))).toBe(
        false,
      );
      expect(await storage.getJob('j')).toEqual(advanced);
      // Read again, it goes through; a state no job has (null dates included) never matches.
      const stale = { ...state(advanced), nextRunAt: null };
      expect(await storage.replaceJob!(change('stale'), advanced.updatedAt, stale)).toBe(false);
      const again = change('read again', advanced);
      expect(await storage.replaceJob!(again, advanced.updatedAt, state(advanced))).toBe(true);
      expect(await storage.getJob('j')).toEqual(again);
    });

    it('replaceJob lets exactly one of 10 concurrent writers that read the same job through', async ({
      skip,
    }) => {
      const storage = storageWith('replaceJob', skip);
      await storage.insertJob(fullJob('j'));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.replaceJob!(fullJob('j', { name: `writer ${i}`, updatedAt: at(100) }), at(-7)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await storage.getJob('j'))?.name).toBe(`writer ${results.indexOf(true)}`);
    });

    it('replaceEndpoint replaces the endpoint only while updatedAt is the one read', async ({ skip }) => {
      const storage = storageWith('replaceEndpoint', skip);
      const stored = endpoint('ep');
      await storage.insertEndpoint(stored);
      const changed = endpoint('ep', { url: 'https://other.example/in', topics: ['*'], updatedAt: at(50) });
      expect(await storage.replaceEndpoint!(changed, at(4))).toBe(false);
      expect(await storage.getEndpoint('ep')).toEqual(stored);
      expect(await storage.replaceEndpoint!(changed, stored.updatedAt)).toBe(true);
      expect(await storage.getEndpoint('ep')).toEqual(changed);
      expect(await storage.replaceEndpoint!(endpoint('ep', { updatedAt: at(60) }), stored.updatedAt)).toBe(
        false,
      );
      expect(await storage.replaceEndpoint!(endpoint('ghost'), at(5))).toBe(false);
      expect(await storage.getEndpoint('ghost')).toBeNull();
    });

    it('replaceEndpoint holds back the deliveries of an endpoint it disables, and releases them when it enables it', async ({
      skip,
    }) => {
      const storage = storageWith('replaceEndpoint', skip);
      await storage.insertEndpoint(endpoint('ep'));
      await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      const claim = (instanceId: string) =>
        storage.claimDeliveries({ now: at(10), limit: 10, instanceId, leaseMs: 1_000 });
      const disabled = endpoint('ep', {
        enabled: false,
        disabledReason: 'manual',
        disabledAt: at(6),
        updatedAt: at(6),
      });
      expect(await storage.replaceEndpoint!(disabled, at(5))).toBe(true);
      expect(await claim('a')).toEqual([]);
      expect(await storage.nextDeliveryAt()).toBeNull();
      expect(await storage.replaceEndpoint!(endpoint('ep', { updatedAt: at(7) }), at(6))).toBe(true);
      expect((await claim('b')).map((d) => d.id)).toEqual(['d']);
    });

    it("replaceEndpoint refuses a change read before an attempt's outcome stamped from an older copy in the same millisecond", async ({
      skip,
    }) => {
      const storage = storageWith('replaceEndpoint', skip);
      await storage.insertEndpoint(endpoint('ep'));
      await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      // An attempt is made with the endpoint as stored (updatedAt 5)...
      const [claimed] = await storage.claimDeliveries({
        now: at(10),
        limit: 1,
        instanceId: 'a',
        leaseMs: 1_000,
      });
      const copy = (await storage.getEndpoint('ep'))!;
      // ...while a change is written in millisecond 10, and another change reads what it wrote.
      const changed = endpoint('ep', { description: 'changed', updatedAt: at(10) });
      expect(await storage.replaceEndpoint!(changed, copy.updatedAt)).toBe(true);
      const read = (await storage.getEndpoint('ep'))!;
      // The attempt's answer (410 Gone) disables the endpoint, stamped from its copy: millisecond 10 too.
      await storage.completeAttempt({
        delivery: { ...claimed!, status: 'failed', attempts: 1, nextAttemptAt: null },
        attempt: attempt('a-1', 'd', { startedAt: at(10), statusCode: 410 }),
        endpoint: { id: 'ep', enabled: false, disabledReason: 'gone', disabledAt: at(10), updatedAt: at(10) },
      });
      const outcome = (await storage.getEndpoint('ep'))!;
      expect(outcome).toMatchObject({ description: 'changed', enabled: false, disabledReason: 'gone' });
      expect(outcome.updatedAt.getTime()).toBeGreaterThan(read.updatedAt.getTime());
      // The change read before the outcome would enable the endpoint again: refused, so it reads again.
      expect(
        await storage.replaceEndpoint!({ ...read, topics: ['job.*'], updatedAt: at(11) }, read.updatedAt),
      ).toBe(false);
      expect(await storage.getEndpoint('ep')).toEqual(outcome);
      // An outcome stamped from an even older copy never moves updatedAt back.
      await storage.completeAttempt({
        delivery: { ...claimed!, status: 'failed', attempts: 2, nextAttemptAt: null },
        attempt: attempt('a-2', 'd', { attempt: 2, startedAt: at(10) }),
        endpoint: { id: 'ep', failingSince: at(10), updatedAt: at(6) },
      });
      expect((await storage.getEndpoint('ep'))!.updatedAt.getTime()).toBeGreaterThan(
        outcome.updatedAt.getTime(),
      );
    });

    it('replaceEndpoint lets exactly one of 10 concurrent writers that read the same endpoint through', async ({
      skip,
    }) => {
      const storage = storageWith('replaceEndpoint', skip);
      await storage.insertEndpoint(endpoint('ep'));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          storage.replaceEndpoint!(endpoint('ep', { description: `writer ${i}`, updatedAt: at(100) }), at(5)),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await storage.getEndpoint('ep'))?.description).toBe(`writer ${results.indexOf(true)}`);
    });
  });
}
