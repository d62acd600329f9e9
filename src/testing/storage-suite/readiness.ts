import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';
import { at, delivery, endpoint, fullJob, message, minimalJob, run } from './fixtures.js';

// A storage made ready to use: migrate() (every adapter) and ready() (the optional first-use step).

export function migrateTests(ctx: SuiteContext): void {
  describe('migrate', () => {
    it('leaves a fresh database empty and ready', async () => {
      expect(await ctx.storage.listJobs()).toEqual([]);
      expect(await ctx.storage.listRuns()).toEqual([]);
      expect(await ctx.storage.listEndpoints()).toEqual([]);
      expect(await ctx.storage.listDeliveries()).toEqual([]);
      expect(await ctx.storage.nextDueAt()).toBeNull();
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
    });

    it('is idempotent on an existing database, also when called several times at once', async () => {
      const job = fullJob('j');
      await ctx.storage.insertJob(job);
      await ctx.storage.insertRun(run('r', 'j'));
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
      await ctx.storage.migrate();
      await Promise.all([ctx.storage.migrate(), ctx.storage.migrate(), ctx.storage.migrate()]);
      expect(await ctx.storage.getJob('j')).toEqual(job);
      expect(await ctx.storage.getRun('r')).toEqual(run('r', 'j'));
      expect(await ctx.storage.getEndpoint('ep')).toEqual(endpoint('ep'));
      expect(await ctx.storage.getDelivery('d')).toEqual(delivery('d', 'm', 'ep'));
      // Constraints survive a second migration: the occurrence is still unique.
      expect(await ctx.storage.insertRun(run('r-2', 'j'))).toBe(false);
      expect(await ctx.storage.nextDueAt()).toEqual(at(0));
    });
  });
}

/**
 * `ready` is optional (storage that prepares itself on first use): these tests are reported as skipped for an
 * adapter without it, whose users call `migrate()` (the scheduler and notifier do at start).
 */
export function readinessTests(ctx: SuiteContext): void {
  describe('first use (ready)', () => {
    it('ready() resolves on a migrated storage, again and from several callers at once', async ({ skip }) => {
      if (ctx.storage.ready === undefined) skip();
      await ctx.storage.ready!();
      await Promise.all([ctx.storage.ready!(), ctx.storage.ready!(), ctx.storage.ready!()]);
      await ctx.storage.insertJob(minimalJob('j'));
      expect((await ctx.storage.listJobs()).map((j) => j.id)).toEqual(['j']);
    });

    it('a fresh storage used without migrate() by several callers at once prepares itself once, or says to migrate', async ({
      skip,
    }) => {
      const fresh = await ctx.fresh();
      if (fresh.ready === undefined) skip();
      const ready = () => fresh.ready!();
      const first = await Promise.allSettled([
        fresh.insertJob(minimalJob('a')),
        fresh.insertJob(minimalJob('b')),
        fresh.insertEndpoint(endpoint('ep')),
        fresh.getJob('a'),
        ready(),
      ]);
      if (first.some((r) => r.status === 'rejected')) {
        // An adapter told not to change the schema: every call says what to do, none stores anything.
        for (const result of first) {
          expect(result).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SCHEMA_OUTDATED' } });
        }
        await fresh.migrate();
        await ready();
        await fresh.insertJob(minimalJob('a'));
        await fresh.insertJob(minimalJob('b'));
      }
      expect((await fresh.listJobs()).map((j) => j.id)).toEqual(['a', 'b']);
      await fresh.migrate(); // still a no-op afterwards
      expect((await fresh.listJobs()).map((j) => j.id)).toEqual(['a', 'b']);
    });
  });
}
