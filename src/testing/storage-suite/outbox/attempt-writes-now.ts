import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { CompleteAttemptInput } from '../../../storage/outbox-types.js';
import type { Storage } from '../../../storage/types.js';
import type { SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message, retried } from '../fixtures.js';
import { finished } from './fanout-claims.js';
import { fanMessage } from './fanout-twins.js';

const LEASE = 30_000;

/**
 * `completeAttemptNow` is optional (storage holding the outbox in process): these tests are reported as skipped
 * for an adapter without it. What they hold it to, as run-writes-now.ts does its run twins: it stores exactly
 * what `completeAttempt` stores, before it returns, and throws what `completeAttempt` rejects with. Two
 * storages of the adapter are written alike, `now` through completeAttemptNow and `ref` through
 * completeAttempt, and every read must answer alike on both.
 */
export function attemptWriteNowTests(ctx: SuiteContext): void {
  describe('attempt outcomes stored before the call returns (completeAttemptNow)', () => {
    async function twins(skip: () => void): Promise<{ now: Storage; ref: Storage }> {
      if (ctx.storage.completeAttemptNow === undefined) skip();
      const ref = await ctx.fresh();
      await ref.migrate();
      return { now: ctx.storage, ref };
    }
    async function complete(t: { now: Storage; ref: Storage }, input: CompleteAttemptInput): Promise<void> {
      // Each twin gets its own copy: a storage keeps its own, and must not depend on the other's.
      expect(t.now.completeAttemptNow!(structuredClone(input))).toBeUndefined();
      await t.ref.completeAttempt(structuredClone(input));
    }
    async function same<T>(t: { now: Storage; ref: Storage }, read: (s: Storage) => Promise<T>): Promise<T> {
      const now = await read(t.now);
      expect(now).toEqual(await read(t.ref));
      return now;
    }

    it('a retry, then a final failure that disables the endpoint: the delivery, its attempts and the endpoint as completeAttempt leaves them', async ({
      skip,
    }) => {
      const t = await twins(skip);
      const claimed: DeliveryRecord[] = [];
      for (const s of [t.now, t.ref]) {
        await s.insertEndpoint(endpoint('ep'));
        await s.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
        claimed.push(...(await s.claimDeliveries({ now: at(0), limit: 1, instanceId: 'i', leaseMs: LEASE })));
      }
      expect(claimed[0]).toEqual(claimed[1]);
      const first = attempt('a-1', 'd');
      const retrying = retried(claimed[0]!, first);
      await complete(t, {
        delivery: retrying,
        attempt: first,
        endpoint: { id: 'ep', failingSince: at(17), updatedAt: at(400) },
      });
      expect(await same(t, (s) => s.getDelivery('d'))).toEqual({
        ...retrying,
        lockedBy: null,
        lockedUntil: null,
      });
      await same(t, (s) => s.getEndpoint('ep'));
      expect(await same(t, (s) => s.nextDeliveryAt())).toEqual(at(5_000));

      const gone: DeliveryRecord = { ...retrying, status: 'failed', attempts: 2, nextAttemptAt: null };
      await complete(t, {
        delivery: gone,
        attempt: attempt('a-2', 'd', { attempt: 2, startedAt: at(5_001), responseHeaders: {} }),
        endpoint: { id: 'ep', enabled: false, disabledReason: 'gone', disabledAt: at(5_002) },
      });
      expect(await same(t, (s) => s.listAttempts('d'))).toHaveLength(2);
      expect(await same(t, (s) => s.getEndpoint('ep'))).toMatchObject({
        enabled: false,
        disabledReason: 'gone',
      });
      await same(t, (s) => s.getDelivery('d'));
      expect(await same(t, (s) => s.nextDeliveryAt())).toBeNull();
      if (t.now.stats !== undefined) await same(t, (s) => s.stats!({ now: at(1_000) }));
    });

    it('fanned-out deliveries (insertFanout, when the adapter has it): a success and a retry read alike', async ({
      skip,
    }) => {
      const t = await twins(skip);
      if (t.now.insertFanout === undefined) skip();
      const m = fanMessage(0);
      for (const s of [t.now, t.ref]) {
        for (const id of ['ep-a', 'ep-b', 'ep-c']) await s.insertEndpoint(endpoint(id));
        await s.insertFanout!({ message: m, endpointIds: ['ep-a', 'ep-b', 'ep-c'], nextAttemptAt: at(0) });
      }
      const claim = (s: Storage) =>
        s.claimDeliveries({ now: at(0), limit: 10, instanceId: 'i', leaseMs: LEASE });
      const [a, b] = (await same(t, claim)).sort((x, y) => x.id.localeCompare(y.id));
      await complete(t, finished(a!, 'succeeded', 10));
      const retry = finished(b!, 'failed', 20);
      await complete(t, {
        ...retry,
        delivery: { ...retry.delivery, status: 'pending', nextAttemptAt: at(900) },
      });
      expect((await same(t, (s) => s.listDeliveries())).map((d) => d.status).sort()).toEqual([
        'pending',
        'pending',
        'succeeded',
      ]);
      for (const i of [0, 1, 2]) await same(t, (s) => s.listAttempts(fanoutDeliveryId(m.id, i)));
      await same(t, (s) => s.getDelivery(a!.id));
      // b is due again at 900; c is still leased until LEASE.
      expect(await same(t, (s) => s.nextDeliveryAt())).toEqual(at(900));
      if (t.now.stats !== undefined) await same(t, (s) => s.stats!({ now: at(1_000) }));
    });

    it('throws what completeAttempt rejects with, and stores nothing then', async ({ skip }) => {
      const t = await twins(skip);
      const ghost = finished(delivery('ghost', 'm', 'ep'), 'succeeded', 5);
      const rejected = await t.ref.completeAttempt(structuredClone(ghost)).then(
        () => null,
        (error: unknown) => error,
      );
      let thrown: unknown = null;
      try {
        t.now.completeAttemptNow!(structuredClone(ghost));
      } catch (error) {
        thrown = error;
      }
      if (rejected === null) expect(thrown).toBeNull();
      else expect(thrown).toMatchObject({ name: 'CronhookError', code: (rejected as { code: string }).code });
      await same(t, (s) => s.getDelivery('ghost'));
      await same(t, (s) => s.listAttempts('ghost'));
    });
  });
}
