import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, Message } from '../../../../src/notifier/types.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import { at, attempt, delivery, endpoint, message } from '../../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../../helpers/storage.js';

/** Stores the outcome of `record`'s first attempt: succeeded, updated at `updatedAtMs`. */
async function succeed(storage: MemoryStorage, record: DeliveryRecord, updatedAtMs: number) {
  await storage.completeAttempt({
    delivery: {
      ...record,
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      updatedAt: at(updatedAtMs),
    },
    attempt: attempt(`att-${record.id}`, record.id, {
      statusCode: 200,
      error: null,
      startedAt: at(updatedAtMs),
    }),
  });
}

/** A message whose id differs from `m`'s in its last 4 characters only: its fan-out derives the same ids. */
const twinOf = (m: Message): Message => ({ ...m, id: `${m.id.slice(0, -4)}zzzz` });

// MemoryStorage finds what to prune in an order of finished deliveries, and knows a message is left without
// deliveries from counts and its fan-out's group, not from a walk of every delivery: these are the cases where
// a group or a record does not say whose it is at a glance.
describe('MemoryStorage retention', () => {
  it("forgets a fan-out's message by its own deliveries when another fan-out's share its group", async () => {
    const storage = new MemoryStorage();
    for (const id of ['ep-a', 'ep-b', 'ep-c']) await storage.insertEndpoint(endpoint(id));
    const m = fanoutMessage(at(0));
    const twin = twinOf(m);
    // The twin derives the same ids: only its third delivery has an id of its own, kept in m's group.
    await storage.insertFanout({ message: m, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
    await storage.insertFanout({
      message: twin,
      endpointIds: ['ep-a', 'ep-b', 'ep-c'],
      nextAttemptAt: at(0),
    });
    const claimed = await storage.claimDeliveries({
      now: at(0),
      limit: 10,
      instanceId: 'i',
      leaseMs: 60_000,
    });
    expect(claimed.map((d) => d.messageId).sort()).toEqual([m.id, m.id, twin.id].sort());
    for (const d of claimed) {
      await succeed(storage, d, d.messageId === twin.id ? 2_000 : d.endpointId === 'ep-a' ? 1_000 : 1_200);
    }

    // m's other delivery is left in the group: m stays.
    expect(await storage.pruneDeliveries({ before: at(1_100) })).toBe(1);
    expect(await storage.getMessage(m.id)).toEqual(m);
    // Only the twin's is left in the group: m goes, the twin stays.
    expect(await storage.pruneDeliveries({ before: at(1_500) })).toBe(1);
    expect(await storage.getMessage(m.id)).toBeNull();
    expect(await storage.getMessage(twin.id)).toEqual(twin);
    expect(await storage.pruneDeliveries({ before: at(2_500) })).toBe(1);
    expect(await storage.getMessage(twin.id)).toBeNull();
  });

  it('takes a limit as a count: a fraction rounds down; NaN, 0 or less prunes none', async () => {
    const storage = new MemoryStorage();
    await storage.insertEndpoint(endpoint('ep'));
    for (const n of [1, 2, 3]) {
      await storage.insertMessage({
        message: message(`m-${n}`),
        deliveries: [delivery(`d-${n}`, `m-${n}`, 'ep')],
      });
      await succeed(storage, delivery(`d-${n}`, `m-${n}`, 'ep'), n * 1_000);
    }
    for (const limit of [Number.NaN, 0, -1, 0.5])
      expect(await storage.pruneDeliveries({ before: at(5_000), limit })).toBe(0);
    expect(await storage.pruneDeliveries({ before: at(5_000), limit: 1.9 })).toBe(1);
    expect(await storage.pruneDeliveries({ before: at(5_000), limit: Number.POSITIVE_INFINITY })).toBe(2);
  });

  it('goes by the message a record names once a write named another one', async () => {
    const storage = new MemoryStorage();
    await storage.insertEndpoint(endpoint('ep'));
    await storage.insertMessage({ message: message('m-1'), deliveries: [delivery('d-1', 'm-1', 'ep')] });
    await storage.insertMessage({ message: message('m-2'), deliveries: [delivery('d-2', 'm-2', 'ep')] });
    // d-2 now names m-1: pruning it leaves m-2 alone (no pruned record names it), and m-1 while d-1 is stored.
    await succeed(storage, delivery('d-2', 'm-1', 'ep'), 1_000);
    expect(await storage.pruneDeliveries({ before: at(5_000) })).toBe(1);
    expect(await storage.getMessage('m-1')).not.toBeNull();
    expect(await storage.getMessage('m-2')).not.toBeNull();
    await succeed(storage, delivery('d-1', 'm-1', 'ep'), 2_000);
    expect(await storage.pruneDeliveries({ before: at(5_000) })).toBe(1);
    expect(await storage.getMessage('m-1')).toBeNull();
  });
});
