import { describe, expect, it } from 'vitest';
import { createNotifierHarness } from '../../helpers/notifier.js';
import {
  A,
  answerUntilSucceeded,
  B,
  countingStorage,
  heldTransport,
  startWarm,
} from './claim-ahead-fixtures.js';

// How much the dispatcher claims ahead of its free slots, and the storage calls that saves. What becomes of
// deliveries claimed ahead (an endpoint's share, handed back on stop() or at half their lease):
// claim-ahead-leases.test.ts.

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
    await answerUntilSucceeded(h, held, 8);
    expect(h.of('delivery.succeeded')).toHaveLength(8);
    // Every delivery was sent exactly once.
    expect(new Set(h.of('delivery.succeeded').map((e) => e.delivery.id)).size).toBe(8);
    await h.notifier.stop();
  });

  it('refills a slot from deliveries claimed ahead as soon as its request is answered, within that turn', async () => {
    // A slot left empty until the end of the event-loop turn idles the receiver while the sender works through
    // the other answers of that turn: requests in flight would average well below `concurrency`.
    const held = heldTransport();
    const h = createNotifierHarness({ transport: held.transport, concurrency: 2, prefetch: 6 });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    for (let i = 0; i < 8; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(held.pending).toHaveLength(2);
    held.answer(1);
    // Microtasks only: no timer, no I/O and no setImmediate has run since the answer.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(held.pending).toHaveLength(2);
    const stopping = h.notifier.stop();
    held.answer();
    await stopping;
  });

  it('sends the next waiting delivery once when one whose endpoint was removed fails as it is launched', async () => {
    // The attempt of a removed endpoint's delivery fails at once, inside the refill that launched it, and frees
    // its slot there: the refill must not start over and launch it (or the others) again.
    const held = heldTransport();
    const h = createNotifierHarness({ transport: held.transport, concurrency: 1, prefetch: 8 });
    const a = (await h.notifier.addEndpoint({ url: A })).endpoint;
    const b = (await h.notifier.addEndpoint({ url: B })).endpoint;
    await startWarm(h, held);
    for (let i = 0; i < 3; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    // One request in flight, the rest of the three fan-outs (to A and to B) waiting here.
    expect(held.pending).toHaveLength(1);
    await h.notifier.removeEndpoint(b.id);
    for (let i = 0; i < 10 && held.pending.length > 0; i++) {
      held.answer();
      await h.settle();
    }
    // Each of B's waiting deliveries was attempted once: its outcome found it deleted with its endpoint, which
    // is no error (removed-endpoint.test.ts), one debug line each.
    expect(h.of('error')).toEqual([]);
    const dropped = h.logs.filter(
      (l) => l.message === 'cronhook: webhook delivery dropped with its removed endpoint',
    );
    expect(new Set(dropped.map((l) => l.data?.deliveryId)).size).toBe(3);
    const succeeded = h.of('delivery.succeeded').filter((e) => e.delivery.topic === 'x.y');
    expect(succeeded.map((e) => e.delivery.endpointId)).toEqual([a.id, a.id, a.id]);
    expect(new Set(succeeded.map((e) => e.delivery.id)).size).toBe(3);
    await h.notifier.stop();
  });

  it('claims 8 × concurrency ahead by default', async () => {
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
    expect(byDefault).toBe(await leasedWith(16));
    expect(byDefault).not.toBe(await leasedWith(17));
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
    await answerUntilSucceeded(h, held, 30, { each: 1 });
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
    await answerUntilSucceeded(h, held, 20, { each: 1 });
    expect(h.of('delivery.succeeded').length).toBeGreaterThanOrEqual(20);
    expect(nextReads - before).toBeLessThanOrEqual(2);
    // The rest is still delivered, and the outbox then sleeps until something is due.
    await answerUntilSucceeded(h, held, 30);
    expect(h.of('delivery.succeeded')).toHaveLength(30);
    await h.notifier.publish('x.y', { late: true });
    await h.settle();
    held.answer();
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(31);
    await h.notifier.stop();
  });

  it("fans-outs' deliveries come in claims of an endpoint's whole share, the buffer holding up to half of prefetch more", async () => {
    // An endpoint's share here is the whole buffer (8): a claim of fan-out deliveries made when the buffer is
    // half empty may take 8 (within what the endpoint holding the most has left), room for which the buffer
    // holds up to 11 (8 + 4 - 1) instead of 8. Fewer, larger claims: each costs a statement and a commit.
    const { storage, claims } = countingStorage();
    const held = heldTransport();
    const h = createNotifierHarness({
      storage,
      transport: held.transport,
      concurrency: 2,
      perEndpointConcurrency: 2,
      prefetch: 8,
    });
    for (let i = 0; i < 6; i++) await h.notifier.addEndpoint({ url: `https://e${i}.example.com/hooks` });
    await startWarm(h, held);
    for (let i = 0; i < 30; i++) await h.notifier.publish('x.y', { i }); // 180 deliveries
    await h.settle();
    const before = claims.length;
    let mostLeased = 0;
    const sampleLeased = async () => {
      const leased = (await storage.listDeliveries({ limit: 500 })).filter((d) => d.lockedBy !== null);
      mostLeased = Math.max(mostLeased, leased.length);
    };
    await answerUntilSucceeded(h, held, 180, { each: 1, afterTurn: sampleLeased });
    expect(h.of('delivery.succeeded')).toHaveLength(180);
    expect(new Set(h.of('delivery.succeeded').map((e) => e.delivery.id)).size).toBe(180);
    // 2 in flight and at most 11 waiting; the claims took 7 each (8 less the 1 of the endpoint holding the
    // most), not the 5 a buffer of 8 had room for: 25 claims, not 35.
    expect(mostLeased).toBeLessThanOrEqual(2 + 11);
    expect(mostLeased).toBeGreaterThan(2 + 8);
    const found = claims.slice(before).filter((c) => c.claimed > 0);
    expect(found.length).toBeLessThanOrEqual(28);
    await h.notifier.stop();
  });

  it("one prompt endpoint's deliveries come in claims of its whole share, the buffer holding up to half of prefetch more", async () => {
    // One endpoint, whose share is the whole buffer (8): once a claim brought its deliveries and it answers
    // promptly, the claim made when the buffer is half empty takes 8, not half a share (4), room for which the
    // buffer holds up to 11 (as after fan-out claims). Half as many claims, each a statement and a commit.
    const { storage, claims, handedBack } = countingStorage();
    const held = heldTransport();
    const h = createNotifierHarness({
      storage,
      transport: held.transport,
      concurrency: 2,
      perEndpointConcurrency: 2,
      prefetch: 8,
    });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    for (let i = 0; i < 90; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    const before = claims.length;
    let mostLeased = 0;
    const sampleLeased = async () => {
      const leased = (await storage.listDeliveries({ limit: 500 })).filter((d) => d.lockedBy !== null);
      mostLeased = Math.max(mostLeased, leased.length);
    };
    await answerUntilSucceeded(h, held, 90, { each: 1, afterTurn: sampleLeased });
    expect(h.of('delivery.succeeded')).toHaveLength(90);
    expect(new Set(h.of('delivery.succeeded').map((e) => e.delivery.id)).size).toBe(90);
    expect(handedBack).toEqual([]);
    // 2 in flight and at most 11 waiting; claims of 8 (the last found what was left): 11, not ~22.
    expect(mostLeased).toBeLessThanOrEqual(2 + 11);
    expect(mostLeased).toBeGreaterThan(2 + 8);
    const found = claims.slice(before).filter((c) => c.claimed > 0);
    expect(found.length).toBeLessThanOrEqual(13);
    expect(found.slice(0, -1).every((c) => c.options.limit === 8)).toBe(true);
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
