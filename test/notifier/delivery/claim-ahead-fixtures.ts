import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { ClaimDeliveriesOptions } from '../../../src/storage/types.js';
import type { Transport, TransportResponse } from '../../../src/transport/types.js';
import type { createNotifierHarness } from '../../helpers/notifier.js';

// What the tests of deliveries claimed ahead share (claim-ahead.test.ts, claim-ahead-leases.test.ts).

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

/**
 * Starts the notifier and has each endpoint answer one delivery (topic `warm.up`), so that it is known to
 * answer promptly and may use its `perEndpointConcurrency` slots (a new endpoint gets one, see FairShare).
 */
export async function startWarm(
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
