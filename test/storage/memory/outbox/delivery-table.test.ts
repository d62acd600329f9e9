import { describe, expect, it } from 'vitest';
import { fanoutDeliveryId, newId } from '../../../../src/notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../../src/notifier/types.js';
import { type DeliveryEntry, DeliveryTable } from '../../../../src/storage/memory/outbox/delivery-table.js';
import { DeliveredFanout } from '../../../../src/storage/memory/outbox/fanout/delivered-fanout.js';

const at = new Date('2026-01-01T00:00:00Z');
const message: Message = {
  id: 'msg_1',
  topic: 'invoice.paid',
  body: '{}',
  jobId: null,
  createdAt: at,
  traceContext: null,
};

function entry(id: string, endpointId: string, dueMs: number | null = 0): DeliveryEntry {
  const record: DeliveryRecord = {
    id,
    messageId: message.id,
    endpointId,
    topic: message.topic,
    status: dueMs === null ? 'succeeded' : 'pending',
    attempts: 0,
    nextAttemptAt: dueMs === null ? null : new Date(at.getTime() + dueMs),
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    lockedBy: null,
    lockedUntil: null,
  };
  return { record, attempts: null, message, removed: false };
}

const ids = (entries: DeliveryEntry[]) => entries.map((e) => e.record.id);

