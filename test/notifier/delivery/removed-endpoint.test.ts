import { describe, expect, it, vi } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { A, B, heldTransport, startWarm } from './claim-ahead-fixtures.js';

// Removing an endpoint deletes its pending deliveries, those this instance has in flight or claimed ahead
// included. Their attempts then find nothing to record their outcome on: the removal was asked for, so that
// is no error for the app to hear about.
describeEachStorage('an endpoint removed while its deliveries are in flight or claimed ahead', (open) => {
  it('raises no error event: each of its attempts ends with a debug log line; the other endpoint gets all', async () => {
    const held = heldTransport();
    const h = createNotifierHarness({
      storage: await open(),
      transport: held.transport,
      concurrency: 2,
      prefetch: 8,
    });
    const a = (await h.notifier.addEndpoint({ url: A })).endpoint;
    const b = (await h.notifier.addEndpoint({ url: B })).endpoint;
    await h.notifier.start();
    // Real storage I/O on a shared machine: waited for, not counted in turns.
    const wait = (check: () => void) => vi.waitFor(check, { timeout: 10_000 });
    // Each endpoint answers once first: only those known to answer promptly have deliveries claimed ahead.
    await h.notifier.publish('warm.up', {});
    await wait(() => {
      held.answer();
      expect(h.of('delivery.succeeded')).toHaveLength(2);
    });
    h.events.length = 0;
    for (let i = 0; i < 3; i++) await h.notifier.publish('x.y', { i });
    // Both slots hold a request, one per endpoint; the rest of the three fan-outs waits here, claimed ahead.
    // The claim ahead may come back after the two requests went out: waited for too.
    await wait(() => expect(held.pending.map((p) => p.url).sort()).toEqual([A, B]));
    await wait(async () => {
      const leased = await h.storage.listDeliveries({ topic: 'x.y', limit: 10 });
      expect(leased.map((d) => d.lockedBy !== null)).toEqual(Array(6).fill(true));
    });
    await h.notifier.removeEndpoint(b.id);
    await wait(() => {
      held.answer();
      expect(h.of('delivery.succeeded')).toHaveLength(3);
      // Each of B's attempts has ended, one way or the other.
      expect(h.logs.filter((l) => l.message === DROPPED).length + h.of('error').length).toBe(3);
    });
    expect(h.of('error')).toEqual([]);
    expect(h.of('delivery.succeeded').map((e) => e.delivery.endpointId)).toEqual([a.id, a.id, a.id]);
    const dropped = h.logs.filter((l) => l.message === DROPPED);
    expect(dropped.map((l) => [l.level, l.data?.endpointId])).toEqual(Array(3).fill(['debug', b.id]));
    expect(new Set(dropped.map((l) => l.data?.deliveryId)).size).toBe(3);
    await h.notifier.stop();
  });
});

describe('an attempt whose delivery is gone while its endpoint is not', () => {
  it('is reported as the error it is', async () => {
    // Only the endpoint's removal deletes a pending delivery: anything else doing so is worth hearing about.
    const storage = new MemoryStorage();
    const gone = () => {
      throw new CronhookError('ERR_DELIVERY_NOT_FOUND', 'No delivery with this id');
    };
    vi.spyOn(storage, 'completeAttemptNow').mockImplementation(gone);
    vi.spyOn(storage, 'completeAttempt').mockImplementation(async () => gone());
    const h = createNotifierHarness({ storage, script: [{ status: 200 }] });
    await h.notifier.addEndpoint({ url: A });
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    expect(h.of('error').map((e) => (e.error as CronhookError).code)).toEqual(['ERR_DELIVERY_NOT_FOUND']);
    expect(h.logs.filter((l) => l.message === DROPPED)).toEqual([]);
    await h.notifier.stop();
  });
});

describe('an endpoint removed while deliveries of its are claimed ahead, then stop()', () => {
  it('raises no error event for the deliveries stop() hands back: they went with the endpoint, a debug line each', async () => {
    const held = heldTransport();
    const h = createNotifierHarness({ transport: held.transport, concurrency: 1, prefetch: 4 });
    const a = (await h.notifier.addEndpoint({ url: A })).endpoint;
    await startWarm(h, held);
    for (let i = 0; i < 3; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    // One request in flight, two deliveries claimed ahead: stop() hands those back, and finds them deleted.
    expect(held.pending).toHaveLength(1);
    await h.notifier.removeEndpoint(a.id);
    const stopping = h.notifier.stop();
    held.answer();
    await stopping;
    await h.settle();
    expect(h.of('error')).toEqual([]);
    const dropped = h.logs.filter((l) => l.message === DROPPED);
    expect(new Set(dropped.map((l) => l.data?.deliveryId)).size).toBe(3);
  });
});

describe('a disabled endpoint removed while a delivery of its claimed ahead is being released', () => {
  it('raises no error event either: a debug log line', async () => {
    // An automatic attempt that finds its endpoint disabled releases its delivery instead (updateDelivery);
    // the endpoint's removal can come between its read and that write, which then finds the delivery gone.
    const storage = new MemoryStorage();
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport, concurrency: 1, prefetch: 4 });
    const a = (await h.notifier.addEndpoint({ url: A })).endpoint;
    await startWarm(h, held);
    for (let i = 0; i < 3; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    // One request in flight, two deliveries claimed ahead.
    expect(held.pending).toHaveLength(1);
    await h.notifier.updateEndpoint(a.id, { enabled: false });
    const update = storage.updateDelivery.bind(storage);
    const released: string[] = [];
    vi.spyOn(storage, 'updateDelivery').mockImplementation(async (delivery) => {
      if (delivery.lockedBy === null && released.push(delivery.id) === 1) await storage.deleteEndpoint(a.id);
      return update(delivery);
    });
    held.answer();
    await h.settle();
    expect(released).toHaveLength(1);
    expect(h.of('error')).toEqual([]);
    const dropped = h.logs.filter((l) => l.message === DROPPED);
    expect(dropped.map((l) => l.data?.deliveryId)).toContain(released[0]);
    await h.notifier.stop();
  });
});

const DROPPED = 'cronhook: webhook delivery dropped with its removed endpoint';
