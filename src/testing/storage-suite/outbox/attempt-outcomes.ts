import { describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../../notifier/types.js';
import type { CompleteAttemptInput } from '../../../storage/outbox-types.js';
import type { SuiteContext } from '../context.js';
import { at, attempt, delivery, endpoint, message, retried } from '../fixtures.js';

/**
 * An attempt's outcome written by `completeAttempt`: the attempt logged, the delivery updated and released,
 * the endpoint's changes applied (those named only). Done before the call returns (`completeAttemptNow`):
 * attempt-writes-now.ts.
 */
export function attemptOutcomeTests(ctx: SuiteContext): void {
  /** Endpoint 'ep', message 'm' and its one delivery 'd' stored, then 'd' claimed by instance 'i' at 0. */
  async function storeAndClaimOne(leaseMs: number): Promise<DeliveryRecord | undefined> {
    await ctx.storage.insertEndpoint(endpoint('ep'));
    await ctx.storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
    const [claimed] = await ctx.storage.claimDeliveries({ now: at(0), limit: 1, instanceId: 'i', leaseMs });
    return claimed;
  }

  describe('attempt outcomes (completeAttempt)', () => {
    it('completeAttempt logs the attempt, updates the delivery, releases its lease and patches the endpoint', async () => {
      const claimed = await storeAndClaimOne(30_000);
      const first = attempt('a-1', 'd');
      const retrying = retried(claimed!, first);
      await ctx.storage.completeAttempt({
        delivery: retrying,
        attempt: first,
        endpoint: { id: 'ep', failingSince: at(17), updatedAt: at(400) },
      });
      expect(await ctx.storage.getDelivery('d')).toEqual({ ...retrying, lockedBy: null, lockedUntil: null });
      expect(await ctx.storage.getEndpoint('ep')).toEqual(
        endpoint('ep', { failingSince: at(17), updatedAt: at(400) }),
      );
      // Released, so claimable when next due rather than when the lease would have expired.
      expect(await ctx.storage.nextDeliveryAt()).toEqual(at(5_000));

      const second = attempt('a-2', 'd', {
        attempt: 2,
        trigger: 'redeliver',
        startedAt: at(5_001),
        statusCode: null,
        error: null,
        responseHeaders: {},
        responseSnippet: null,
      });
      const gone: DeliveryRecord = { ...retrying, status: 'failed', attempts: 2, nextAttemptAt: null };
      await ctx.storage.completeAttempt({
        delivery: gone,
        attempt: second,
        endpoint: { id: 'ep', enabled: false, disabledReason: 'gone', disabledAt: at(5_002) },
      });
      expect(await ctx.storage.listAttempts('d')).toEqual([first, second]);
      expect(await ctx.storage.listAttempts('none')).toEqual([]);
      expect(await ctx.storage.getEndpoint('ep')).toMatchObject({
        enabled: false,
        disabledReason: 'gone',
        disabledAt: at(5_002),
        failingSince: at(17),
        url: endpoint('ep').url,
      });
      expect(await ctx.storage.nextDeliveryAt()).toBeNull();
    });

    it('completeAttempt writes the endpoint changes it names only: other fields of an object given as them stay as stored', async () => {
      const claimed = await storeAndClaimOne(30_000);
      const first = attempt('a-1', 'd');
      // The type of the changes accepts a whole endpoint record: one read before a later change, say.
      const read = (await ctx.storage.getEndpoint('ep'))!;
      await ctx.storage.updateEndpoint({ ...read, url: 'https://moved.example.com/in', updatedAt: at(300) });
      const changed = { ...read, failingSince: at(17), updatedAt: at(400) };
      const changes: CompleteAttemptInput['endpoint'] = changed;
      await ctx.storage.completeAttempt({
        delivery: retried(claimed!, first),
        attempt: first,
        endpoint: changes,
      });
      expect(await ctx.storage.getEndpoint('ep')).toEqual({
        ...endpoint('ep'),
        url: 'https://moved.example.com/in',
        failingSince: at(17),
        updatedAt: at(400),
      });
    });

    it('completeAttempt takes `endpoint: null` (from JavaScript, outside its type) as no endpoint change, as it takes none', async () => {
      const claimed = await storeAndClaimOne(30_000);
      const made = attempt('a-1', 'd');
      const next = retried(claimed!, made);
      // What a JavaScript caller may pass for "no change": every adapter reads it as an absent `endpoint`.
      const input = { delivery: next, attempt: made, endpoint: null } as unknown as CompleteAttemptInput;
      await ctx.storage.completeAttempt(input);
      expect(await ctx.storage.getDelivery('d')).toEqual({ ...next, lockedBy: null, lockedUntil: null });
      expect(await ctx.storage.listAttempts('d')).toEqual([made]);
      expect(await ctx.storage.getEndpoint('ep')).toEqual(endpoint('ep'));
    });

    it("completeAttempt keeps its own copies: changing the caller's records or a read's dates changes nothing stored", async () => {
      const claimed = await storeAndClaimOne(1);
      const made = attempt('a-1', 'd');
      const next = retried(claimed!, made);
      await ctx.storage.completeAttempt({ delivery: next, attempt: made });
      // Fresh values throughout: `next` and `made` are changed below.
      const expected = {
        ...next,
        nextAttemptAt: at(5_000),
        lastAttemptAt: at(17),
        lastError: { ...made.error! },
        createdAt: at(0),
        updatedAt: at(400),
        lockedBy: null,
        lockedUntil: null,
      };
      made.startedAt.setTime(1);
      made.error!.message = 'changed';
      next.createdAt.setTime(2);
      const read = (await ctx.storage.getDelivery('d'))!;
      expect(read).toEqual(expected);
      read.lastAttemptAt!.setTime(3);
      read.createdAt.setTime(4);
      read.lastError!.code = 'changed';
      const [logged] = await ctx.storage.listAttempts('d');
      expect(logged).toEqual(attempt('a-1', 'd'));
      logged!.startedAt.setTime(5);
      expect(await ctx.storage.getDelivery('d')).toEqual(expected);
      expect(await ctx.storage.listAttempts('d')).toEqual([attempt('a-1', 'd')]);
    });
  });
}