describe('DeliveryTable', () => {
  it('stores a batch all or nothing: an id stored before or given twice stores none of it', () => {
    const table = new DeliveryTable();
    expect(table.insert([entry('d1', 'e1'), entry('d2', 'e2')])).toBeNull();
    expect(table.insert([entry('d3', 'e1'), entry('d1', 'e1')])).toBe('d1');
    expect(table.insert([entry('d4', 'e1'), entry('d4', 'e1')])).toBe('d4');
    expect(table.has('d3')).toBe(false);
    expect(table.has('d4')).toBe(false);
    expect(ids(table.ofEndpoint('e1'))).toEqual(['d1']);
    expect([...table.values()].map((e) => e.record.id)).toEqual(['d1', 'd2']);
  });

  it("finds an endpoint's deliveries without the others, as they are removed and stored", () => {
    const table = new DeliveryTable();
    const stored: DeliveryEntry[] = [];
    for (let i = 0; i < 40; i++) stored.push(entry(`d${i}`, i % 2 === 0 ? 'even' : 'odd'));
    table.insert(stored);
    // Removing most of one endpoint's deliveries compacts its list on the way.
    for (let i = 0; i < 36; i += 2) table.remove(stored[i]!);
    table.remove(stored[0]!); // twice: no effect
    expect(ids(table.ofEndpoint('even'))).toEqual(['d36', 'd38']);
    expect(table.ofEndpoint('odd')).toHaveLength(20);
    table.insert([entry('d40', 'even')]);
    expect(ids(table.ofEndpoint('even'))).toEqual(['d36', 'd38', 'd40']);
    for (const e of table.ofEndpoint('even')) table.remove(e);
    expect(table.ofEndpoint('even')).toEqual([]);
    expect(table.has('d36')).toBe(false);
    expect(table.ofEndpoint('unknown')).toEqual([]);
  });

  it('queues pending deliveries by wake time; removed ones surface marked removed', () => {
    const table = new DeliveryTable();
    const late = entry('late', 'e1', 5000);
    const soon = entry('soon', 'e1', 10);
    table.insert([late, soon, entry('done', 'e1', null)]);
    expect(table.due.peek()).toBe(soon);
    expect(table.due.headTime).toBe(at.getTime() + 10);
    table.remove(soon);
    expect((table.due.peek() as DeliveryEntry).removed).toBe(true);
    table.due.pop();
    expect(table.due.peek()).toBe(late);
    table.due.pop();
    expect(table.due.peek()).toBeUndefined(); // 'done' was never queued
  });

  it('keeps claimed deliveries and their messages at hand, after their attempt too, until removed', () => {
    const table = new DeliveryTable();
    const claimed = entry('d1', 'e1');
    table.insert([claimed]);
    table.atHand(claimed);
    expect(table.get('d1')).toBe(claimed);
    expect(table.claimedMessage('msg_1')).toBe(message);
    table.due.dropStale();
    expect(table.get('d1')).toBe(claimed); // still stored, and still at hand
    table.remove(claimed); // leaves both
    expect(table.get('d1')).toBeUndefined();
    table.forgetMessage('msg_1');
    expect(table.claimedMessage('msg_1')).toBeUndefined();
  });

  it('keeps at most 4096 claimed messages at hand, even when each attempt ends before the next claim', () => {
    const table = new DeliveryTable();
    const first = { ...message, id: 'msg_first' };
    const entries = Array.from({ length: 4097 }, (_, i) => ({
      ...entry(`d${i}`, 'e1'),
      message: i === 0 ? first : { ...message, id: `msg_${i}` },
    }));
    table.insert(entries);
    table.atHand(entries[0]!);
    table.due.dropStale();
    for (let i = 1; i < 4096; i++) {
      table.atHand(entries[i]!);
      table.due.dropStale();
    }
    expect(table.claimedMessage('msg_first')).toBe(first);
    table.atHand(entries[4096]!); // the 4097th message: the oldest ones are forgotten
    expect(table.claimedMessage('msg_first')).toBeUndefined();
    expect(table.claimedMessage('msg_4096')).toBe(entries[4096]!.message);
    expect(table.get('d0')).toBe(entries[0]); // still stored, found in the table
  });

  it('stores fanned-out deliveries by their fan-out: found by id, endpoint and due time, removed one by one', () => {
    const table = new DeliveryTable();
    const fanned = { ...message, id: newId('msg', at.getTime()) };
    const derived = (m: Message, i: number, endpointId = `e${i}`) => ({
      ...entry(fanoutDeliveryId(m.id, i), endpointId, i),
      message: m,
    });
    const stored = [0, 1, 2].map((i) => derived(fanned, i));
    // An id insert() took first keeps its delivery; the fan-out's record of that id is not stored.
    const taken = entry(fanoutDeliveryId(fanned.id, 2), 'e9');
    expect(table.insert([taken])).toBeNull();
    table.insertFanouts(stored);
    expect(table.get(stored[0]!.record.id)).toBe(stored[0]);
    expect(table.get(stored[2]!.record.id)).toBe(taken);
    expect(table.has(stored[1]!.record.id)).toBe(true);
    expect(table.has(fanoutDeliveryId(fanned.id, 3))).toBe(false);
    expect(table.has(newId('dlv', at.getTime()))).toBe(false);
    expect(ids(table.ofEndpoint('e1'))).toEqual([stored[1]!.record.id]);
    expect(ids(table.ofEndpoint('e2'))).toEqual([]);
    expect(ids([...table.values()]).sort()).toEqual(ids([taken, stored[0]!, stored[1]!]).sort());
    expect(table.due.peek()).toBe(taken);
    // insert() refuses an id a fan-out holds; a second fan-out of the same ids keeps the first one's.
    expect(table.insert([entry(stored[1]!.record.id, 'e1')])).toBe(stored[1]!.record.id);
    const again = derived({ ...fanned }, 0, 'e7');
    table.insertFanouts([again]);
    expect(table.get(again.record.id)).toBe(stored[0]);
    table.remove(stored[0]!);
    table.remove(stored[0]!); // twice: no effect
    expect(table.has(stored[0]!.record.id)).toBe(false);
    expect(table.get(stored[1]!.record.id)).toBe(stored[1]);
    table.remove(stored[1]!);
    expect([...table.values()]).toEqual([taken]);
    // Its group is gone once empty: the same ids can be stored again.
    table.insertFanouts([again]);
    expect(table.get(again.record.id)).toBe(again);
  });

  it("drops a lease's pair from the wake queue once its attempt is stored, not when the lease ends", () => {
    const table = new DeliveryTable();
    const claimed = entry('d1', 'e1', 0);
    const waiting = entry('d2', 'e1', 10);
    table.insert([claimed, waiting]);
    // Claimed: leased for a minute, due again then.
    table.due.pop();
    claimed.record.lockedUntil = new Date(at.getTime() + 60_000);
    table.due.index(claimed);
    table.atHand(claimed);
    // Stored: succeeded. Its lease's pair leaves with it, so nothing waits behind the pending delivery.
    claimed.record = { ...claimed.record, status: 'succeeded', lockedUntil: null };
    table.due.dropStale();
    expect(table.due.peek()).toBe(waiting);
    table.due.pop();
    expect(table.due.peek()).toBeUndefined();
  });

  it('keeps a fanned-out delivery that succeeded compact: read as it was, made whole again for a write', () => {
    const table = new DeliveryTable();
    const fanned = { ...message, id: newId('msg', at.getTime()) };
    const [first, second] = [0, 1].map((i) => ({
      ...entry(fanoutDeliveryId(fanned.id, i), `e${i}`, 0),
      message: fanned,
    }));
    table.insertFanouts([first!, second!]);
    const startedAt = new Date(at.getTime() + 5);
    const delivered = new DeliveredFanout(fanned, 'e0', 'att_1', startedAt, 2.5, 200, {}, 'ok', 3);
    const { record, attempt } = delivered.expand(0);
    expect(table.compact(first!, delivered)).toBe(true);
    // The entry it replaces is no longer stored: its pairs in the wake queue are dropped.
    expect(first!.removed).toBe(true);
    table.due.dropStale();
    expect(table.due.peek()).toBe(second);
    // A stored entry not of a fan-out, or not the one its group holds, is left alone.
    const plain = entry('d1', 'e0');
    table.insert([plain]);
    expect(table.compact(plain, delivered)).toBe(false);
    expect(table.compact(first!, delivered)).toBe(false);
    expect(record).toMatchObject({
      id: first!.record.id,
      status: 'succeeded',
      attempts: 1,
      lastAttemptAt: startedAt,
      updatedAt: new Date(at.getTime() + 8),
      lastStatusCode: 200,
    });
    expect(attempt).toMatchObject({ id: 'att_1', deliveryId: first!.record.id, durationMs: 2.5 });
    // Read: not in its endpoint's list (succeeded, nothing to take or queue); listed, and found by id.
    expect(table.ofEndpoint('e0')).toEqual([plain]);
    const read = table.peek(first!.record.id)!;
    expect(read).toEqual({ record, attempts: attempt, message: fanned, removed: false });
    expect([...table.values()].map((e) => e.record)).toContainEqual(record);
    expect([...table.whole()]).toEqual([plain, second]);
    expect(table.peek(first!.record.id)).not.toBe(read);
    // Written: made whole, stored as an entry again.
    const whole = table.get(first!.record.id)!;
    expect(whole).toEqual(read);
    expect(table.get(first!.record.id)).toBe(whole);
    expect([...table.whole()]).toContain(whole);
    table.remove(whole);
    expect(table.has(first!.record.id)).toBe(false);
  });
});
