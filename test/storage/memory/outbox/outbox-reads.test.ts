import { afterEach, describe, expect, it, vi } from 'vitest';
import { fanoutDeliveryId } from '../../../../src/notifier/ids.js';
import type { Message } from '../../../../src/notifier/types.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import { MemoryFanouts } from '../../../../src/storage/memory/outbox/fanout/fanouts.js';
import { at, attempt, delivery, endpoint, message } from '../../../../src/testing/storage-suite/fixtures.js';
import { fanoutMessage } from '../../../helpers/storage.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A message whose id differs from `m`'s in its last 4 characters only: its fan-out derives the same ids. */
const twinOf = (m: Message): Message => ({
  ...m,
  id: `${m.id.slice(0, -4)}${m.id.endsWith('zzzz') ? 'yyyy' : 'zzzz'}`,
});

describe('MemoryStorage reads of fan-outs not handed out yet', () => {
  it('answer from the fan-outs: no read or endpoint deletion writes their records', async () => {
    // Writing them all (what every such read did) cost ~1 s of CPU and ~65 MB for 5,000 messages to 50
    // endpoints, and the compact form was lost for good.
    const storeAll = vi.spyOn(MemoryFanouts.prototype, 'takeAll');
    const storage = new MemoryStorage();
    const eps = ['ep-a', 'ep-b', 'ep-c'];
    for (const id of eps) await storage.insertEndpoint(endpoint(id));
    const ms = [0, 1, 2, 3].map((i) => fanoutMessage(at(i)));
    for (const m of ms) await storage.insertFanout({ message: m, endpointIds: eps, nextAttemptAt: at(0) });
    await storage.insertMessage({
      message: message('m-plain'),
      deliveries: [delivery('d-plain', 'm-plain', 'ep-a')],
    });
    const [first] = await storage.claimDeliveries({ now: at(0), limit: 4, instanceId: 'i', leaseMs: 1000 });
    await storage.completeAttempt({
      delivery: { ...first!, status: 'succeeded', attempts: 1, nextAttemptAt: null, lastAttemptAt: at(1) },
      attempt: attempt('a-1', first!.id, { startedAt: at(1) }),
    });
    expect((await storage.stats({ now: at(0) })).deliveries).toEqual({
      pending: 12,
      failed: 0,
      oldestPendingAt: at(0),
    });
    expect(await storage.listDeliveries({ limit: 100 })).toHaveLength(13);
    expect(await storage.listDeliveries({ endpointId: 'ep-b', status: 'pending', limit: 2 })).toHaveLength(2);
    expect(await storage.getDelivery(fanoutDeliveryId(ms[3]!.id, 2))).toMatchObject({ endpointId: 'ep-c' });
    expect(await storage.deleteEndpoint('ep-b')).toBe(true);
    expect((await storage.stats({ now: at(0) })).deliveries.pending).toBe(8);
    expect(await storage.getDelivery(fanoutDeliveryId(ms[3]!.id, 1))).toBeNull();
    expect(storeAll).not.toHaveBeenCalled();
  });

  it('ids made by hand that fan-outs derive too: the records are written first, and each id keeps one delivery', async () => {
    const storeAll = vi.spyOn(MemoryFanouts.prototype, 'takeAll');
    const storage = new MemoryStorage();
    const m = fanoutMessage(at(0));
    // Two fan-outs of the same ids: the one stored first keeps them.
    await storage.insertFanout({ message: m, endpointIds: ['ep-a', 'ep-b', 'ep-c'], nextAttemptAt: at(0) });
    await storage.insertFanout({ message: twinOf(m), endpointIds: ['ep-x', 'ep-y'], nextAttemptAt: at(0) });
    expect((await storage.stats({ now: at(0) })).deliveries.pending).toBe(3);
    expect(storeAll).toHaveBeenCalledTimes(1);
    expect((await storage.listDeliveries()).map((d) => d.endpointId).sort()).toEqual([
      'ep-a',
      'ep-b',
      'ep-c',
    ]);
    // A delivery stored with its message under an id a later fan-out derives: it keeps it.
    const later = fanoutMessage(at(5));
    await storage.insertMessage({
      message: message('m-hand', { createdAt: at(5) }),
      deliveries: [delivery(fanoutDeliveryId(later.id, 1), 'm-hand', 'ep-z', { createdAt: at(5) })],
    });
    await storage.insertFanout({ message: later, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
    const listed = await storage.listDeliveries({ since: at(5) });
    expect(listed.map((d) => [d.id, d.endpointId])).toEqual([
      [fanoutDeliveryId(later.id, 1), 'ep-z'],
      [fanoutDeliveryId(later.id, 0), 'ep-a'],
    ]);
    expect((await storage.stats({ now: at(0) })).deliveries.pending).toBe(5);
  });
  // Reads look up the fan-outs' ids not taken yet one by one or, when fewer were stored by hand, check those: then
  // one of the fan-out's group counts at any index (its records are written first, which settles it as well).
  it.each([
    ['fewer than the fan-out holds (each stored id is checked)', 0, 1],
    ['more than the fan-out holds (each of its ids is looked up)', 6, 0],
  ])(
    'ids stored by hand, %s: one the fan-out derives has its records written first, each id keeping one delivery',
    async (_case, others, besides) => {
      const storeAll = vi.spyOn(MemoryFanouts.prototype, 'takeAll');
      const storage = new MemoryStorage();
      for (let i = 0; i < others; i++)
        await storage.insertMessage({
          message: message(`m-${i}`),
          deliveries: [delivery(`d-${i}`, `m-${i}`, 'ep-a')],
        });
      const spare = fanoutMessage(at(3));
      // Index 2 of a fan-out to two endpoints: the same group of ids, but no id the fan-out has.
      await storage.insertMessage({
        message: message('m-beside', { createdAt: at(3) }),
        deliveries: [delivery(fanoutDeliveryId(spare.id, 2), 'm-beside', 'ep-z', { createdAt: at(3) })],
      });
      await storage.insertFanout({ message: spare, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
      expect((await storage.stats({ now: at(0) })).deliveries.pending).toBe(others + 3);
      expect((await storage.listDeliveries({ since: at(3) })).map((d) => [d.id, d.endpointId])).toEqual(
        [2, 1, 0].map((i) => [fanoutDeliveryId(spare.id, i), ['ep-a', 'ep-b', 'ep-z'][i]]),
      );
      expect(storeAll).toHaveBeenCalledTimes(besides);

      const later = fanoutMessage(at(5));
      await storage.insertMessage({
        message: message('m-hand', { createdAt: at(5) }),
        deliveries: [delivery(fanoutDeliveryId(later.id, 1), 'm-hand', 'ep-z', { createdAt: at(5) })],
      });
      await storage.insertFanout({ message: later, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
      expect((await storage.listDeliveries({ since: at(5) })).map((d) => [d.id, d.endpointId])).toEqual([
        [fanoutDeliveryId(later.id, 1), 'ep-z'],
        [fanoutDeliveryId(later.id, 0), 'ep-a'],
      ]);
      expect(storeAll).toHaveBeenCalledTimes(besides + 1);
      expect((await storage.stats({ now: at(0) })).deliveries.pending).toBe(others + 5);
    },
  );
});

describe('MemoryStorage writes to a delivery no claim took', () => {
  it("write that fan-out's records only; the others stay as they are, read and claimed as ever", async () => {
    const storeAll = vi.spyOn(MemoryFanouts.prototype, 'takeAll');
    const storage = new MemoryStorage();
    for (const id of ['ep-a', 'ep-b']) await storage.insertEndpoint(endpoint(id));
    const ms = [0, 1, 2].map((i) => fanoutMessage(at(i)));
    for (const m of ms)
      await storage.insertFanout({ message: m, endpointIds: ['ep-a', 'ep-b'], nextAttemptAt: at(0) });
    const id = fanoutDeliveryId(ms[1]!.id, 1);
    const stored = (await storage.getDelivery(id))!;
    await storage.updateDelivery({ ...stored, status: 'failed', nextAttemptAt: null, updatedAt: at(5) });
    await storage.completeAttempt({
      delivery: { ...stored, id: fanoutDeliveryId(ms[2]!.id, 0), endpointId: 'ep-a', attempts: 1 },
      attempt: attempt('a-1', fanoutDeliveryId(ms[2]!.id, 0), { startedAt: at(6) }),
    });
    expect(storeAll).not.toHaveBeenCalled();
    expect(await storage.getDelivery(id)).toMatchObject({ status: 'failed', updatedAt: at(5) });
    expect((await storage.stats({ now: at(10) })).deliveries).toEqual({
      pending: 5,
      failed: 1,
      oldestPendingAt: at(0),
    });
    const claimed = await storage.claimDeliveries({ now: at(10), limit: 10, instanceId: 'i', leaseMs: 1000 });
    expect(claimed.map((d) => d.id).sort()).toEqual(
      [ms[0]!.id, ms[0]!.id, ms[1]!.id, ms[2]!.id, ms[2]!.id]
        .map((m, i) => fanoutDeliveryId(m, [0, 1, 0, 0, 1][i]!))
        .sort(),
    );
    expect(storeAll).not.toHaveBeenCalled();
  });
});

describe('MemoryFanouts.dropEndpoint', () => {
  it('leaves a gap where the endpoint was, in one list for the fan-outs that shared one; a fan-out left with none is done', () => {
    const fanouts = new MemoryFanouts();
    const input = (m: Message, endpointIds: string[]) => ({ message: m, endpointIds, nextAttemptAt: at(0) });
    const ms = [0, 1, 2].map((i) => fanoutMessage(at(i)));
    fanouts.add(ms[0]!, input(ms[0]!, ['e0', 'e1', 'e2']));
    fanouts.add(ms[1]!, input(ms[1]!, ['e0', 'e1', 'e2']));
    fanouts.add(ms[2]!, input(ms[2]!, ['e1']));
    fanouts.dropEndpoint('e1');
    const [a, b, c] = [...fanouts.values()];
    expect(a!.endpointIds).toEqual(['e0', undefined, 'e2']);
    expect(b!.endpointIds).toBe(a!.endpointIds);
    expect([fanouts.untakenCount(a!), fanouts.untakenCount(c!)]).toEqual([2, 0]);
    expect(c!.next).toBe(c!.endpointIds.length);
    expect(fanouts.find(fanoutDeliveryId(ms[1]!.id, 1))).toBeUndefined();
    expect(fanouts.find(fanoutDeliveryId(ms[1]!.id, 2))).toMatchObject({
      endpointId: 'e2',
      messageId: ms[1]!.id,
    });
    // Another endpoint later: the gaps stay, counted once.
    fanouts.dropEndpoint('e2');
    expect(a!.endpointIds).toEqual(['e0', undefined, undefined]);
    expect(fanouts.untakenCount(b!)).toBe(1);
    expect(fanouts.takeAll().map((d) => d.id)).toEqual([0, 1].map((i) => fanoutDeliveryId(ms[i]!.id, 0)));
  });
});
