import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message, pad } from '../fixtures.js';

type Prune = NonNullable<Storage['pruneDeliveries']>;

/** A delivery that has finished (`status`) at `updatedAtMs`, with one recorded attempt. */
async function finish(
  storage: Storage,
  record: DeliveryRecord,
  status: 'succeeded' | 'failed',
  updatedAtMs: number,
) {
  await storage.completeAttempt({
    delivery: { ...record, status, attempts: 1, nextAttemptAt: null, updatedAt: at(updatedAtMs) },
    attempt: attempt(`att-${record.id}`, record.id, { statusCode: status === 'succeeded' ? 200 : 500 }),
  });
}

/**
 * `pruneDeliveries` is optional: these tests are reported as skipped for an adapter without it (the storage
 * only exists inside a test, so the check cannot happen at registration).
 */
export function deliveryRetentionTests(ctx: SuiteContext): void {
  describe('delivery retention (pruneDeliveries)', () => {
    const pruneOf = (skip: () => void): Prune => {
      const storage = ctx.storage;
      if (storage.pruneDeliveries === undefined) skip();
      return (input) => storage.pruneDeliveries!(input);
    };

    it('deletes finished deliveries updated before the cutoff with their attempts and orphaned messages', async ({
      skip,
    }) => {
      const prune = pruneOf(skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep'));
      const ok = delivery('d-ok', 'm-old', 'ep');
      const failed = delivery('d-failed', 'm-old', 'ep');
      const pending = delivery('d-pending', 'm-pending', 'ep', { updatedAt: at(-60_000) });
      const recent = delivery('d-recent', 'm-recent', 'ep');
      const edge = delivery('d-edge', 'm-edge', 'ep');
      await s.insertMessage({ message: message('m-old'), deliveries: [ok, failed] });
      await s.insertMessage({ message: message('m-pending'), deliveries: [pending] });
      await s.insertMessage({ message: message('m-recent'), deliveries: [recent] });
      await s.insertMessage({ message: message('m-edge'), deliveries: [edge] });
      await finish(s, ok, 'succeeded', 1_000);
      await finish(s, failed, 'failed', 2_000);
      await finish(s, recent, 'succeeded', 10_000);
      await finish(s, edge, 'failed', 5_000);

      expect(await prune({ before: at(5_000) })).toBe(2);

      expect(await s.getDelivery('d-ok')).toBeNull();
      expect(await s.getDelivery('d-failed')).toBeNull();
      expect(await s.listAttempts('d-ok')).toEqual([]);
      expect(await s.listAttempts('d-failed')).toEqual([]);
      expect(await s.getMessage('m-old')).toBeNull();
      // Pending (however old), recent, and updated exactly at the cutoff: all kept, attempts too.
      expect(await s.getDelivery('d-pending')).toEqual(pending);
      expect((await s.getDelivery('d-recent'))?.status).toBe('succeeded');
      expect((await s.getDelivery('d-edge'))?.status).toBe('failed');
      expect(await s.listAttempts('d-recent')).toHaveLength(1);
      expect(await s.listAttempts('d-edge')).toHaveLength(1);
      for (const id of ['m-pending', 'm-recent', 'm-edge']) expect(await s.getMessage(id)).not.toBeNull();
      expect((await s.listDeliveries()).map((d) => d.id).sort()).toEqual(['d-edge', 'd-pending', 'd-recent']);
      // The pending one is still claimable.
      const claimed = await s.claimDeliveries({ now: at(0), limit: 5, instanceId: 'i', leaseMs: 1_000 });
      expect(claimed.map((d) => d.id)).toEqual(['d-pending']);
    });

    it('keeps a message while another delivery still refers to it', async ({ skip }) => {
      const prune = pruneOf(skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep-1'));
      await s.insertEndpoint(endpoint('ep-2'));
      const done = delivery('d-done', 'm-shared', 'ep-1');
      const waiting = delivery('d-waiting', 'm-shared', 'ep-2');
      await s.insertMessage({ message: message('m-shared'), deliveries: [done, waiting] });
      await finish(s, done, 'succeeded', 1_000);

      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getDelivery('d-done')).toBeNull();
      expect(await s.getMessage('m-shared')).toEqual(message('m-shared'));
      expect(await s.getDelivery('d-waiting')).toEqual(waiting);

      // Once the last delivery has finished and aged too, the message goes with it.
      await finish(s, waiting, 'failed', 2_000);
      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getMessage('m-shared')).toBeNull();
    });

    it('deletes at most `limit`, oldest updated first, and returns 0 when nothing is due', async ({
      skip,
    }) => {
      const prune = pruneOf(skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep'));
      // Inserted newest first, so the order pruned comes from updatedAt, not insertion.
      for (const n of [5, 4, 3, 2, 1]) {
        const d = delivery(`d-${pad(n)}`, `m-${pad(n)}`, 'ep');
        await s.insertMessage({ message: message(`m-${pad(n)}`), deliveries: [d] });
        await finish(s, d, 'succeeded', n * 1_000);
      }

      expect(await prune({ before: at(60_000), limit: 2 })).toBe(2);
      expect((await s.listDeliveries()).map((d) => d.id).sort()).toEqual(['d-0003', 'd-0004', 'd-0005']);
      expect(await s.getMessage('m-0001')).toBeNull();
      expect(await s.getMessage('m-0003')).not.toBeNull();

      expect(await prune({ before: at(60_000) })).toBe(3);
      expect(await s.listDeliveries()).toEqual([]);
      expect(await prune({ before: at(60_000) })).toBe(0);
    });
  });
}
