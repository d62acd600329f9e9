import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';
import { at, delivery, endpoint, fullJob, message, run } from './fixtures.js';

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
