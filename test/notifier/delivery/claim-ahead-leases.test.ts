import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import {
  A,
  answerUntilSucceeded,
  B,
  countingStorage,
  heldTransport,
  startWarm,
} from './claim-ahead-fixtures.js';

// Deliveries claimed ahead are leased to this instance while they wait: none waits beyond its endpoint's share,
// and stop() or half the lease hands them back to storage. How much is claimed ahead: claim-ahead.test.ts.

describe('dispatcher: the leases of deliveries claimed ahead', () => {
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
    await answerUntilSucceeded(h, held, 33);
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

  it('stop() waits for a claim in flight and hands back what it took: nothing is claimed, sent or left leased after it', async () => {
    const storage = new MemoryStorage();
    const h = createNotifierHarness({ storage, concurrency: 1, prefetch: 4 });
    await h.notifier.addEndpoint({ url: A });
    for (let i = 0; i < 3; i++) await h.notifier.publish('x.y', { i });
    // The first claim is held until the test lets it through, as a claim still in flight when stop() is called.
    const claim = storage.claimDeliveries.bind(storage);
    let letThrough!: () => void;
    const held = new Promise<void>((resolve) => {
      letThrough = resolve;
    });
    let claims = 0;
    let stopped = false;
    const afterStop: string[] = [];
    storage.claimDeliveries = async (options) => {
      if (stopped) afterStop.push('claim');
      claims++;
      await held;
      return claim(options);
    };
    await h.notifier.start();
    await h.settle();
    expect(claims).toBe(1);
    const stopping = h.notifier.stop().then(() => {
      stopped = true;
    });
    await h.settle();
    expect(stopped).toBe(false);
    letThrough();
    await stopping;
    expect(h.transport.requests).toHaveLength(0);
    const leased = (await storage.listDeliveries({ limit: 100 })).filter((d) => d.lockedBy !== null);
    expect(leased).toEqual([]);
    await h.settle();
    expect(afterStop).toEqual([]);
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
});
