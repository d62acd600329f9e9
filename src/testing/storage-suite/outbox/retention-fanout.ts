import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { SuiteContext } from '../context.js';
import { at, endpoint } from '../fixtures.js';
import { succeeded } from './fanout-delivered.js';
import { fanMessage } from './fanout-twins.js';
import { finish, pruneOf, storedIds } from './retention.js';

/**
 * Retention (`pruneDeliveries`) of fanned-out deliveries (`insertFanout`; skipped without it or without
 * `pruneDeliveries`): an adapter may keep them apart from other deliveries (MemoryStorage keeps those that
 * succeeded compact), yet they go in the same order and leave their message as any.
 */
export function fanoutRetentionTests(ctx: SuiteContext): void {
  describe('delivery retention (pruneDeliveries) of fanned-out deliveries', () => {
    const fanout = async (skip: () => void) => {
      const s = ctx.storage;
      if (s.insertFanout === undefined) skip();
      const prune = pruneOf(s, skip);
      for (const id of ['ep-a', 'ep-b', 'ep-c', 'ep-d']) await s.insertEndpoint(endpoint(id));
      return { s, prune };
    };
    const byEndpoint = (list: DeliveryRecord[]) => new Map(list.map((d) => [d.endpointId, d]));

    it('oldest updated first, ids in order among those updated at one instant, across fan-outs', async ({
      skip,
    }) => {
      const { s, prune } = await fanout(skip);
      const m1 = fanMessage(-10);
      const m2 = fanMessage(-5);
      await s.insertFanout!({
        message: m1,
        endpointIds: ['ep-a', 'ep-b', 'ep-c', 'ep-d'],
        nextAttemptAt: at(0),
      });
      await s.insertFanout!({ message: m2, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
      const claimed = await s.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: 60_000 });
      expect(claimed).toHaveLength(6);
      const of1 = byEndpoint(claimed.filter((d) => d.messageId === m1.id));
      const of2 = byEndpoint(claimed.filter((d) => d.messageId === m2.id));
      // m1's to ep-d stays in flight; the others finish, three of them in the same millisecond.
      for (const d of [of2.get('ep-b')!, of1.get('ep-c')!, of2.get('ep-a')!])
        await s.completeAttempt(succeeded(d, 2_000, 0));
      await finish(s, of1.get('ep-b')!, 'failed', 1_000);
      await s.completeAttempt(succeeded(of1.get('ep-a')!, 3_000, 0));
      const tied = [of1.get('ep-c')!, of2.get('ep-a')!, of2.get('ep-b')!].map((d) => d.id).sort();

      expect(await prune({ before: at(1_500) })).toBe(1);
      expect(await s.getDelivery(of1.get('ep-b')!.id)).toBeNull();
      expect(await prune({ before: at(2_500), limit: 1 })).toBe(1);
      expect(await s.getDelivery(tied[0]!)).toBeNull();
      expect(await prune({ before: at(2_500), limit: 1 })).toBe(1);
      expect(await s.getDelivery(tied[1]!)).toBeNull();
      expect(await storedIds(s)).toEqual([of1.get('ep-a')!.id, of1.get('ep-d')!.id, tied[2]!].sort());
      expect(await s.getMessage(m1.id)).toEqual(m1);
      expect(await s.getMessage(m2.id)).toEqual(m2);

      expect(await prune({ before: at(2_500) })).toBe(1);
      expect(await prune({ before: at(2_500) })).toBe(0);
      // Updated after every cutoff so far: pruned once one passes it.
      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await storedIds(s)).toEqual([of1.get('ep-d')!.id]);
      expect(await s.listAttempts(of1.get('ep-a')!.id)).toEqual([]);
      // m2 has none left; m1's delivery in flight keeps it.
      expect(await s.getMessage(m2.id)).toBeNull();
      expect(await s.getMessage(m1.id)).toEqual(m1);
      await finish(s, of1.get('ep-d')!, 'failed', 4_000);
      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getMessage(m1.id)).toBeNull();
      expect(await s.listDeliveries()).toEqual([]);
    });

    it('keeps the message while deliveries of the fan-out are still to be claimed', async ({ skip }) => {
      const { s, prune } = await fanout(skip);
      const m = fanMessage(-10);
      await s.insertFanout!({ message: m, endpointIds: ['ep-a', 'ep-b', 'ep-c'], nextAttemptAt: at(0) });
      const [first, ...none] = await s.claimDeliveries({
        now: at(0),
        limit: 1,
        instanceId: 'i',
        leaseMs: 60_000,
      });
      expect(none).toEqual([]);
      await s.completeAttempt(succeeded(first!, 1_000, 0));

      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getMessage(m.id)).toEqual(m);
      expect(await s.listDeliveries({ messageId: m.id })).toHaveLength(2);
      const rest = await s.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: 60_000 });
      expect(rest).toHaveLength(2);
      for (const d of rest) await s.completeAttempt(succeeded(d, 2_000, 0));
      expect(await prune({ before: at(5_000) })).toBe(2);
      expect(await s.getMessage(m.id)).toBeNull();
    });

    it('prunes a redelivered one by its last update, and forgets the message once the rest went with their endpoint', async ({
      skip,
    }) => {
      const { s, prune } = await fanout(skip);
      const m = fanMessage(-10);
      await s.insertFanout!({ message: m, endpointIds: ['ep-a', 'ep-b', 'ep-c'], nextAttemptAt: at(0) });
      const claimed = byEndpoint(
        await s.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: 60_000 }),
      );
      await s.completeAttempt(succeeded(claimed.get('ep-a')!, 1_000, 0));
      await s.completeAttempt(succeeded(claimed.get('ep-b')!, 1_000, 0));
      // ep-a's is redelivered (pending again), then succeeds later; ep-c's is in flight when ep-c goes.
      const a = (await s.getDelivery(claimed.get('ep-a')!.id))!;
      await s.updateDelivery({ ...a, status: 'pending', nextAttemptAt: at(2_000), updatedAt: at(2_000) });
      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getDelivery(claimed.get('ep-b')!.id)).toBeNull();
      expect((await s.getDelivery(a.id))?.status).toBe('pending');

      const [again] = await s.claimDeliveries({
        now: at(2_000),
        limit: 10,
        instanceId: 'i',
        leaseMs: 60_000,
      });
      expect(again?.id).toBe(a.id);
      await finish(s, again!, 'succeeded', 7_000, 2);
      expect(await s.deleteEndpoint('ep-c')).toBe(true);
      expect(await prune({ before: at(5_000) })).toBe(0);
      expect(await s.getMessage(m.id)).toEqual(m);
      expect(await prune({ before: at(7_001) })).toBe(1);
      expect(await s.listDeliveries()).toEqual([]);
      expect(await s.getMessage(m.id)).toBeNull();
    });
  });
}
