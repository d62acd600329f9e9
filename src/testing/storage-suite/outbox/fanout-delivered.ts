import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { SuiteContext } from '../context.js';
import { at, attempt, endpoint } from '../fixtures.js';
import { FanoutTwins, fanMessage, ids } from './fanout-twins.js';

/**
 * The outcome the notifier stores for an attempt that succeeded: the record says what the attempt did (its
 * start, its status code), updated when it ended (`durationMs` later). A first attempt that succeeded is what
 * MemoryStorage keeps compact for a fanned-out delivery.
 */
export function succeeded(
  d: DeliveryRecord,
  startMs: number,
  durationMs: number,
  attemptNo = 1,
  trigger = 'auto',
) {
  return {
    delivery: {
      ...d,
      status: 'succeeded' as const,
      attempts: attemptNo,
      nextAttemptAt: null,
      lastAttemptAt: at(startMs),
      lastStatusCode: 200,
      lastError: null,
      updatedAt: at(startMs + durationMs),
      lockedBy: null,
      lockedUntil: null,
    },
    attempt: attempt(`att-${d.id}-${attemptNo}`, d.id, {
      attempt: attemptNo,
      trigger: trigger as 'auto',
      startedAt: at(startMs),
      durationMs,
      statusCode: 200,
      error: null,
      responseHeaders: { 'content-type': 'text/plain' },
      responseSnippet: 'ok',
    }),
  };
}

/**
 * `insertFanout` (optional, skipped without it): fanned-out deliveries that succeeded at their first attempt,
 * most of a delivery log (an adapter may keep them in a form of their own, as MemoryStorage does), read and
 * are written to exactly as stored ones.
 */
export function fanoutDeliveredTests(ctx: SuiteContext): void {
  describe('fanning a message out (insertFanout): deliveries that succeeded', () => {
    it('read as stored ones, through every read, a redelivery, deleting an endpoint and pruning', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const m = fanMessage(-10);
      await t.fanout(m, ['ep-a', 'ep-b', 'ep-c'], at(0));
      const [a, b, c] = await t.claim(0);
      for (const s of [t.fan, t.ref]) {
        await s.completeAttempt(succeeded(a!, 5, 3));
        await s.completeAttempt(succeeded(b!, 6, 0));
      }
      for (const d of [a!, b!, c!]) {
        await t.same((s) => s.getDelivery(d.id));
        await t.same((s) => s.listAttempts(d.id));
      }
      expect(await t.same((s) => s.getDelivery(a!.id))).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        lastAttemptAt: at(5),
        lastStatusCode: 200,
        updatedAt: at(8),
        createdAt: at(-10),
      });
      expect(ids(await t.same((s) => s.listDeliveries({ status: 'succeeded' })))).toHaveLength(2);
      await t.same((s) => s.listDeliveries({ endpointId: 'ep-b' }));
      await t.same((s) => s.listDeliveries({ messageId: m.id, topic: m.topic }));
      if (t.fan.stats) await t.same((s) => s.stats!({ now: at(10) }));
      // A redelivery: pending again, then a second attempt, kept with the first.
      const stored = (await t.fan.getDelivery(a!.id))!;
      for (const s of [t.fan, t.ref])
        await s.updateDelivery({ ...stored, status: 'pending', nextAttemptAt: at(100), updatedAt: at(50) });
      const [again, ...more] = await t.claim(100);
      expect([again!.id, more]).toEqual([a!.id, []]);
      for (const s of [t.fan, t.ref]) await s.completeAttempt(succeeded(again!, 120, 1, 2, 'redeliver'));
      expect(await t.same((s) => s.listAttempts(a!.id))).toHaveLength(2);
      await t.same((s) => s.getDelivery(a!.id));
      // Deleting an endpoint takes its pending deliveries, not the ones that succeeded.
      expect(await t.same((s) => s.deleteEndpoint('ep-b'))).toBe(true);
      expect(await t.same((s) => s.getDelivery(b!.id))).toMatchObject({ status: 'succeeded' });
      if (t.fan.pruneDeliveries === undefined) return;
      expect(await t.same((s) => s.pruneDeliveries!({ before: at(10_000) }))).toBe(2);
      expect(await t.same((s) => s.getDelivery(b!.id))).toBeNull();
      await t.same((s) => s.listAttempts(b!.id));
      expect(await t.same((s) => s.getMessage(m.id))).toEqual(m);
    });
  });
}
