import { describe, expect, it } from 'vitest';
import { ClaimedAhead, type Launcher } from '../../../src/notifier/delivery/claimed-ahead.js';
import { FairShare } from '../../../src/notifier/delivery/fair-share.js';
import type { DeliveryRecord } from '../../../src/notifier/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const options = {
  prefetch: 8,
  concurrency: 8,
  perEndpointConcurrency: 8,
  leaseMs: 60_000,
  slowAttemptMs: 5_000,
};

function delivery(id: string, dueOffsetMs: number): DeliveryRecord {
  return {
    id,
    messageId: `msg_${id}`,
    endpointId: 'ep_1',
    topic: 'invoice.paid',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: new Date(NOW + dueOffsetMs),
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: new Date(NOW),
    updatedAt: new Date(NOW),
    lockedBy: 'me',
    lockedUntil: new Date(NOW + options.leaseMs),
  };
}

/** A buffer for one prompt endpoint, and a launcher whose slots are full until `room` is set. */
function setup() {
  const share = new FairShare(options);
  share.started('ep_1', NOW - 10);
  share.ended('ep_1', NOW - 10, NOW - 5); // answered promptly: its deliveries may wait
  const ahead = new ClaimedAhead(options, new MemoryStorage(), share);
  const launched: string[] = [];
  const state = { room: false };
  const launcher: Launcher = {
    hasRoom: () => state.room,
    launch: (d) => void launched.push(d.id),
    fail: (error) => {
      throw error;
    },
    returned: () => {},
  };
  return { ahead, launcher, launched, state };
}

describe('ClaimedAhead', () => {
  it('sends what waits and what each claim brings in due order, whatever order the claims came in', () => {
    const { ahead, launcher, launched, state } = setup();
    // A claim in due order, then one out of order, then one due between those already waiting.
    expect(ahead.launch([delivery('b', 20), delivery('d', 40)], launcher, NOW)).toBe(0);
    expect(ahead.launch([delivery('e', 50), delivery('a', 10)], launcher, NOW)).toBe(0);
    expect(ahead.launch([delivery('c', 30), delivery('c2', 30), delivery('f', 60)], launcher, NOW)).toBe(0);
    expect(ahead.size).toBe(7);
    state.room = true;
    ahead.launch([], launcher, NOW);
    expect(launched).toEqual(['a', 'b', 'c', 'c2', 'd', 'e', 'f']);
  });

  it('puts deliveries due at the same time in id order, those waiting and those claimed alike', () => {
    const { ahead, launcher, launched, state } = setup();
    ahead.launch([delivery('m', 0), delivery('x', 0)], launcher, NOW);
    ahead.launch([delivery('a', 0), delivery('n', 0), delivery('z', 0)], launcher, NOW);
    state.room = true;
    ahead.launch([], launcher, NOW);
    expect(launched).toEqual(['a', 'm', 'n', 'x', 'z']);
  });
});
