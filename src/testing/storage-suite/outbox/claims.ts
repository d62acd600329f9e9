import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import { claimConcurrently, type SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message, pad } from '../fixtures.js';

const LEASE = 30_000;

export function deliveryClaimTests(ctx: SuiteContext): void {
  describe('claiming deliveries', () => {
    const claim = (offset: number, instanceId = 'i', limit = 10, excludeEndpointIds?: string[]) =>
      ctx.storage.claimDeliveries({
        now: at(offset),
        limit,
        instanceId,
        leaseMs: LEASE,
        ...(excludeEndpointIds ? { excludeEndpointIds } : {}),
      });
    const ids = (list: DeliveryRecord[]) => list.map((d) => d.id);

    async function seed(deliveries: DeliveryRecord[]): Promise<void> {
      for (const d of deliveries) {
        if (!(await ctx.storage.getEndpoint(d.endpointId)))
          await ctx.storage.insertEndpoint(endpoint(d.endpointId));
        await ctx.storage.insertMessage({ message: message(`m-${d.id}`), deliveries: [d] });
      }
    }

    it('leases pending, due deliveries oldest due first, up to the limit', async () => {
      await seed([
        delivery('d-late', 'm-d-late', 'ep', { nextAttemptAt: at(-1_000) }),
        delivery('d-early', 'm-d-early', 'ep', { nextAttemptAt: at(-3_000) }),
        delivery('d-now', 'm-d-now', 'ep', { nextAttemptAt: at(0) }),
        delivery('d-future', 'm-d-future', 'ep', { nextAttemptAt: at(1) }),
        delivery('d-done', 'm-d-done', 'ep', { status: 'succeeded', nextAttemptAt: null }),
        delivery('d-failed', 'm-d-failed', 'ep', { status: 'failed', nextAttemptAt: at(-9_000) }),
      ]);
      const first = await claim(0, 'a', 2);
      expect(ids(first)).toEqual(['d-early', 'd-late']);
      for (const d of first) expect(d).toMatchObject({ lockedBy: 'a', lockedUntil: at(LEASE) });
      expect(await ctx.storage.getDelivery('d-early')).toMatchObject({
        lockedBy: 'a',
        lockedUntil: at(LEASE),
      });
      expect(ids(await claim(0, 'b'))).toEqual(['d-now']);
      expect(await claim(0, 'c')).toEqual([]);
      expect(ids(await claim(1, 'c'))).toEqual(['d-future']);
    });

    it('a leased delivery is claimable again only after its lease expires', async () => {
      await seed([delivery('d', 'm-d', 'ep')]);
      expect(await claim(0, 'a')).toHaveLength(1);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(LEASE));
      expect(await claim(LEASE - 1, 'b')).toEqual([]);
      expect(await claim(LEASE + 1, 'b')).toEqual([
        expect.objectContaining({ id: 'd', lockedBy: 'b', lockedUntil: at(2 * LEASE + 1) }),
      ]);
    });

    it('skips deliveries to disabled endpoints and picks them up once re-enabled', async () => {
      await ctx.storage.insertEndpoint(
        endpoint('off', { enabled: false, disabledReason: 'manual', disabledAt: at(0) }),
      );
      await seed([
        delivery('d-off', 'm-d-off', 'off', { nextAttemptAt: at(-5_000) }),
        delivery('d-on', 'm-d-on', 'on'),
      ]);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(0));
      expect(ids(await claim(0))).toEqual(['d-on']);
      expect(await claim(0)).toEqual([]);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(LEASE));
      await ctx.storage.updateEndpoint(endpoint('off'));
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(-5_000));
      expect(ids(await claim(0))).toEqual(['d-off']);
    });

    it('an attempt that disables its endpoint holds back its other deliveries until it is enabled again', async () => {
      await seed([
        delivery('d-1', 'm-1', 'ep', { nextAttemptAt: at(-3) }),
        delivery('d-2', 'm-2', 'ep', { nextAttemptAt: at(-2) }),
        delivery('d-3', 'm-3', 'ep', { nextAttemptAt: at(5) }),
        delivery('d-x', 'm-x', 'other', { nextAttemptAt: at(-1) }),
      ]);
      const [first] = await claim(0, 'a', 1);
      expect(first?.id).toBe('d-1');
      await ctx.storage.completeAttempt({
        delivery: { ...first!, status: 'failed', attempts: 1, nextAttemptAt: null },
        attempt: attempt('a-1', 'd-1'),
        endpoint: { id: 'ep', enabled: false, disabledReason: 'failing', disabledAt: at(0) },
      });
      expect(ids(await claim(10))).toEqual(['d-x']);
      expect(await claim(10)).toEqual([]);
      const ep = (await ctx.storage.getEndpoint('ep'))!;
      await ctx.storage.updateEndpoint({ ...ep, enabled: true, disabledReason: null, disabledAt: null });
      expect(ids(await claim(10))).toEqual(['d-2', 'd-3']);
    });

    it('a delivery put back to pending while its endpoint is disabled waits for the endpoint', async () => {
      await ctx.storage.insertEndpoint(
        endpoint('off', { enabled: false, disabledReason: 'failing', disabledAt: at(0) }),
      );
      await seed([delivery('d-f', 'm-f', 'off', { status: 'failed', nextAttemptAt: null })]);
      const failed = (await ctx.storage.getDelivery('d-f'))!;
      await ctx.storage.updateDelivery({ ...failed, status: 'pending', nextAttemptAt: at(0) });
      expect(await claim(0)).toEqual([]);
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
      await ctx.storage.updateEndpoint(endpoint('off'));
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(0));
      expect(ids(await claim(0))).toEqual(['d-f']);
    });

    it('skips deliveries to excluded endpoints without losing them', async () => {
      await seed([
        delivery('d-busy-1', 'm-1', 'busy', { nextAttemptAt: at(-3) }),
        delivery('d-busy-2', 'm-2', 'busy', { nextAttemptAt: at(-2) }),
        delivery('d-free', 'm-3', 'free', { nextAttemptAt: at(-1) }),
      ]);
      expect(ids(await claim(0, 'i', 10, ['busy']))).toEqual(['d-free']);
      expect(await claim(0, 'i', 10, ['busy'])).toEqual([]);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(-3));
      expect(ids(await claim(0, 'i', 10, ['elsewhere']))).toEqual(['d-busy-1', 'd-busy-2']);
    });

    it('gives each of 300 due deliveries to exactly one of 20 concurrent claimers', async () => {
      for (let e = 0; e < 3; e++) await ctx.storage.insertEndpoint(endpoint(`ep-${e}`));
      for (let m = 0; m < 30; m++) {
        const deliveries = Array.from({ length: 10 }, (_, k) =>
          delivery(`d-${pad(m * 10 + k)}`, `m-${m}`, `ep-${k % 3}`, { nextAttemptAt: at(-m) }),
        );
        await ctx.storage.insertMessage({ message: message(`m-${m}`), deliveries });
      }
      const { ids: claimed } = await claimConcurrently(20, (instanceId) => claim(0, instanceId, 4));
      expect(claimed).toHaveLength(300);
      expect(new Set(claimed).size).toBe(300);
      expect(await claim(0, 'late')).toEqual([]);
    });

    it('reads right after a claim return each endpoint and message exactly as stored, and see later writes', async () => {
      const ep = endpoint('ep', { description: null, match: null, jobIds: null, authorization: null });
      await ctx.storage.insertEndpoint(ep);
      await ctx.storage.insertEndpoint(endpoint('ep-2'));
      const shared = message('m-shared', { jobId: null });
      await ctx.storage.insertMessage({
        message: shared,
        deliveries: [delivery('d-1', 'm-shared', 'ep'), delivery('d-2', 'm-shared', 'ep-2')],
      });
      await ctx.storage.insertMessage({
        message: message('m-own'),
        deliveries: [delivery('d-3', 'm-own', 'ep')],
      });
      const claimed = await claim(0, 'i', 10);
      // As a notifier does: read what it needs for every claimed delivery at once, in the claim's turn.
      const read = await Promise.all(
        claimed.map((d) =>
          Promise.all([ctx.storage.getEndpoint(d.endpointId), ctx.storage.getMessage(d.messageId)]),
        ),
      );
      const stored = new Map<string, unknown>([
        ['ep', ep],
        ['ep-2', endpoint('ep-2')],
        ['m-shared', shared],
        ['m-own', message('m-own')],
      ]);
      expect(claimed.map((d) => d.id).sort()).toEqual(['d-1', 'd-2', 'd-3']);
      expect(read).toEqual(claimed.map((d) => [stored.get(d.endpointId), stored.get(d.messageId)]));
      // Each read is the caller's own copy.
      const [first, second] = read.filter(([e]) => e?.id === 'ep').map(([e]) => e!);
      expect(first).not.toBe(second);
      first!.topics.push('mutated');
      expect(second!.topics).toEqual(ep.topics);

      await ctx.storage.claimDeliveries({ now: at(LEASE + 1), limit: 10, instanceId: 'j', leaseMs: LEASE });
      const changed = { ...ep, url: 'https://changed.example.com/in', updatedAt: at(9) };
      await ctx.storage.updateEndpoint(changed);
      expect(await ctx.storage.getEndpoint('ep')).toEqual(changed);
    });

    it('nextDeliveryAt is the earliest pending delivery to an enabled endpoint, or null', async () => {
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
      await seed([
        delivery('d-done', 'm-1', 'ep', { status: 'succeeded', nextAttemptAt: null }),
        delivery('d-2', 'm-2', 'ep', { nextAttemptAt: at(2_000) }),
        delivery('d-1', 'm-3', 'ep', { nextAttemptAt: at(1_000) }),
      ]);
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(1_000));
      await ctx.storage.updateEndpoint(endpoint('ep', { enabled: false }));
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
    });
  });
}
