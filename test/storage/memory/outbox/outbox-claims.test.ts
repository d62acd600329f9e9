import { describe, expect, it, vi } from 'vitest';
import { fanoutDeliveryId, newId } from '../../../../src/notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../../src/notifier/types.js';
import { DeliveryTable } from '../../../../src/storage/memory/outbox/delivery-table.js';
import { MemoryEndpoints } from '../../../../src/storage/memory/outbox/endpoints.js';
import { deliveredFanout } from '../../../../src/storage/memory/outbox/fanout/delivered-fanout.js';
import { FanoutLease } from '../../../../src/storage/memory/outbox/fanout/fanout-groups.js';
import { MemoryFanouts } from '../../../../src/storage/memory/outbox/fanout/fanouts.js';
import { OutboxClaims } from '../../../../src/storage/memory/outbox/outbox-claims.js';
import { WakeQueue } from '../../../../src/storage/memory/wake-queue.js';
import { at, attempt, delivery, endpoint, pad } from '../../../../src/testing/storage-suite/fixtures.js';

function setUp() {
  const table = new DeliveryTable();
  const fanouts = new MemoryFanouts();
  const endpoints = new MemoryEndpoints();
  for (const id of ['e0', 'e1', 'e2']) endpoints.insert(endpoint(id));
  const stored: DeliveryRecord[] = [];
  const claims = new OutboxClaims(table, fanouts, endpoints, (records) => stored.push(...records));
  const message: Message = {
    id: newId('msg', at(0).getTime()),
    topic: 'invoice.paid',
    body: '{}',
    jobId: null,
    createdAt: at(0),
    traceContext: null,
  };
  fanouts.add(message, { message, endpointIds: ['e0', 'e1', 'e2'], nextAttemptAt: at(0) });
  const claim = (now: number, limit: number, instanceId = 'a') =>
    claims.claim({ now: at(now), limit, instanceId, leaseMs: 1000 });
  const ids = [0, 1, 2].map((i) => fanoutDeliveryId(message.id, i));
  return { table, fanouts, claims, message, claim, ids, stored };
}

describe('OutboxClaims', () => {
  it('leases fanned-out deliveries where their fan-out keeps them, read as stored ones, due again when the lease ends', () => {
    const { table, fanouts, claims, claim, ids, stored } = setUp();
    const first = claim(0, 2);
    expect(first.map((d) => d.id)).toEqual(ids.slice(0, 2));
    // No record or entry of its own while in flight: one lease for the claim, in the fan-out's group.
    const lease = table.leaseOf(ids[0]!);
    expect(lease).toBeInstanceOf(FanoutLease);
    expect(table.leaseOf(ids[1]!)).toBe(lease);
    expect(stored).toEqual([]);
    expect(fanouts.head()?.next).toBe(2);
    for (const d of first) {
      expect(d).toMatchObject({ status: 'pending', lockedBy: 'a', lockedUntil: at(1000), attempts: 0 });
      expect(table.peek(d.id)!.record).toEqual(d);
    }
    // The claimer's record is its own: changing it changes nothing stored.
    first[0]!.lockedUntil!.setTime(0);
    first[0]!.createdAt.setTime(0);
    expect(table.peek(ids[0]!)!.record).toMatchObject({ lockedUntil: at(1000), createdAt: at(0) });
    expect([...table.whole()].map((e) => e.record.id)).toEqual(ids.slice(0, 2));
    expect(claims.nextAt()).toEqual(at(0)); // the third, not taken yet
    expect(claim(0, 5).map((d) => d.id)).toEqual([ids[2]]);
    expect(fanouts.size).toBe(0);
    expect(claims.nextAt()).toEqual(at(1000));
    expect(claim(999, 5)).toEqual([]);
    // The lease ends without an outcome: its deliveries are claimed again, by anyone.
    const again = claim(1000, 5, 'b');
    expect(again.map((d) => d.id).sort()).toEqual(ids);
    expect(again.every((d) => d.lockedBy === 'b')).toBe(true);
    expect(table.leaseOf(ids[0]!)).toBeUndefined(); // made whole when its lease ended
  });

  it("hands out copies of a leased delivery's stored dates, each record's createdAt its own", () => {
    const { table, claim, ids, message } = setUp();
    const [first, second] = claim(0, 2);
    // createdAt reaches each delivery's events: never shared with another record or with what is stored.
    expect(first!.createdAt).not.toBe(second!.createdAt);
    expect(first!.createdAt).not.toBe(message.createdAt);
    for (const d of [first!, second!]) {
      d.createdAt.setTime(1);
      d.updatedAt.setTime(2);
      d.nextAttemptAt!.setTime(3);
      d.lockedUntil!.setTime(4);
    }
    for (const id of ids.slice(0, 2))
      expect(table.peek(id)!.record).toMatchObject({
        createdAt: at(0),
        updatedAt: at(0),
        nextAttemptAt: at(0),
        lockedUntil: at(1000),
      });
    expect(message.createdAt).toEqual(at(0));
    // The next claim of the same fan-out hands out dates of its own.
    const [third] = claim(0, 1);
    expect(third).toMatchObject({
      createdAt: at(0),
      updatedAt: at(0),
      nextAttemptAt: at(0),
      lockedUntil: at(1000),
    });
  });

  it("keeps a leased delivery's success compact straight from its lease; a write makes it whole first", () => {
    const { table, message, claim, ids } = setUp();
    const [first, second] = claim(0, 2);
    const lease = table.leaseOf(first!.id)!;
    const startedAt = at(5);
    const done = {
      ...first!,
      status: 'succeeded' as const,
      attempts: 1,
      nextAttemptAt: null,
      lastAttemptAt: startedAt,
      lastStatusCode: 200,
      updatedAt: at(6),
      lockedBy: null,
      lockedUntil: null,
    };
    const kept = attempt('att_1', first!.id, { startedAt, statusCode: 200, error: null });
    const delivered = deliveredFanout(message, done, kept, startedAt, kept.responseHeaders)!;
    expect(table.compact(lease, delivered, first!.id)).toBe(true);
    expect(table.leaseOf(first!.id)).toBeUndefined();
    expect(table.peek(first!.id)!.record).toEqual(done);
    expect(lease.live).toBe(1);
    // A write (a hand-back) reaches the other as a whole entry, due again as its lease says.
    const whole = table.get(second!.id)!;
    expect(whole.record).toEqual({ ...second!, lockedUntil: at(1000) });
    expect(table.leaseOf(second!.id)).toBeUndefined();
    expect(lease.live).toBe(0);
    expect(table.get(second!.id)).toBe(whole);
    // Compacting it from a lease it no longer holds changes nothing.
    expect(table.compact(lease, delivered, ids[1]!)).toBe(false);
  });

  it('stores a delivery to an excluded endpoint whole, for the next claim that does not exclude it', () => {
    const { table, claims, ids } = setUp();
    const claimed = claims.claim({
      now: at(0),
      limit: 5,
      instanceId: 'a',
      leaseMs: 1000,
      excludeEndpointIds: ['e1'],
    });
    expect(claimed.map((d) => d.id)).toEqual([ids[0], ids[2]]);
    expect(table.leaseOf(ids[1]!)).toBeUndefined();
    expect(table.peek(ids[1]!)!.record).toMatchObject({ status: 'pending', lockedBy: null });
    expect(claims.claim({ now: at(0), limit: 5, instanceId: 'b', leaseMs: 1000 }).map((d) => d.id)).toEqual([
      ids[1],
    ]);
  });
});

