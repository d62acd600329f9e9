import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { ClaimDeliveriesOptions } from '../../../src/storage/types.js';
import type { Transport, TransportResponse } from '../../../src/transport/types.js';
import type { createNotifierHarness } from '../../helpers/notifier.js';

// What the tests of deliveries claimed ahead share (claim-ahead.test.ts, claim-ahead-leases.test.ts,
// claim-ahead-defaults.test.ts; removed-endpoint.test.ts).

export const A = 'https://a.example.com/hooks';
export const B = 'https://b.example.com/hooks';

/** A MemoryStorage that records each claim's options and how many it returned. */
export function countingStorage() {
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
export function heldTransport() {
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

type Harness = ReturnType<typeof createNotifierHarness>;

/**
 * Answers the held requests (`each` at a time, else all those waiting) and lets the notifier settle, turn
 * after turn, until `count` deliveries succeeded (`delivery.succeeded` events) or `turns` turns are spent (a
 * bound, so that a dispatcher that stalls fails the caller's count assertion rather than the test's timeout).
 * `afterTurn` runs after each turn: to sample what is leased, say.
 */
export async function answerUntilSucceeded(
  h: Harness,
  held: Pick<ReturnType<typeof heldTransport>, 'answer'>,
  count: number,
  {
    each,
    turns = 2 * count + 10,
    afterTurn,
  }: { each?: number; turns?: number; afterTurn?: () => void | Promise<void> } = {},
): Promise<void> {
  for (let i = 0; i < turns && h.of('delivery.succeeded').length < count; i++) {
    held.answer(each);
    await h.settle();
    await afterTurn?.();
  }
}

/**
 * Starts the notifier and has each endpoint answer one delivery (topic `warm.up`), so that it is known to
 * answer promptly and may use its `perEndpointConcurrency` slots (a new endpoint gets one, see FairShare).
 */
export async function startWarm(h: Harness, held: ReturnType<typeof heldTransport>): Promise<void> {
  await h.notifier.start();
  await h.notifier.publish('warm.up', {});
  await answerUntilSucceeded(h, held, (await h.notifier.listEndpoints()).length);
  h.events.length = 0;
}
