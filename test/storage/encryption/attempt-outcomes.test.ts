import { describe, expect, it, vi } from 'vitest';
import { EncryptedStorage } from '../../../src/storage/encryption/encrypted-storage.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { CompleteAttemptInput } from '../../../src/storage/types.js';
import { at, attempt, delivery, message, retried } from '../../../src/testing/storage-suite/fixtures.js';
import { KEY, SECRET, secretEndpoint } from '../../helpers/encryption.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const AUTHORIZATION = 'Bearer endpoint-token-5521';
const HEADER = 'header-secret-7781';

/** An endpoint with every kind of secret, stored through EncryptedStorage over a MemoryStorage. */
async function encrypted() {
  const inner = new MemoryStorage();
  const storage = new EncryptedStorage(inner, { keys: [KEY] });
  const record = secretEndpoint({ authorization: AUTHORIZATION, headers: { 'x-api-key': HEADER } });
  await storage.insertEndpoint(record);
  return { inner, storage, record };
}

/** Delivery 'd' of message 'm' to the endpoint, claimed. */
async function deliveryClaimed(storage: EncryptedStorage) {
  await storage.insertMessage({ message: message('m'), deliveries: [delivery('d', 'm', 'ep')] });
  const [claimed] = await storage.claimDeliveries({ now: at(0), limit: 1, instanceId: 'i', leaseMs: 30_000 });
  return claimed;
}

/** What the storage underneath holds, as text: none of the endpoint's secrets may be in it. */
async function expectSealed(inner: MemoryStorage): Promise<void> {
  const held = JSON.stringify(await inner.listEndpoints());
  for (const secret of [SECRET, AUTHORIZATION, HEADER]) expect(held).not.toContain(secret);
}

describe("EncryptedStorage: an attempt's outcome", () => {
  it.each(['completeAttempt', 'completeAttemptNow'] as const)(
    "%s writes the endpoint patch's status fields only: an opened endpoint record given as the patch leaves its secrets sealed underneath",
    async (method) => {
      const { inner, storage, record } = await encrypted();
      const claimed = await deliveryClaimed(storage);
      const spy = vi.spyOn(inner, method);
      const opened = (await storage.getEndpoint('ep'))!;
      // The patch's type accepts a whole endpoint record; this one is opened (secrets in clear) and changed.
      const changed = {
        ...opened,
        url: 'https://elsewhere.example.com/',
        failingSince: at(17),
        updatedAt: at(400),
      };
      const patch: CompleteAttemptInput['endpoint'] = changed;
      const made = attempt('a-1', 'd');
      const input: CompleteAttemptInput = {
        delivery: retried(claimed!, made),
        attempt: made,
        endpoint: patch,
      };
      if (method === 'completeAttemptNow') expect(storage.completeAttemptNow!(input)).toBeUndefined();
      else await storage.completeAttempt(input);

      expect(spy).toHaveBeenCalledOnce();
      expect(spy.mock.calls[0]![0].endpoint).toEqual({
        id: 'ep',
        enabled: true,
        failingSince: at(17),
        disabledReason: null,
        disabledAt: null,
        updatedAt: at(400),
      });
      await expectSealed(inner);
      expect(await storage.getEndpoint('ep')).toEqual({
        ...record,
        failingSince: at(17),
        updatedAt: at(400),
      });
      expect(await storage.listAttempts('d')).toEqual([made]);
    },
  );

  it('an outcome without endpoint changes passes as it is, null from JavaScript included', async () => {
    const { inner, storage } = await encrypted();
    const claimed = await deliveryClaimed(storage);
    const spy = vi.spyOn(inner, 'completeAttemptNow');
    const made = attempt('a-1', 'd');
    const input = { delivery: retried(claimed!, made), attempt: made, endpoint: null as never };
    storage.completeAttemptNow!(input);
    expect(spy.mock.calls[0]![0]).toBe(input);
    expect(await storage.listAttempts('d')).toEqual([made]);
  });

  it("the notifier stores outcomes through the storage underneath's completeAttemptNow, not an awaited completeAttempt, and no secret reaches it in clear", async () => {
    const { inner, storage } = await encrypted();
    const now = vi.spyOn(inner, 'completeAttemptNow');
    const awaited = vi.spyOn(inner, 'completeAttempt');
    // Failures start the endpoint's failing streak (an endpoint patch), then a success ends it (another).
    const h = createNotifierHarness({ storage, script: [{ status: 500 }, { status: 200 }] });
    await h.notifier.start();
    await h.notifier.publish('app.event', { n: 1 });
    await h.settle();
    await h.clock.advance('10m');
    await h.settle();
    expect(h.transport.requests).toHaveLength(2);
    expect(h.transport.requests[0]!.headers['x-api-key']).toBe(HEADER);
    expect(now).toHaveBeenCalledTimes(2);
    expect(now.mock.calls.map(([input]) => input.endpoint?.failingSince === null)).toEqual([false, true]);
    expect(awaited).not.toHaveBeenCalled();
    await expectSealed(inner);
    expect((await storage.getEndpoint('ep'))!.failingSince).toBeNull();
    await h.notifier.stop();
  });
});