describe('OutboxClaims, endpoints left out', () => {
  function backlog(perEndpoint: number) {
    const table = new DeliveryTable();
    const endpoints = new MemoryEndpoints();
    for (const id of ['busy', 'free']) endpoints.insert(endpoint(id));
    const claims = new OutboxClaims(table, new MemoryFanouts(), endpoints, () => {});
    const message: Message = {
      id: 'msg_1',
      topic: 'invoice.paid',
      body: '{}',
      jobId: null,
      createdAt: at(0),
      traceContext: null,
    };
    const entries = [];
    for (let i = 0; i < perEndpoint; i++) {
      for (const [k, endpointId] of ['busy', 'free'].entries()) {
        const record = delivery(`d-${endpointId}-${pad(i)}`, message.id, endpointId, {
          nextAttemptAt: at(-10 * perEndpoint + 10 * i + k),
        });
        entries.push({ record, attempts: null, message, removed: false });
      }
    }
    expect(table.insert(entries)).toBeNull();
    const claim = (limit: number, exclude?: string[]) =>
      claims
        .claim({
          now: at(0),
          limit,
          instanceId: 'a',
          leaseMs: 1000,
          ...(exclude ? { excludeEndpointIds: exclude } : {}),
        })
        .map((d) => d.id);
    return { claims, claim };
  }

  it("does not go through an excluded endpoint's due deliveries again in each claim that leaves it out", () => {
    const { claims, claim } = backlog(500);
    const pop = vi.spyOn(WakeQueue.prototype, 'pop');
    try {
      expect(claim(2, ['busy'])).toEqual(['d-free-0000', 'd-free-0001']);
      expect(claim(2, ['busy'])).toEqual(['d-free-0002', 'd-free-0003']);
      expect(claim(1000, ['busy'])).toHaveLength(496);
      expect(claim(10, ['busy'])).toEqual([]);
      // Each of the 1,000 due deliveries left the queue once: 'busy''s are set apart the first time met.
      expect(pop.mock.calls.length).toBeLessThanOrEqual(1000);
      pop.mockClear();
      expect(claim(10, ['busy'])).toEqual([]);
      expect(pop).not.toHaveBeenCalled();
    } finally {
      pop.mockRestore();
    }
    // Still due first, and taken in due order by a claim that does not leave the endpoint out.
    expect(claims.nextAt()).toEqual(at(-5000));
    expect(claim(3)).toEqual(['d-busy-0000', 'd-busy-0001', 'd-busy-0002']);
    expect(claim(3, ['free'])).toEqual(['d-busy-0003', 'd-busy-0004', 'd-busy-0005']);
  });

  it('takes parked deliveries and queued ones in due order across both', () => {
    const { claim } = backlog(4);
    // Parks the due deliveries of 'busy' met before the two of 'free'.
    expect(claim(2, ['busy'])).toEqual(['d-free-0000', 'd-free-0001']);
    expect(claim(10)).toEqual([
      'd-busy-0000',
      'd-busy-0001',
      'd-busy-0002',
      'd-free-0002',
      'd-busy-0003',
      'd-free-0003',
    ]);
  });
});
