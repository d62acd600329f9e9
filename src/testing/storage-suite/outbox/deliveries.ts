import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import { expectCode, type SuiteContext } from '../context.js';
import { at, delivery, endpoint, message, pad, UNICODE } from '../fixtures.js';

export function outboxTests(ctx: SuiteContext): void {
  describe('outbox', () => {
    it('stores a message with its deliveries; a 1 MB unicode body comes back byte for byte', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep-1'));
      await ctx.storage.insertEndpoint(endpoint('ep-2'));
      const body = JSON.stringify({ type: 'app.big', data: `${UNICODE}|`.repeat(24_000) });
      expect(Buffer.byteLength(body)).toBeGreaterThan(1_000_000);
      const big = message('msg-big', { topic: 'app.big', body, jobId: null });
      const deliveries = [
        delivery('d-1', 'msg-big', 'ep-1', { topic: 'app.big' }),
        delivery('d-2', 'msg-big', 'ep-2', {
          topic: 'app.big',
          status: 'failed',
          attempts: 8,
          nextAttemptAt: null,
          lastAttemptAt: at(9_999),
          lastStatusCode: 502,
          lastError: { code: 'ERR_HTTP_STATUS', message: UNICODE },
          updatedAt: at(10_000),
          lockedBy: 'someone',
          lockedUntil: at(40_000),
        }),
      ];
      await ctx.storage.insertMessage({ message: big, deliveries });
      expect(await ctx.storage.getMessage('msg-big')).toEqual(big);
      expect(await ctx.storage.getDelivery('d-1')).toEqual(deliveries[0]);
      expect(await ctx.storage.getDelivery('d-2')).toEqual(deliveries[1]);
      expect(await ctx.storage.getMessage('nope')).toBeNull();
      expect(await ctx.storage.getDelivery('nope')).toBeNull();
    });

    it("keeps a message's trace context, with and without tracestate, also as read for a claimed delivery", async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      const traceparent = `00-${'4bf92f3577b34da6a3ce929d0e0e4736'}-${'00f067aa0ba902b7'}-01`;
      const full = message('m-full', {
        traceContext: { traceparent, tracestate: `congo=t61rcWkgMzE,${UNICODE.length}=x` },
      });
      const bare = message('m-bare', { traceContext: { traceparent } });
      await ctx.storage.insertMessage({ message: full, deliveries: [delivery('d-full', 'm-full', 'ep')] });
      await ctx.storage.insertMessage({ message: bare, deliveries: [delivery('d-bare', 'm-bare', 'ep')] });
      const claimed = await ctx.storage.claimDeliveries({
        now: at(0),
        limit: 10,
        instanceId: 'i',
        leaseMs: 30_000,
      });
      expect(claimed.map((d) => d.id).sort()).toEqual(['d-bare', 'd-full']);
      expect(await ctx.storage.getMessage('m-full')).toEqual(full);
      expect(await ctx.storage.getMessage('m-bare')).toEqual(bare);
    });

    it('insertMessage is all or nothing: a failing delivery leaves no message and no delivery', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertMessage({
        message: message('m-1'),
        deliveries: [delivery('d-taken', 'm-1', 'ep')],
      });
      await expect(
        ctx.storage.insertMessage({
          message: message('m-2'),
          deliveries: [delivery('d-new', 'm-2', 'ep'), delivery('d-taken', 'm-2', 'ep')],
        }),
      ).rejects.toThrow();
      expect(await ctx.storage.getMessage('m-2')).toBeNull();
      expect(await ctx.storage.getDelivery('d-new')).toBeNull();
      expect(await ctx.storage.getDelivery('d-taken')).toEqual(delivery('d-taken', 'm-1', 'ep'));
    });

    it('insertMessage refuses a batch that holds one delivery id twice, storing nothing of it', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await expect(
        ctx.storage.insertMessage({
          message: message('m-twice'),
          deliveries: [
            delivery('d-once', 'm-twice', 'ep'),
            delivery('d-twice', 'm-twice', 'ep'),
            delivery('d-twice', 'm-twice', 'ep'),
          ],
        }),
      ).rejects.toThrow();
      expect(await ctx.storage.getMessage('m-twice')).toBeNull();
      expect(await ctx.storage.getDelivery('d-once')).toBeNull();
      expect(await ctx.storage.getDelivery('d-twice')).toBeNull();
      expect(
        await ctx.storage.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: 1000 }),
      ).toEqual([]);
    });

    it("a message's deliveries made at one instant come back as separate dates: changing one read changes nothing else", async () => {
      await ctx.storage.insertEndpoint(endpoint('ep-1'));
      await ctx.storage.insertEndpoint(endpoint('ep-2'));
      const stored = [delivery('d-1', 'm', 'ep-1'), delivery('d-2', 'm', 'ep-2')];
      await ctx.storage.insertMessage({ message: message('m'), deliveries: stored });
      stored[0]!.createdAt.setTime(0);
      const first = (await ctx.storage.getDelivery('d-1'))!;
      expect(first.createdAt).toEqual(at(0));
      first.createdAt.setTime(1);
      first.updatedAt.setTime(2);
      first.nextAttemptAt!.setTime(3);
      expect(await ctx.storage.getDelivery('d-1')).toEqual(delivery('d-1', 'm', 'ep-1'));
      expect(await ctx.storage.getDelivery('d-2')).toEqual(delivery('d-2', 'm', 'ep-2'));
    });

    it('updateDelivery replaces a delivery; an unknown one throws ERR_DELIVERY_NOT_FOUND', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep'));
      await ctx.storage.insertMessage({
        message: message('m'),
        deliveries: [delivery('d', 'm', 'ep', { status: 'failed', nextAttemptAt: null })],
      });
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
      const redeliver = delivery('d', 'm', 'ep', { status: 'pending', attempts: 3, nextAttemptAt: at(100) });
      await ctx.storage.updateDelivery(redeliver);
      expect(await ctx.storage.getDelivery('d')).toEqual(redeliver);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(100));
      await expectCode(ctx.storage.updateDelivery(delivery('ghost', 'm', 'ep')), 'ERR_DELIVERY_NOT_FOUND');
      expect(await ctx.storage.getDelivery('ghost')).toBeNull();
    });

    it('lists deliveries newest first with filters, a time window [since, until) and a before cursor', async () => {
      await ctx.storage.insertEndpoint(endpoint('ep-a'));
      await ctx.storage.insertEndpoint(endpoint('ep-b'));
      const all: DeliveryRecord[] = [];
      const statuses = ['pending', 'succeeded', 'failed'] as const;
      for (let m = 0; m < 4; m++) {
        const msgId = `m-${m}`;
        const topic = m % 2 === 0 ? 'job.execution.failed' : 'app.thing';
        const deliveries = ['ep-a', 'ep-b'].map((ep, e) =>
          delivery(`d-${pad(m * 2 + e)}`, msgId, ep, {
            topic,
            status: statuses[(m * 2 + e) % 3]!,
            createdAt: at(m * 1_000),
          }),
        );
        all.push(...deliveries);
        await ctx.storage.insertMessage({
          message: message(msgId, { topic, createdAt: at(m * 1_000) }),
          deliveries,
        });
      }
      const newest = [...all].reverse();
      const ids = (list: DeliveryRecord[]) => list.map((d) => d.id);
      expect(await ctx.storage.listDeliveries()).toEqual(newest);
      expect(ids(await ctx.storage.listDeliveries({ endpointId: 'ep-a' }))).toEqual(
        ids(newest.filter((d) => d.endpointId === 'ep-a')),
      );
      expect(ids(await ctx.storage.listDeliveries({ messageId: 'm-2' }))).toEqual(['d-0005', 'd-0004']);
      expect(ids(await ctx.storage.listDeliveries({ status: 'failed' }))).toEqual(
        ids(newest.filter((d) => d.status === 'failed')),
      );
      expect(ids(await ctx.storage.listDeliveries({ topic: 'app.thing', endpointId: 'ep-b' }))).toEqual([
        'd-0007',
        'd-0003',
      ]);
      expect(ids(await ctx.storage.listDeliveries({ since: at(2_000) }))).toEqual(ids(newest.slice(0, 4)));
      // Two deliveries at each of 0, 1 s, 2 s and 3 s: `until` leaves out its own instant.
      expect(ids(await ctx.storage.listDeliveries({ until: at(2_000) }))).toEqual(ids(newest.slice(4)));
      expect(ids(await ctx.storage.listDeliveries({ since: at(1_000), until: at(3_000) }))).toEqual(
        ids(newest.slice(2, 6)),
      );
      expect(
        ids(await ctx.storage.listDeliveries({ since: at(1_000), until: at(3_000), endpointId: 'ep-a' })),
      ).toEqual(['d-0004', 'd-0002']);
      expect(
        ids(
          await ctx.storage.listDeliveries({
            until: at(3_000),
            before: { createdAt: at(2_000), id: 'd-0005' },
            limit: 2,
          }),
        ),
      ).toEqual(['d-0004', 'd-0003']);
      expect(await ctx.storage.listDeliveries({ since: at(2_000), until: at(2_000) })).toEqual([]);
      const page1 = await ctx.storage.listDeliveries({ limit: 3 });
      const last = page1.at(-1)!;
      const page2 = await ctx.storage.listDeliveries({
        limit: 3,
        before: { createdAt: last.createdAt, id: last.id },
      });
      expect(ids([...page1, ...page2])).toEqual(ids(newest.slice(0, 6)));
    });
  });
}
