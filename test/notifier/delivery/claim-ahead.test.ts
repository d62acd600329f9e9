import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { ClaimDeliveriesOptions } from '../../../src/storage/types.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import type { Transport, TransportResponse } from '../../../src/transport/types.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const A = 'https://a.example.com/hooks';
const B = 'https://b.example.com/hooks';

/** A MemoryStorage that records each claim's options and how many it returned. */
function countingStorage() {
  const storage = new MemoryStorage();
  const claims: Array<{ options: ClaimDeliveriesOptions; claimed: number }> = [];
  const claim = storage.claimDeliveries.bind(storage);
  storage.claimDeliveries = async (options) => {
    const claimed = await claim(options);
    claims.push({ options, claimed: claimed.length });
    return claimed;
  };
  const handedBack: string[] = [];
  const update = storage.updateDelivery.bind(storage);
  storage.updateDelivery = async (delivery) => {
    if (delivery.lockedBy === null && delivery.status === 'pending') handedBack.push(delivery.id);
    return update(delivery);
  };
  return { storage, claims, handedBack };
}

/** A transport whose requests wait until the test answers them. */
function heldTransport() {
  const pending: Array<{ url: string; answer: () => void }> = [];
  const transport: Transport = {
    send: (request) =>
      new Promise<TransportResponse>((resolve) => {
        pending.push({
          url: request.url,
          answer: () => resolve({ status: 200, headers: {}, body: '', bodyTruncated: false, durationMs: 1 }),
        });
      }),
  };
  const answer = (n = pending.length) => {
    for (const p of pending.splice(0, n)) p.answer();
  };
  return { transport, pending, answer };
}

/**
 * Starts the notifier and has each endpoint answer one delivery (topic `warm.up`), so that it is known to
 * answer promptly and may use its `perEndpointConcurrency` slots (a new endpoint gets one, see FairShare).
 */
async function startWarm(
  h: ReturnType<typeof createNotifierHarness>,
  held: ReturnType<typeof heldTransport>,
): Promise<void> {
  await h.notifier.start();
  await h.notifier.publish('warm.up', {});
  for (
    let i = 0;
    i < 10 && h.of('delivery.succeeded').length < (await h.notifier.listEndpoints()).length;
    i++
  ) {
    held.answer();
    await h.settle();
  }
  h.events.length = 0;
}

