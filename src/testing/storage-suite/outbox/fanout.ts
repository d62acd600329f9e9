import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import { fanoutDeliveries } from '../../../storage/fanout.js';
import type { ListDeliveriesOptions } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, delivery, endpoint, message } from '../fixtures.js';
import { FanoutTwins, fanMessage, ids } from './fanout-twins.js';

/**
 * `insertFanout` is optional: these tests are reported as skipped for an adapter without it. What they hold it
 * to (see `Storage.insertFanout`): whatever a later call reads, it reads what `insertMessage` with the records
 * of `fanoutDeliveries` would have stored. Each test compares the adapter with itself storing the same
 * messages that way (`FanoutTwins`), and makes the call under test the first to look at the fan-out, since an
 * adapter may write the delivery records only then. Claims, writes, deletes and pruning: fanout-claims.ts.
 */
export function fanoutReadTests(ctx: SuiteContext): void {
  describe('fanning a message out (insertFanout): reads', () => {
    it('stores the message and one pending delivery per endpoint, its id derived from the message id', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const m = fanMessage(-5, {
        traceContext: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
      });
      await t.fanout(m, ['ep-c', 'ep-a', 'ep-b'], at(1_000));
      for (let i = 0; i < 3; i++) {
        const id = fanoutDeliveryId(m.id, i);
        expect(await t.same((s) => s.getDelivery(id))).toEqual({
          ...delivery(id, m.id, ['ep-c', 'ep-a', 'ep-b'][i]!, { nextAttemptAt: at(1_000) }),
          createdAt: at(-5),
          updatedAt: at(-5),
        });
        expect(await t.same((s) => s.listAttempts(id))).toEqual([]);
      }
      expect(await t.same((s) => s.getDelivery(fanoutDeliveryId(m.id, 3)))).toBeNull();
      expect(await t.same((s) => s.getMessage(m.id))).toEqual(m);
    });

    it('a message is read alike whether or not its deliveries were looked at first', async ({ skip }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep'));
      const m = fanMessage(0, { jobId: null, topic: 'app.order.paid' });
      await t.fanout(m, ['ep'], at(0));
      expect(await t.same((s) => s.getMessage(m.id))).toEqual(m);
      expect(await t.same((s) => s.getMessage('msg_nope'))).toBeNull();
    });

    it('listDeliveries sees fanned-out deliveries under every filter and page, as stored ones', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'), endpoint('ep-c'));
      const first = fanMessage(0, { jobId: 'job-a' });
      const plain = message('m-plain', {
        createdAt: at(10),
        jobId: 'job-b',
        topic: 'job.execution.succeeded',
      });
      const last = fanMessage(20, { jobId: null, topic: 'app.thing' });
      await t.fanout(first, ['ep-a', 'ep-b', 'ep-c'], at(0));
      await t.insertMessage(plain, [
        delivery('d-plain', 'm-plain', 'ep-b', {
          topic: 'job.execution.succeeded',
          createdAt: at(10),
          updatedAt: at(10),
        }),
      ]);
      await t.fanout(last, ['ep-b', 'ep-c'], at(20));
      const filters: ListDeliveriesOptions[] = [
        {},
        { endpointId: 'ep-b' },
        { endpointId: 'ep-gone' },
        { messageId: first.id },
        { status: 'pending' },
        { status: 'succeeded' },
        { topic: 'app.thing' },
        { jobId: 'job-a' },
        { jobId: 'job-b', endpointId: 'ep-b' },
        { since: at(10) },
        { until: at(10) },
        { since: at(0), until: at(20) },
        { endpointId: 'ep-c', since: at(20) },
      ];
      for (const filter of filters) await t.same((s) => s.listDeliveries(filter));
      const all = await t.same((s) => s.listDeliveries({ limit: 100 }));
      expect(all).toHaveLength(6);
      expect(await t.same((s) => s.listDeliveries({ jobId: 'job-a' }))).toHaveLength(3);
      // Paging two at a time (newest first, before a cursor) walks the same list.
      const paged: DeliveryRecord[] = [];
      for (let page = await t.same((s) => s.listDeliveries({ limit: 2 })); page.length > 0; ) {
        paged.push(...page);
        const before = { createdAt: page[page.length - 1]!.createdAt, id: page[page.length - 1]!.id };
        page = await t.same((s) => s.listDeliveries({ limit: 2, before }));
      }
      expect(ids(paged)).toEqual(ids(all));
    });

    it('nextDeliveryAt counts a fan-out no call has looked at yet, only to endpoints that take deliveries', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      const off = { enabled: false, disabledReason: 'manual' as const, disabledAt: at(0) };
      await t.endpoints(endpoint('ep-on'), endpoint('ep-off', off));
      await t.fanout(fanMessage(0), ['ep-off'], at(100));
      expect(await t.same((s) => s.nextDeliveryAt())).toBeNull();
      await t.fanout(fanMessage(1), ['ep-off', 'ep-on'], at(500));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(500));
      for (const s of [t.fan, t.ref]) await s.updateEndpoint(endpoint('ep-off'));
      expect(await t.same((s) => s.nextDeliveryAt())).toEqual(at(100));
    });

    it('stats count fanned-out deliveries as pending from the start', async ({ skip }) => {
      const t = await FanoutTwins.of(ctx, skip);
      if (t.fan.stats === undefined) skip();
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      await t.fanout(fanMessage(-50), ['ep-a', 'ep-b'], at(0));
      await t.fanout(fanMessage(-20), ['ep-b'], at(0));
      const stats = await t.same((s) => s.stats!({ now: at(0) }));
      expect(stats.deliveries).toEqual({ pending: 3, failed: 0, oldestPendingAt: at(-50) });
    });

    it('a fan-out takes one atomic write: a message id stored before is refused, changing nothing', async ({
      skip,
    }) => {
      const t = await FanoutTwins.of(ctx, skip);
      await t.endpoints(endpoint('ep-a'), endpoint('ep-b'));
      const m = fanMessage(0);
      await t.fanout(m, ['ep-a'], at(0));
      await expect(
        t.fan.insertFanout!({
          message: { ...m, body: '{}' },
          endpointIds: ['ep-a', 'ep-b'],
          nextAttemptAt: at(9),
        }),
      ).rejects.toThrow();
      expect(await t.fan.getMessage(m.id)).toEqual(m);
      expect(await t.fan.listDeliveries()).toEqual(fanoutDeliveries(m, ['ep-a'], at(0)));
    });
  });
}
