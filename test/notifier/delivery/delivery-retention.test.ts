import { describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

const OK = 'https://ok.example.com/hooks';
const DOWN = 'https://down.example.com/hooks';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** OK answers 200; DOWN answers 500 and is retried only after 30 days, so its deliveries stay pending. */
function harness(options: { deliveryRetentionMs?: number; storage?: MemoryStorage } = {}) {
  const storage = options.storage ?? new MemoryStorage();
  const prune = vi.spyOn(storage, 'pruneDeliveries');
  const h = createNotifierHarness({
    storage,
    retrySchedule: ['30d'],
    script: (request) => ({ status: request.url === DOWN ? 500 : 200 }),
    ...(options.deliveryRetentionMs === undefined
      ? {}
      : { deliveryRetentionMs: options.deliveryRetentionMs }),
  });
  return { ...h, prune };
}

describe('delivery retention', () => {
  it('prunes finished deliveries past deliveryRetentionMs, keeping pending and recent ones', async () => {
    const h = harness({ deliveryRetentionMs: DAY });
    await h.notifier.addEndpoint({ url: OK });
    await h.notifier.addEndpoint({ url: DOWN });
    await h.notifier.start();
    const old = await h.notifier.publish('order.created', { n: 1 });
    await h.settle();
    await h.clock.advance(12 * HOUR);
    const recent = await h.notifier.publish('order.created', { n: 2 });
    await h.settle();
    const before = await h.storage.listDeliveries({ messageId: old });
    expect(before.map((d) => d.status).sort()).toEqual(['pending', 'succeeded']);

    // The old success is a day old at T0+24h; the next hourly pass after that removes it.
    await h.clock.advance(13 * HOUR);

    const oldLeft = await h.storage.listDeliveries({ messageId: old });
    expect(oldLeft.map((d) => d.status)).toEqual(['pending']);
    const gone = before.find((d) => d.status === 'succeeded')!;
    expect(await h.storage.getDelivery(gone.id)).toBeNull();
    expect(await h.storage.listAttempts(gone.id)).toEqual([]);
    // Still referenced by the pending delivery.
    expect(await h.storage.getMessage(old)).not.toBeNull();
    const recentLeft = await h.storage.listDeliveries({ messageId: recent });
    expect(recentLeft.map((d) => d.status).sort()).toEqual(['pending', 'succeeded']);
    expect(h.of('error')).toEqual([]);
    await h.notifier.stop();
  });

  it('prunes at start, then at most once an hour of the clock, with the default of 7 days', async () => {
    const storage = new MemoryStorage();
    const seeded = createNotifierHarness({ storage, script: () => ({ status: 200 }) });
    await seeded.notifier.addEndpoint({ url: OK });
    await seeded.notifier.start();
    const ancient = await seeded.notifier.publish('order.created', { n: 0 });
    await seeded.settle();
    await seeded.notifier.stop();
    expect(await storage.listDeliveries({ messageId: ancient })).toHaveLength(1);

    // A notifier started 8 days later removes it straight away.
    const h = harness({ storage });
    await h.clock.set(Date.parse('2026-01-09T00:00:00.000Z'));
    await h.notifier.start();
    await h.settle();
    expect(h.prune).toHaveBeenCalledTimes(1);
    expect(h.prune.mock.calls[0]![0].before).toEqual(
      new Date(Date.parse('2026-01-09T00:00:00.000Z') - 7 * DAY),
    );
    expect(await storage.getMessage(ancient)).toBeNull();
    expect(await storage.listDeliveries()).toEqual([]);

    // Busy or idle, no second pass before an hour has passed.
    await h.notifier.publish('order.created', { n: 1 });
    await h.clock.advance(HOUR - 1);
    expect(h.prune).toHaveBeenCalledTimes(1);
    await h.clock.advance(1);
    expect(h.prune).toHaveBeenCalledTimes(2);
    await h.clock.advance(5 * HOUR);
    expect(h.prune).toHaveBeenCalledTimes(7);
    await h.notifier.stop();
  });

  it('prunes a short retention every tenth of it: kept a minute, gone within 66 s, not an hour later', async () => {
    const h = harness({ deliveryRetentionMs: 60_000 });
    await h.notifier.addEndpoint({ url: OK });
    await h.notifier.start();
    const id = await h.notifier.publish('order.created', {});
    await h.settle();
    const statuses = async () => (await h.storage.listDeliveries({ messageId: id })).map((d) => d.status);
    expect(await statuses()).toEqual(['succeeded']);

    // Kept for its minute: the passes at 6 s, 12 s, ... 54 s find nothing old enough.
    await h.clock.advance(59_999);
    expect(await statuses()).toEqual(['succeeded']);
    // The pass at 66 s removes what finished before 6 s.
    await h.clock.advance(66_000 - 59_999);
    expect(await statuses()).toEqual([]);
    expect(await h.storage.getMessage(id)).toBeNull();
    // One pass at start, then one every 6 s.
    expect(h.prune).toHaveBeenCalledTimes(1 + 11);
    expect(h.of('error')).toEqual([]);
    await h.notifier.stop();
  });

  it('runs passes at least a second apart, however short the retention', async () => {
    const h = harness({ deliveryRetentionMs: 100 });
    await h.notifier.addEndpoint({ url: OK });
    await h.notifier.start();
    await h.settle();
    expect(h.prune).toHaveBeenCalledTimes(1);
    await h.clock.advance(999);
    expect(h.prune).toHaveBeenCalledTimes(1);
    await h.clock.advance(1);
    expect(h.prune).toHaveBeenCalledTimes(2);
    await h.clock.advance(10_000);
    expect(h.prune).toHaveBeenCalledTimes(12);
    await h.notifier.stop();
  });

  it('deliveryRetentionMs: 0 keeps the log forever', async () => {
    const h = harness({ deliveryRetentionMs: 0 });
    await h.notifier.addEndpoint({ url: OK });
    await h.notifier.start();
    const id = await h.notifier.publish('order.created', {});
    await h.clock.advance(30 * DAY);
    expect(h.prune).not.toHaveBeenCalled();
    expect((await h.storage.listDeliveries({ messageId: id })).map((d) => d.status)).toEqual(['succeeded']);
    await h.notifier.stop();
  });

  it('reports a failing pass as an error event and keeps delivering', async () => {
    const h = harness({ deliveryRetentionMs: DAY });
    h.prune.mockRejectedValue(new Error('disk on fire'));
    await h.notifier.addEndpoint({ url: OK });
    await h.notifier.start();
    await h.settle();
    expect(h.of('error').map((e) => (e.error as Error).message)).toEqual(['disk on fire']);

    const id = await h.notifier.publish('order.created', {});
    await h.settle();
    expect((await h.storage.listDeliveries({ messageId: id })).map((d) => d.status)).toEqual(['succeeded']);
    await h.clock.advance(HOUR);
    expect(h.of('error')).toHaveLength(2);
    await h.notifier.stop();
  });
});
