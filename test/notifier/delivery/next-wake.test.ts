import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

describe('when the dispatcher looks for due deliveries next (NextWake, wake())', () => {
  it('a message stored while a claim is on its way, and missed by it, is claimed at once', async () => {
    const storage = new MemoryStorage();
    const claim = storage.claimDeliveries.bind(storage);
    let gate: Promise<void> | null = null;
    let release!: () => void;
    // The claim reads storage first, then is held: it cannot see a message stored meanwhile.
    storage.claimDeliveries = async (options) => {
      const claimed = await claim(options);
      const held = gate;
      gate = null;
      if (held !== null) await held;
      return claimed;
    };
    const h = createNotifierHarness({ storage });
    await h.notifier.addEndpoint({ url: 'https://a.example.com/hooks' });
    await h.notifier.start();
    await h.settle();
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await h.notifier.publish('x.y', { n: 1 });
    await h.settle();
    await h.notifier.publish('x.y', { n: 2 });
    release();
    await h.settle();
    // Without moving the clock: the second message must not wait for the poll interval.
    expect(h.transport.requests).toHaveLength(2);
    await h.notifier.stop();
  });

  it('a read of the next due time that returns after stop() arms no timer (nothing holds the process open)', async () => {
    const storage = new MemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const h = createNotifierHarness({ storage });
    let reads = 0;
    // A delivery due in a minute, told only once the read is let through.
    storage.nextDeliveryAt = async () => {
      reads++;
      await gate;
      return new Date(h.clock.now() + 60_000);
    };
    await h.notifier.addEndpoint({ url: 'https://a.example.com/hooks' });
    await h.notifier.start();
    await h.settle();
    expect(reads).toBe(1);
    await h.notifier.stop();
    release();
    await h.settle();
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('a read that returns while running arms the timer for the time it read', async () => {
    const storage = new MemoryStorage();
    const h = createNotifierHarness({ storage });
    storage.nextDeliveryAt = async () => new Date(h.clock.now() + 60_000);
    await h.notifier.addEndpoint({ url: 'https://a.example.com/hooks' });
    await h.notifier.start();
    await h.settle();
    expect(h.clock.nextTimerDelay()).toBe(60_000);
    await h.notifier.stop();
    expect(h.clock.pendingTimers).toBe(0);
  });
});