describe('dispatcher: deliveries claimed ahead (prefetch)', () => {
  it('refills a freed slot from deliveries claimed ahead, without a claim per answer', async () => {
    const { storage, claims } = countingStorage();
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport, concurrency: 2, prefetch: 6 });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    await h.notifier.stop();
    for (let i = 0; i < 8; i++) await h.notifier.publish('x.y', { i });
    await h.notifier.start();
    await h.settle();
    // Two sent, more leased to this instance and waiting in memory.
    expect(held.pending).toHaveLength(2);
    const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
    expect(leased.length).toBeGreaterThan(2);
    const claimsBefore = claims.filter((c) => c.claimed > 0).length;
    held.answer(1);
    await h.settle();
    // The freed slot was refilled from memory.
    expect(held.pending).toHaveLength(2);
    expect(claims.filter((c) => c.claimed > 0).length).toBe(claimsBefore);
    for (let i = 0; i < 20 && h.of('delivery.succeeded').length < 8; i++) {
      held.answer();
      await h.settle();
    }
    expect(h.of('delivery.succeeded')).toHaveLength(8);
    // Every delivery was sent exactly once.
    expect(new Set(h.of('delivery.succeeded').map((e) => e.delivery.id)).size).toBe(8);
    await h.notifier.stop();
  });

  it('claims 4 × concurrency ahead by default', async () => {
    /** Deliveries leased (in flight or waiting) once a backlog of 40 has settled on 2 slots. */
    const leasedWith = async (prefetch?: number) => {
      const { storage } = countingStorage();
      const held = heldTransport();
      const h = createNotifierHarness({
        storage,
        transport: held.transport,
        concurrency: 2,
        ...(prefetch === undefined ? {} : { prefetch }),
      });
      await h.notifier.addEndpoint({ url: A });
      await startWarm(h, held);
      for (let i = 0; i < 40; i++) await h.notifier.publish('x.y', { i });
      await h.settle();
      const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
      const stopping = h.notifier.stop();
      held.answer();
      await stopping;
      return leased.length;
    };
    const byDefault = await leasedWith();
    expect(byDefault).toBeGreaterThan(2);
    expect(byDefault).toBe(await leasedWith(8));
    expect(byDefault).not.toBe(await leasedWith(9));
  });

  it('prefetch: 0 claims for free slots only', async () => {
    const { storage, claims } = countingStorage();
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport, concurrency: 2, prefetch: 0 });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    for (let i = 0; i < 8; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(claims.every((c) => c.options.limit <= 2)).toBe(true);
    const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
    expect(leased).toHaveLength(2);
    const stopping = h.notifier.stop();
    held.answer();
    await stopping;
  });

  it('a busy endpoint never holds more than its share: deliveries to another are still claimed and sent', async () => {
    const { storage, handedBack } = countingStorage();
    const held = heldTransport();
    // 2 slots per endpoint of 4: an endpoint's share of the 8 claimed ahead is 4.
    const h = createNotifierHarness({
      storage,
      transport: held.transport,
      concurrency: 4,
      perEndpointConcurrency: 2,
      prefetch: 8,
    });
    await h.notifier.addEndpoint({ url: A, topics: ['a.*', 'warm.*'] });
    await h.notifier.addEndpoint({ url: B, topics: ['b.*', 'warm.*'] });
    await startWarm(h, held);
    await h.notifier.stop();
    for (let i = 0; i < 30; i++) await h.notifier.publish('a.event', { i });
    for (let i = 0; i < 3; i++) await h.notifier.publish('b.event', { i });
    await h.notifier.start();
    await h.settle();
    // A holds its 2 slots; B's deliveries, published after 30 of A's, got the other two at once.
    expect(held.pending.filter((p) => p.url === A)).toHaveLength(2);
    expect(held.pending.filter((p) => p.url === B)).toHaveLength(2);
    const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
    // In flight (4) plus waiting: at most A's share (4) and B's last one.
    expect(leased.length).toBeLessThanOrEqual(4 + 4 + 1);
    // Nothing claimed had to be handed back for want of room.
    expect(handedBack).toEqual([]);
    for (let i = 0; i < 50 && h.of('delivery.succeeded').length < 33; i++) {
      held.answer();
      await h.settle();
    }
    expect(h.of('delivery.succeeded')).toHaveLength(33);
    expect(handedBack).toEqual([]);
    await h.notifier.stop();
  });

  it('stop() hands back what was claimed ahead: another instance sends it at once, not after the lease', async () => {
    const clock = new FakeClock();
    const storage = new MemoryStorage();
    const held = heldTransport();
    const first = createNotifierHarness({
      clock,
      storage,
      transport: held.transport,
      concurrency: 1,
      prefetch: 4,
    });
    await first.notifier.addEndpoint({ url: A });
    for (let i = 0; i < 5; i++) await first.notifier.publish('x.y', { i });
    await first.notifier.start();
    await first.settle();
    expect(held.pending).toHaveLength(1);
    const stopping = first.notifier.stop();
    held.answer();
    await stopping;
    // Nothing is leased any more: a second notifier takes the other four without waiting for a lease.
    const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
    expect(leased).toEqual([]);
    const second = createNotifierHarness({
      clock,
      storage,
      transport: new MockTransport([], { clock }),
      concurrency: 4,
    });
    await second.notifier.start();
    await second.settle();
    expect(second.transport.requests).toHaveLength(4);
    await second.notifier.stop();
  });

  it('a delivery that waited past half its lease is handed back and claimed again, not sent on a stale lease', async () => {
    const clock = new FakeClock();
    const { storage, handedBack } = countingStorage();
    // After a first answer (the endpoint is then prompt), a request takes 40 s of a 60 s lease; the
    // deliveries waiting behind it are then stale.
    const transport = new MockTransport([{}, { delayMs: 40_000 }, {}], { clock });
    const h = createNotifierHarness({
      clock,
      storage,
      transport,
      concurrency: 1,
      prefetch: 3,
      leaseMs: 60_000,
      attemptTimeoutMs: 50_000,
      // A 40 s answer is not slow here: the endpoint stays prompt, so its deliveries may wait.
      slowAttemptMs: 50_000,
    });
    await h.notifier.addEndpoint({ url: A });
    await h.notifier.start();
    await h.notifier.publish('warm.up', {});
    await h.settle();
    await h.notifier.stop();
    for (let i = 0; i < 4; i++) await h.notifier.publish('x.y', { i });
    await h.notifier.start();
    await h.settle();
    expect(transport.requests).toHaveLength(2);
    await clock.advance(40_000);
    await h.settle();
    // The three waiting ones were handed back, then claimed afresh and sent.
    expect(handedBack).toHaveLength(3);
    for (let i = 0; i < 10 && h.of('delivery.succeeded').length < 5; i++) {
      await clock.advance(10);
      await h.settle();
    }
    expect(h.of('delivery.succeeded')).toHaveLength(5);
    expect(transport.requests).toHaveLength(5);
    await h.notifier.stop();
  });

  it('answers to a busy endpoint do not each cost a claim that finds nothing', async () => {
    const { storage, claims } = countingStorage();
    const held = heldTransport();
    const h = createNotifierHarness({
      storage,
      transport: held.transport,
      concurrency: 4,
      perEndpointConcurrency: 2,
      prefetch: 8,
    });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    for (let i = 0; i < 30; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    const before = claims.length;
    for (let i = 0; i < 60 && h.of('delivery.succeeded').length < 30; i++) {
      held.answer(1);
      await h.settle();
    }
    expect(h.of('delivery.succeeded')).toHaveLength(30);
    // Claims that returned nothing: a handful (when the backlog ran out), not one per answer.
    const empty = claims.slice(before).filter((c) => c.claimed === 0).length;
    expect(empty).toBeLessThanOrEqual(3);
    await h.notifier.stop();
  });

  it('does not ask storage for the next due time while every slot is busy', async () => {
    const { storage } = countingStorage();
    let nextReads = 0;
    const next = storage.nextDeliveryAt.bind(storage);
    storage.nextDeliveryAt = () => {
      nextReads++;
      return next();
    };
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport, concurrency: 2, prefetch: 8 });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    for (let i = 0; i < 30; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    const before = nextReads;
    // One answer at a time: each frees a slot that deliveries waiting ahead fill again at once.
    for (let i = 0; i < 60 && h.of('delivery.succeeded').length < 20; i++) {
      held.answer(1);
      await h.settle();
    }
    expect(h.of('delivery.succeeded').length).toBeGreaterThanOrEqual(20);
    expect(nextReads - before).toBeLessThanOrEqual(2);
    // The rest is still delivered, and the outbox then sleeps until something is due.
    for (let i = 0; i < 60 && h.of('delivery.succeeded').length < 30; i++) {
      held.answer();
      await h.settle();
    }
    expect(h.of('delivery.succeeded')).toHaveLength(30);
    await h.notifier.publish('x.y', { late: true });
    await h.settle();
    held.answer();
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(31);
    await h.notifier.stop();
  });

  it('refuses a prefetch that is not a whole number from 0 to 10000', () => {
    for (const prefetch of [-1, 1.5, 10_001, Number.NaN]) {
      expect(() => createNotifierHarness({ prefetch })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
      );
    }
  });
});
