import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { Storage } from '../../../storage/types.js';
import { claimConcurrently, expectCode, type SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message } from '../fixtures.js';
import { FanoutTwins, fanMessage, ids, LEASE } from './fanout-twins.js';

/** The delivery after one attempt that finished at `offsetMs` (`succeeded`, or `failed` for good). */
export function finished(d: DeliveryRecord, status: 'succeeded' | 'failed', offsetMs: number) {
  return {
    delivery: {
      ...d,
      status,
      attempts: 1,
      nextAttemptAt: null,
      lastAttemptAt: at(offsetMs),
      updatedAt: at(offsetMs),
    },
    attempt: attempt(`att-${d.id}`, d.id, {
      startedAt: at(offsetMs),
      statusCode: status === 'succeeded' ? 200 : 500,
    }),
  };
}

/**
 * `insertFanout` (optional, skipped without it), continued from fanout.ts: claims, the writes that follow
 * them, deleting endpoints and pruning see fanned-out deliveries exactly as stored ones; several claimers get
 * each once; another instance on the same store sees a fan-out (with the suite's `reopen` option).
 */
export function fanoutClaimTests(ctx: SuiteContext): void {
  describe('fanning a message out (insertFanout): claims and writes', () => {
    it('claims fanned-out deliveries once due, oldest due first, up to the limit, leased', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const later = fanMessage(-300);
      const sooner = fanMessage(-200);
      await t.fanout(later, ['ep-a', 'ep-b', 'ep-c'], at(100));
      await t.fanout(sooner, ['ep-b', 'ep-c'], at(-100));
      expect(ids(await t.claim(-101))).toEqual([]);
      const first = await t.claim(0, 10, 'a');
      expect(ids(first)).toEqual([fanoutDeliveryId(sooner.id, 0), fanoutDeliveryId(sooner.id, 1)]);
      for (const d of first)
        expect(d).toMatchObject({ lockedBy: 'a', lockedUntil: at(LEASE), status: 'pending' });
      await t.same((s) => s.getDelivery(first[0]!.id));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(100));
      // A limit that cuts the deliveries due together: the rest come with the next claim.
      const two = await t.fan.claimDeliveries({ now: at(100), limit: 2, instanceId: 'b', leaseMs: LEASE });
      const rest = await t.fan.claimDeliveries({ now: at(100), limit: 10, instanceId: 'c', leaseMs: LEASE });
      expect(two).toHaveLength(2);
      expect([...ids(two), ...ids(rest)].sort()).toEqual([0, 1, 2].map((i) => fanoutDeliveryId(later.id, i)));
      expect(
        await t.fan.claimDeliveries({ now: at(100), limit: 10, instanceId: 'd', leaseMs: LEASE }),
      ).toEqual([]);
      // Leases expire as for any delivery.
      const again = await t.fan.claimDeliveries({
        now: at(LEASE + 1),
        limit: 10,
        instanceId: 'e',
        leaseMs: LEASE,
      });
      expect(ids(again).sort()).toEqual(ids(first));
    });

    it('claims stored and fanned-out deliveries together, oldest due first', async ({ skip }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      for (let i = 0; i < 6; i++) {
        const due = at(i * 10 - (i % 2) * 35); // due times out of insertion order
        if (i % 2 === 0) await t.fanout(fanMessage(i), ['ep-a', 'ep-b'], due);
        else {
          const m = message(`m-plain-${i}`, { createdAt: at(i) });
          await t.insertMessage(m, [delivery(`d-plain-${i}`, m.id, 'ep-a', { nextAttemptAt: due })]);
        }
      }
      // Limits that cut deliveries due together: which of them come first is the adapter's choice.
      const claimed: DeliveryRecord[] = [];
      for (let n = 0; n < 4; n++) {
        const options = { now: at(100), limit: 3, instanceId: `c-${n}`, leaseMs: LEASE };
        claimed.push(...(await t.fan.claimDeliveries(options)));
      }
      const dues = claimed.map((d) => d.nextAttemptAt!.getTime());
      expect(dues).toEqual([...dues].sort((a, b) => a - b));
      const all = await t.ref.claimDeliveries({ now: at(100), limit: 100, instanceId: 'r', leaseMs: LEASE });
      expect(ids(claimed).sort()).toEqual(ids(all).sort());
      expect(claimed).toHaveLength(9);
      expect(
        await t.fan.claimDeliveries({ now: at(100), limit: 9, instanceId: 'x', leaseMs: LEASE }),
      ).toEqual([]);
    });

    it('leaves fanned-out deliveries to disabled or excluded endpoints unclaimed until they take them', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      const failing = { enabled: false, disabledReason: 'failing' as const, disabledAt: at(0) };
      const paused = { enabled: false, disabledReason: 'manual' as const, disabledAt: at(0) };
      await t.endpoints(
        endpoint('ep-on'),
        endpoint('ep-failing', failing),
        endpoint('ep-paused', paused),
        endpoint('ep-busy'),
      );
      const m = fanMessage(0);
      await t.fanout(m, ['ep-failing', 'ep-on', 'ep-paused', 'ep-busy'], at(0));
      expect(ids(await t.claim(0, 10, 'i', ['ep-busy']))).toEqual([fanoutDeliveryId(m.id, 1)]);
      expect(await t.claim(0, 10, 'i', ['ep-busy'])).toEqual([]);
      expect(ids(await t.claim(0))).toEqual([fanoutDeliveryId(m.id, 3)]);
      for (const s of [t.fan, t.ref]) await s.updateEndpoint(endpoint('ep-failing'));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(0));
      expect(ids(await t.claim(0))).toEqual([fanoutDeliveryId(m.id, 0)]);
      await t.same((s) => s.listDeliveries({ limit: 10 }));
    });

    it('completes, retries and updates fanned-out deliveries as stored ones', async ({ skip }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const m = fanMessage(0);
      await t.fanout(m, ['ep-a', 'ep-b', 'ep-c'], at(0));
      const [a, b] = await t.claim(0, 2);
      const failed = finished(b!, 'failed', 50);
      const retry = {
        ...failed,
        delivery: { ...failed.delivery, status: 'pending' as const, nextAttemptAt: at(5_000) },
        endpoint: { id: 'ep-b', failingSince: at(50) },
      };
      for (const s of [t.fan, t.ref]) {
        await s.completeAttempt(finished(a!, 'succeeded', 40));
        await s.completeAttempt(retry);
      }
      for (const d of [a!, b!]) {
        await t.same((s) => s.getDelivery(d.id));
        expect(await t.same((s) => s.listAttempts(d.id))).toHaveLength(1);
      }
      expect(await t.same((s) => s.getEndpoint('ep-b'))).toMatchObject({ failingSince: at(50) });
      await t.same((s) => s.listDeliveries({ status: 'succeeded' }));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(0));
      // updateDelivery (a replay) of the one no claim has reached yet.
      const unclaimed = [0, 1, 2]
        .map((i) => fanoutDeliveryId(m.id, i))
        .find((id) => id !== a!.id && id !== b!.id);
      const c = (await t.same((s) => s.getDelivery(unclaimed!)))!;
      for (const s of [t.fan, t.ref])
        await s.updateDelivery({ ...c, nextAttemptAt: at(9_000), updatedAt: at(7) });
      await t.same((s) => s.getDelivery(c.id));
      expect(ids(await t.claim(8_999))).toEqual([b!.id]);
      expect(ids(await t.claim(9_000))).toEqual([c.id]);
    });

    it('updateDelivery reaches a fanned-out delivery before any claim or read, and refuses an unknown one', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      const m = fanMessage(0);
      const [first] = await t.fanout(m, ['ep-a', 'ep-b'], at(0));
      for (const s of [t.fan, t.ref]) {
        await s.updateDelivery({ ...first!, status: 'failed', nextAttemptAt: null, updatedAt: at(3) });
        await expectCode(
          s.updateDelivery(delivery(fanoutDeliveryId(m.id, 2), m.id, 'ep-a')),
          'ERR_DELIVERY_NOT_FOUND',
        );
      }
      await t.same((s) => s.listDeliveries());
      expect(ids(await t.claim(0))).toEqual([fanoutDeliveryId(m.id, 1)]);
    });

    it('completeAttempt (an attempt made by hand) reaches a fanned-out delivery no call has looked at', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      const m = fanMessage(0);
      const [, second] = await t.fanout(m, ['ep-a', 'ep-b'], at(1_000));
      for (const s of [t.fan, t.ref]) await s.completeAttempt(finished(second!, 'succeeded', 5));
      expect(await t.same((s) => s.listAttempts(second!.id))).toHaveLength(1);
      await t.same((s) => s.listDeliveries());
      expect(ids(await t.claim(1_000))).toEqual([fanoutDeliveryId(m.id, 0)]);
    });

    it('deleteEndpoint before a claim takes its fanned-out deliveries with it; finished ones stay', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const done = fanMessage(-10);
      const [d] = await t.fanout(done, ['ep-b'], at(-10));
      await t.claim(-10);
      for (const s of [t.fan, t.ref]) await s.completeAttempt(finished(d!, 'succeeded', -5));
      const m = fanMessage(0);
      await t.fanout(m, ['ep-a', 'ep-b', 'ep-c'], at(0));
      expect(await t.same((s) => s.deleteEndpoint('ep-b'))).toBe(true);
      expect(await t.same((s) => s.getDelivery(fanoutDeliveryId(m.id, 1)))).toBeNull();
      expect(await t.same((s) => s.getDelivery(d!.id))).toMatchObject({ status: 'succeeded' });
      expect(await t.same((s) => s.listDeliveries({ messageId: m.id }))).toHaveLength(2);
      if (t.fan.stats) await t.same((s) => s.stats!({ now: at(0) }));
      expect(ids(await t.claim(0))).toEqual([fanoutDeliveryId(m.id, 0), fanoutDeliveryId(m.id, 2)]);
      // An endpoint inserted again under the same id gets none of them back.
      for (const s of [t.fan, t.ref]) await s.insertEndpoint(endpoint('ep-b'));
      expect(ids(await t.claim(LEASE + 1))).toEqual([fanoutDeliveryId(m.id, 0), fanoutDeliveryId(m.id, 2)]);
    });

    it('pruning never takes pending fanned-out deliveries, and keeps the message while any is left', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      if (t.fan.pruneDeliveries === undefined) skip();
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      const m = fanMessage(-1_000);
      await t.fanout(m, ['ep-a', 'ep-b'], at(0));
      expect(await t.same((s) => s.pruneDeliveries!({ before: at(10_000) }))).toBe(0);
      // One claimed, finished and pruned before any read of the other, not claimed yet: the message stays.
      const [a] = await t.claim(0, 1);
      for (const s of [t.fan, t.ref]) await s.completeAttempt(finished(a!, 'succeeded', 10));
      expect(await t.same((s) => s.pruneDeliveries!({ before: at(10_000) }))).toBe(1);
      expect(await t.same((s) => s.getMessage(m.id))).toEqual(m);
      await t.same((s) => s.listDeliveries());
      const [b] = await t.claim(0);
      expect(await t.same((s) => s.getDelivery(b!.id))).toMatchObject({ status: 'pending' });
      for (const s of [t.fan, t.ref]) await s.completeAttempt(finished(b!, 'failed', 20));
      expect(await t.same((s) => s.pruneDeliveries!({ before: at(10_000) }))).toBe(1);
      expect(await t.same((s) => s.getMessage(m.id))).toBeNull();
      expect(await t.same((s) => s.listDeliveries())).toEqual([]);
    });

    it('gives each delivery of fanned-out messages to exactly one of several claimers at once', async ({
      skip,
    }) => {
      if (ctx.storage.insertFanout === undefined) skip();
      // Claimers on this storage and, with the suite's `reopen`, on other instances sharing its store.
      const instances: Storage[] = [ctx.storage];
      for (let i = 0; i < 2; i++) {
        const other = await ctx.reopen();
        if (other) instances.push(other);
      }
      for (let e = 0; e < 50; e++)
        await ctx.storage.insertEndpoint(endpoint(`ep-${String(e).padStart(2, '0')}`));
      const endpointIds = Array.from({ length: 50 }, (_, e) => `ep-${String(e).padStart(2, '0')}`);
      const messages = Array.from({ length: 4 }, (_, i) => fanMessage(i));
      for (const [i, m] of messages.entries())
        await ctx.storage.insertFanout!({ message: m, endpointIds, nextAttemptAt: at(-i) });
      const { ids: claimed } = await claimConcurrently(12, (instanceId) =>
        instances[Number(instanceId.slice('claimer-'.length)) % instances.length]!.claimDeliveries({
          now: at(0),
          limit: 7,
          instanceId,
          leaseMs: LEASE,
        }),
      );
      expect(claimed).toHaveLength(200);
      expect(new Set(claimed)).toEqual(
        new Set(messages.flatMap((m) => endpointIds.map((_, i) => fanoutDeliveryId(m.id, i)))),
      );
    });

    it('a fan-out is there, unclaimed, for another instance opened on the same store afterwards', async ({
      skip,
    }) => {
      if (ctx.storage.insertFanout === undefined) skip();
      await ctx.storage.insertEndpoint(endpoint('ep-a'));
      await ctx.storage.insertEndpoint(endpoint('ep-b'));
      const m = fanMessage(0);
      await ctx.storage.insertFanout!({ message: m, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
      const other = await ctx.reopen();
      if (other === null) skip();
      expect(await other!.getMessage(m.id)).toEqual(m);
      expect(await other!.nextDeliveryAt()).toEqual(at(0));
      const claimed = await other!.claimDeliveries({
        now: at(0),
        limit: 10,
        instanceId: 'o',
        leaseMs: LEASE,
      });
      expect(ids(claimed).sort()).toEqual([fanoutDeliveryId(m.id, 0), fanoutDeliveryId(m.id, 1)]);
      expect(
        await ctx.storage.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: LEASE }),
      ).toEqual([]);
    });
  });
}
