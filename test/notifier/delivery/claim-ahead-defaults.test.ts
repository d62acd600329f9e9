import { describe, expect, it } from 'vitest';
import type { Transport, TransportResponse } from '../../../src/transport/types.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import {
  A,
  answerUntilSucceeded,
  B,
  countingStorage,
  heldTransport,
  startWarm,
} from './claim-ahead-fixtures.js';

// At the default options (concurrency 10, perEndpointConcurrency 4, prefetch 80) one endpoint holds 4 slots:
// the other 6 are free, but only another endpoint's deliveries could use them. How the dispatcher waits for
// those without asking storage on every answer; how much it claims ahead: claim-ahead.test.ts.

/** countingStorage(), also counting reads of the next due time. */
function countingReads() {
  const counting = countingStorage();
  const reads = { count: 0 };
  const next = counting.storage.nextDeliveryAt.bind(counting.storage);
  counting.storage.nextDeliveryAt = () => {
    reads.count++;
    return next();
  };
  return { ...counting, reads };
}

describe('dispatcher at the default options: slots only another endpoint could use', () => {
  it("one busy endpoint's answers do not each cost a read of the next due time", async () => {
    const { storage, claims, reads } = countingReads();
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport });
    await h.notifier.addEndpoint({ url: A });
    await startWarm(h, held);
    // 120: after 80 are delivered, more than what A may lease (4 in flight, its share of 32 waiting) is stored.
    for (let i = 0; i < 120; i++) await h.notifier.publish('x.y', { i });
    await h.settle();
    expect(held.pending).toHaveLength(4);
    const readsBefore = reads.count;
    const claimsBefore = claims.length;
    // Each round answers the endpoint's 4 requests: 4 more start from what was claimed ahead.
    await answerUntilSucceeded(h, held, 80, {
      afterTurn: () => expect(held.pending.length).toBeGreaterThan(0),
    });
    expect(h.of('delivery.succeeded')).toHaveLength(80);
    expect(reads.count - readsBefore).toBeLessThanOrEqual(2);
    // The claims are refills of what waits ahead, not claims that find nothing.
    expect(claims.slice(claimsBefore).filter((c) => c.claimed === 0).length).toBeLessThanOrEqual(1);
    // The rest is delivered, and the outbox then sleeps until something is stored.
    await answerUntilSucceeded(h, held, 120);
    expect(h.of('delivery.succeeded')).toHaveLength(120);
    await h.notifier.publish('x.y', { late: true });
    await h.settle();
    held.answer();
    await h.settle();
    expect(h.of('delivery.succeeded')).toHaveLength(121);
    await h.notifier.stop();
  });

  it('a message for the busy endpoint alone costs no claim; one for an endpoint with room starts at once', async () => {
    const { storage, claims, reads } = countingReads();
    const held = heldTransport();
    const h = createNotifierHarness({ storage, transport: held.transport });
    await h.notifier.addEndpoint({ url: A, topics: ['a.x', 'warm.up'] });
    await h.notifier.addEndpoint({ url: B, topics: ['b.x', 'warm.up'] });
    await startWarm(h, held);
    for (let i = 0; i < 60; i++) await h.notifier.publish('a.x', { i });
    await h.settle();
    // A holds its 4 slots and more than half its share waits ahead: claims leave A out and find nothing.
    expect(held.pending.map((p) => p.url)).toEqual([A, A, A, A]);
    const claimsBefore = claims.length;
    const readsBefore = reads.count;
    for (let i = 0; i < 5; i++) {
      await h.notifier.publish('a.x', { more: i });
      await h.settle();
    }
    expect(claims.length - claimsBefore).toBe(0);
    expect(reads.count - readsBefore).toBeLessThanOrEqual(1);
    await h.notifier.publish('b.x', {});
    await h.settle();
    expect(held.pending.filter((p) => p.url === B)).toHaveLength(1);
    // Nothing published is lost: A's deliveries, the five later ones too, all go out.
    await answerUntilSucceeded(h, held, 66);
    expect(h.of('delivery.succeeded')).toHaveLength(66);
    await h.notifier.stop();
  });

  it("another endpoint's new delivery starts at once while the busy one holds its limit", async () => {
    const held = heldTransport();
    const h = createNotifierHarness({ transport: held.transport });
    await h.notifier.addEndpoint({ url: A, topics: ['a.x', 'warm.up'] });
    await h.notifier.addEndpoint({ url: B, topics: ['b.x', 'warm.up'] });
    await startWarm(h, held);
    for (let i = 0; i < 60; i++) await h.notifier.publish('a.x', { i });
    await h.settle();
    for (let i = 0; i < 3; i++) {
      held.answer();
      await h.settle();
    }
    expect(held.pending.map((p) => p.url)).toEqual([A, A, A, A]);
    await h.notifier.publish('b.x', {});
    await h.settle();
    expect(held.pending.filter((p) => p.url === B)).toHaveLength(1);
    const stopping = h.notifier.stop();
    held.answer();
    await stopping;
  });

  it("another endpoint's retry starts once due while the busy one holds its limit, within the poll interval", async () => {
    // B answers 500 the first time; its retry falls due while A's backlog keeps A at its limit.
    const pending: Array<{ url: string; answer: () => void }> = [];
    let failedB = false;
    const transport: Transport = {
      send: (request) =>
        new Promise<TransportResponse>((resolve) => {
          const status = request.url === B && !failedB ? 500 : 200;
          if (status === 500) failedB = true;
          pending.push({
            url: request.url,
            answer: () => resolve({ status, headers: {}, body: '', bodyTruncated: false, durationMs: 1 }),
          });
        }),
    };
    const held = {
      transport,
      pending,
      answer: (n = pending.length) => {
        for (const p of pending.splice(0, n)) p.answer();
      },
    };
    const h = createNotifierHarness({ transport, retrySchedule: [2_000] });
    await h.notifier.addEndpoint({ url: A, topics: ['a.x', 'warm.up'] });
    await startWarm(h, held);
    await h.notifier.addEndpoint({ url: B, topics: ['b.x'] });
    for (let i = 0; i < 60; i++) await h.notifier.publish('a.x', { i });
    await h.notifier.publish('b.x', {});
    await h.settle();
    expect(held.pending.filter((p) => p.url === B)).toHaveLength(1);
    // A's requests answered and B's failed: A takes its 4 slots again, B's retry is due in 2 s.
    held.answer();
    await h.settle();
    expect(h.of('delivery.failed')).toHaveLength(0);
    expect(held.pending.map((p) => p.url)).toEqual([A, A, A, A]);
    await h.clock.advance(2_000 + 1_000);
    await h.settle();
    expect(held.pending.filter((p) => p.url === B)).toHaveLength(1);
    const stopping = h.notifier.stop();
    held.answer();
    await stopping;
  });
});
