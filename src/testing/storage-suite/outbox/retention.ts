import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message, pad } from '../fixtures.js';

/** A delivery that has finished (`status`) at `updatedAtMs`, with one more recorded attempt (its `attemptNo`th). */
export async function finish(
  storage: Storage,
  record: DeliveryRecord,
  status: 'succeeded' | 'failed',
  updatedAtMs: number,
  attemptNo = 1,
) {
  await storage.completeAttempt({
    delivery: { ...record, status, attempts: attemptNo, nextAttemptAt: null, updatedAt: at(updatedAtMs) },
    attempt: attempt(`att-${record.id}-${attemptNo}`, record.id, {
      attempt: attemptNo,
      statusCode: status === 'succeeded' ? 200 : 500,
    }),
  });
}

export type Prune = NonNullable<Storage['pruneDeliveries']>;

/** Prunes `storage`, or reports the test as skipped when the adapter has no `pruneDeliveries`. */
export function pruneOf(storage: Storage, skip: () => void): Prune {
  if (storage.pruneDeliveries === undefined) skip();
  return (input) => storage.pruneDeliveries!(input);
}

/** The ids of the stored deliveries, sorted. */
export async function storedIds(storage: Storage): Promise<string[]> {
  return (await storage.listDeliveries()).map((d) => d.id).sort();
}

/**
 * `pruneDeliveries` is optional: these tests are reported as skipped for an adapter without it (the storage
 * only exists inside a test, so the check cannot happen at registration).
 */
export function deliveryRetentionTests(ctx: SuiteContext): void {
  describe('delivery retention (pruneDeliveries)', () => {
    it('deletes finished deliveries updated before the cutoff with their attempts and orphaned messages', async ({
      skip,
    }) => {
      const prune = pruneOf(ctx.storage, skip);
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
      const prune = pruneOf(ctx.storage, skip);
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
      const prune = pruneOf(ctx.storage, skip);
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

    it('goes by the updatedAt stored last: finished out of order, at one instant (ids in order), or updated again', async ({
      skip,
    }) => {
      const prune = pruneOf(ctx.storage, skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep'));
      const d = (id: string) => delivery(id, `m-${id}`, 'ep');
      for (const id of ['late', 'early', 'tie-b', 'tie-a', 'tie-c', 'moved-on', 'moved-back'])
        await s.insertMessage({ message: message(`m-${id}`), deliveries: [d(id)] });
      // A clock that went back: finished later, yet updated before the one finished first.
      await finish(s, d('late'), 'succeeded', 5_000);
      await finish(s, d('early'), 'failed', 1_000);
      // Three updated in the same millisecond, finished in no id order.
      for (const id of ['tie-b', 'tie-a', 'tie-c']) await finish(s, d(id), 'succeeded', 2_000);
      // Finished, then written again (as failed, or back in time): the updatedAt of the last write counts.
      await finish(s, d('moved-on'), 'failed', 500);
      const movedOn = (await s.getDelivery('moved-on'))!;
      await s.updateDelivery({ ...movedOn, updatedAt: at(9_000) });
      await finish(s, d('moved-back'), 'failed', 8_000);
      const movedBack = (await s.getDelivery('moved-back'))!;
      await s.updateDelivery({ ...movedBack, updatedAt: at(1_500) });

      expect(await prune({ before: at(6_000), limit: 1 })).toBe(1);
      expect(await s.getDelivery('early')).toBeNull();
      expect(await prune({ before: at(6_000), limit: 2 })).toBe(2);
      expect(await storedIds(s)).toEqual(['late', 'moved-on', 'tie-b', 'tie-c']);
      expect(await s.getMessage('m-moved-back')).toBeNull();
      expect(await prune({ before: at(6_000), limit: 1 })).toBe(1);
      expect(await storedIds(s)).toEqual(['late', 'moved-on', 'tie-c']);
      expect(await prune({ before: at(6_000) })).toBe(2);
      expect(await storedIds(s)).toEqual(['moved-on']);
      expect(await s.getMessage('m-moved-on')).not.toBeNull();
      expect(await prune({ before: at(9_001) })).toBe(1);
      expect(await s.getMessage('m-moved-on')).toBeNull();
    });

    it('keeps a redelivered delivery while it is pending, and prunes it by its new updatedAt once it finished again', async ({
      skip,
    }) => {
      const prune = pruneOf(ctx.storage, skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep'));
      const again = delivery('d-again', 'm', 'ep');
      const done = delivery('d-done', 'm', 'ep');
      await s.insertMessage({ message: message('m'), deliveries: [again, done] });
      await finish(s, again, 'failed', 1_000);
      await finish(s, done, 'succeeded', 2_000);
      // A redelivery: pending again, its updatedAt still before the cutoff.
      const failed = (await s.getDelivery('d-again'))!;
      await s.updateDelivery({
        ...failed,
        status: 'pending',
        nextAttemptAt: at(3_000),
        updatedAt: at(3_000),
      });

      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.getDelivery('d-done')).toBeNull();
      expect((await s.getDelivery('d-again'))?.status).toBe('pending');
      expect(await s.getMessage('m')).not.toBeNull();
      expect(await s.listAttempts('d-again')).toHaveLength(1);

      const [claimed] = await s.claimDeliveries({
        now: at(3_000),
        limit: 1,
        instanceId: 'i',
        leaseMs: 1_000,
      });
      expect(claimed?.id).toBe('d-again');
      await finish(s, claimed!, 'succeeded', 8_000, 2);
      expect(await prune({ before: at(5_000) })).toBe(0);
      expect(await s.listAttempts('d-again')).toHaveLength(2);
      expect(await prune({ before: at(8_001) })).toBe(1);
      expect(await s.listAttempts('d-again')).toEqual([]);
      expect(await s.getMessage('m')).toBeNull();
    });

    it('forgets a message whose other deliveries were deleted with their endpoint', async ({ skip }) => {
      const prune = pruneOf(ctx.storage, skip);
      const s = ctx.storage;
      await s.insertEndpoint(endpoint('ep-kept'));
      await s.insertEndpoint(endpoint('ep-gone'));
      const done = delivery('d-done', 'm', 'ep-kept');
      const waiting = delivery('d-waiting', 'm', 'ep-gone');
      const other = delivery('d-other', 'm', 'ep-gone');
      await s.insertMessage({ message: message('m'), deliveries: [done, waiting, other] });
      await finish(s, done, 'succeeded', 1_000);
      expect(await s.deleteEndpoint('ep-gone')).toBe(true);

      expect(await prune({ before: at(5_000) })).toBe(1);
      expect(await s.listDeliveries()).toEqual([]);
      expect(await s.getMessage('m')).toBeNull();
    });
  });
}
