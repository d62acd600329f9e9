import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { ListDeliveriesOptions } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, delivery, endpoint, message } from '../fixtures.js';
import { finished } from './fanout-claims.js';
import { FanoutTwins, fanMessage, ids, LEASE } from './fanout-twins.js';

/** Every page of `filter`, `limit` at a time (newest first, before the last one's cursor), on both twins. */
async function walk(t: FanoutTwins, filter: ListDeliveriesOptions, limit: number): Promise<DeliveryRecord[]> {
  const all: DeliveryRecord[] = [];
  for (let page = await t.same((s) => s.listDeliveries({ ...filter, limit })); page.length > 0; ) {
    all.push(...page);
    const last = page[page.length - 1]!;
    const before = { createdAt: last.createdAt, id: last.id };
    page = await t.same((s) => s.listDeliveries({ ...filter, limit, before }));
  }
  return all;
}

/**
 * `insertFanout` (optional, skipped without it): a backlog of fan-outs that claims took part of, some of
 * their deliveries finished, some leased, the rest not looked at yet, beside deliveries stored with their
 * message.
 * Every read and deleting an endpoint see it as `insertMessage` would have stored it (an adapter may answer
 * from its fan-outs without writing their records, as MemoryStorage does).
 */
export function fanoutBacklogTests(ctx: SuiteContext): void {
  describe('fanning a message out (insertFanout): a backlog handed out in part', () => {
    it('reads it across pages, counts and filters, delivery by delivery, as stored ones', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      const eps = ['ep-a', 'ep-b', 'ep-c', 'ep-d'];
      await t.endpoints(...eps.map((id) => endpoint(id)));
      // Two fan-outs created at the same instant, one to other endpoints and about another topic and job.
      const ms = [
        fanMessage(0),
        fanMessage(10),
        fanMessage(10),
        fanMessage(20, { topic: 'app.other', jobId: 'job-x' }),
        fanMessage(30),
        fanMessage(40),
      ];
      for (const [i, m] of ms.entries()) await t.fanout(m, i === 3 ? ['ep-d', 'ep-b'] : eps, at(i * 5));
      const plain = message('m-plain', { createdAt: at(10) });
      await t.insertMessage(plain, [
        delivery('d-plain', plain.id, 'ep-b', {
          createdAt: at(10),
          updatedAt: at(10),
          nextAttemptAt: at(90),
        }),
      ]);
      // The first fan-out and half the second are claimed: of those, three finish and three stay leased.
      const claimed = await t.claim(5, 6);
      expect(ids(claimed)).toEqual([
        ...eps.map((_, i) => fanoutDeliveryId(ms[0]!.id, i)),
        fanoutDeliveryId(ms[1]!.id, 0),
        fanoutDeliveryId(ms[1]!.id, 1),
      ]);
      for (const s of [t.fan, t.ref]) {
        await s.completeAttempt(finished(claimed[0]!, 'succeeded', 6));
        await s.completeAttempt(finished(claimed[1]!, 'failed', 7));
        await s.completeAttempt(finished(claimed[4]!, 'succeeded', 8));
      }
      if (t.fan.stats) await t.same((s) => s.stats!({ now: at(10) }));
      const everything = await t.same((s) => s.listDeliveries({ limit: 100 }));
      expect(everything).toHaveLength(5 * 4 + 2 + 1);
      const filters: ListDeliveriesOptions[] = [
        {},
        { endpointId: 'ep-b' },
        { status: 'pending' },
        { status: 'succeeded' },
        { status: 'failed' },
        { messageId: ms[1]!.id },
        { topic: 'app.other' },
        { jobId: 'job-x' },
        { jobId: 'job-a', endpointId: 'ep-d' },
        { since: at(10) },
        { until: at(20) },
        { since: at(10), until: at(40), endpointId: 'ep-c' },
      ];
      for (const filter of filters) {
        const list = await t.same((s) => s.listDeliveries({ ...filter, limit: 100 }));
        // Pages of 1 and 3 walk the same list (a page cut in the middle of a fan-out, of an instant).
        expect(ids(await walk(t, filter, 3))).toEqual(ids(list));
        expect(ids(await walk(t, filter, 1))).toEqual(ids(list));
      }
      for (const m of ms)
        for (let i = 0; i <= eps.length; i++) await t.same((s) => s.getDelivery(fanoutDeliveryId(m.id, i)));
    });

    it('deleteEndpoint takes its pending deliveries wherever they are; claims then get the rest, as ever', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const ms = [fanMessage(0), fanMessage(1), fanMessage(2), fanMessage(3), fanMessage(4)];
      const to = [
        ['ep-a', 'ep-b', 'ep-c'],
        ['ep-a', 'ep-b', 'ep-c'],
        ['ep-b'],
        ['ep-c', 'ep-b'],
        ['ep-a', 'ep-b', 'ep-c'],
      ];
      for (const [i, m] of ms.entries()) await t.fanout(m, to[i]!, at(i * 10 - 40));
      // The first fan-out and two of the second are claimed; one to ep-b succeeds, one to ep-a fails.
      const claimed = await t.claim(0, 5);
      expect(ids(claimed)).toEqual(
        [0, 1, 2]
          .map((i) => fanoutDeliveryId(ms[0]!.id, i))
          .concat([0, 1].map((i) => fanoutDeliveryId(ms[1]!.id, i))),
      );
      for (const s of [t.fan, t.ref]) {
        await s.completeAttempt(finished(claimed[1]!, 'succeeded', 1));
        await s.completeAttempt(finished(claimed[0]!, 'failed', 2));
      }
      expect(await t.same((s) => s.deleteEndpoint('ep-b'))).toBe(true);
      for (const [i, m] of ms.entries())
        for (let e = 0; e < to[i]!.length; e++) {
          const d = await t.same((s) => s.getDelivery(fanoutDeliveryId(m.id, e)));
          // Of ep-b's, only the one that succeeded is left.
          if (to[i]![e] === 'ep-b') expect(d?.status ?? null).toEqual(i === 0 ? 'succeeded' : null);
        }
      if (t.fan.stats) await t.same((s) => s.stats!({ now: at(0) }));
      expect(await t.same((s) => s.listDeliveries({ limit: 100 }))).toHaveLength(3 + 2 + 0 + 1 + 2);
      expect(ids(await walk(t, {}, 2))).toHaveLength(8);
      await t.same((s) => s.listDeliveries({ endpointId: 'ep-b' }));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(-30));
      // Claims: the rest of the backlog, then the leases ended; none to ep-b, even inserted again.
      const rest = await t.claim(0, 100);
      expect(ids(rest)).toEqual([
        fanoutDeliveryId(ms[1]!.id, 2),
        fanoutDeliveryId(ms[3]!.id, 0),
        fanoutDeliveryId(ms[4]!.id, 0),
        fanoutDeliveryId(ms[4]!.id, 2),
      ]);
      for (const s of [t.fan, t.ref]) await s.insertEndpoint(endpoint('ep-b'));
      const again = await t.claim(LEASE + 1, 100);
      expect(again.map((d) => d.endpointId).sort()).toEqual(['ep-a', 'ep-a', 'ep-c', 'ep-c', 'ep-c', 'ep-c']);
      expect(await t.claim(2 * LEASE + 2, 100, 'i', ['ep-a', 'ep-c'])).toEqual([]);
    });
  });
}
