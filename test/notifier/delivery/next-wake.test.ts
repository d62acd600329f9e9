import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

describe('NextWake: when the dispatcher looks for due deliveries next', () => {
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
