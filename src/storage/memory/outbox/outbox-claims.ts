import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../notifier/types.js';
import { cloneDelivery } from '../../clone.js';
import type { ClaimDeliveriesOptions } from '../../types.js';
import { type DeliveryEntry, wakeTime } from './delivery-entry.js';
import type { DeliveryTable } from './delivery-table.js';
import type { DueDeliveries } from './due-deliveries.js';
import type { MemoryEndpoints } from './endpoints.js';
import { FanoutLease } from './fanout/fanout-groups.js';
import { type MemoryFanouts, type PendingFanout, pendingRecord } from './fanout/fanouts.js';

/** One claim's state while it takes deliveries. */
interface Claim {
  readonly claimed: DeliveryRecord[];
  readonly limit: number;
  readonly instanceId: string;
  readonly exclude: ReadonlySet<string>;
  /** Shared by the stored records (never changed). */
  readonly lockedUntil: Date;
}

/**
 * What of `MemoryOutbox` finds due deliveries and claims them, in due order: stored deliveries (from the
 * wake queue of its {@link DeliveryTable}) and the fan-outs due before them, whose deliveries are leased
 * straight from the fan-out (see {@link FanoutLease}): while its attempt is in flight, a fanned-out delivery
 * has no record or entry of its own, only the record handed to the claimer.
 */
export class OutboxClaims {
  readonly #deliveries: DeliveryTable;
  readonly #due: DueDeliveries;
  readonly #fanouts: MemoryFanouts;
  readonly #endpoints: MemoryEndpoints;
  /** Stores the records of fan-outs record by record (see MemoryOutbox). */
  readonly #store: (records: DeliveryRecord[]) => void;

  constructor(
    deliveries: DeliveryTable,
    fanouts: MemoryFanouts,
    endpoints: MemoryEndpoints,
    store: (records: DeliveryRecord[]) => void,
  ) {
    this.#deliveries = deliveries;
    this.#due = deliveries.due;
    this.#fanouts = fanouts;
    this.#endpoints = endpoints;
    this.#store = store;
  }

  claim(options: ClaimDeliveriesOptions): DeliveryRecord[] {
    const { limit, instanceId, leaseMs } = options;
    const now = options.now.getTime();
    const exclude = new Set(options.excludeEndpointIds ?? []);
    const lockedUntil = new Date(now + leaseMs);
    const claim: Claim = { claimed: [], limit, instanceId, exclude, lockedUntil };
    const { claimed } = claim;
    // Deliveries parked for the endpoints left out stay where they are; the others' are taken in due order.
    this.#due.leaveOut(exclude);
    while (claimed.length < limit) {
      const entry = this.#peekStored(now);
      const t = entry === null ? undefined : this.#due.headTime;
      const due = this.#fanouts.nextDue();
      if (due !== undefined && (t === undefined || due < t)) {
        if (due > now) break;
        this.#claimFanout(this.#fanouts.head()!, claim);
        continue;
      }
      if (entry === null || entry instanceof FanoutLease || t! > now) break;
      const delivery = entry.record;
      this.#due.pop();
      if (exclude.has(delivery.endpointId)) {
        this.#due.park(entry);
        continue;
      }
      delivery.lockedBy = instanceId;
      delivery.lockedUntil = lockedUntil;
      this.#due.index(entry);
      claimed.push(cloneDelivery(delivery));
      this.#deliveries.atHand(entry);
    }
    return claimed;
  }

  /**
   * Takes deliveries of the fan-out due first, in index order, as the claim has room: each is leased where its
   * group keeps it, without a record or entry of its own; one to a disabled or excluded endpoint is stored as
   * any, to be taken later. A fan-out whose ids another's group holds is stored record by record instead
   * (then claimed as stored ones).
   */
  #claimFanout(fanout: PendingFanout, claim: Claim): void {
    if (fanout.next === fanout.endpointIds.length) {
      // None left (deleted with their endpoint): no group is made for it.
      this.#fanouts.pop();
      return;
    }
    const group = this.#deliveries.fanoutGroup(fanout);
    if (group === null) {
      this.#store(this.#fanouts.take());
      return;
    }
    const { message, endpointIds } = fanout;
    const { claimed, exclude } = claim;
    let lease: FanoutLease | null = null;
    let i = fanout.next;
    for (; i < endpointIds.length && claimed.length < claim.limit; i++) {
      const id = fanoutDeliveryId(message.id, i);
      if (this.#deliveries.isTaken(group, i, id)) continue;
      // Undefined when deleted with its endpoint (see MemoryFanouts.dropEndpoint): not enabled.
      const endpointId = endpointIds[i]!;
      const enabled = this.#enabled(endpointId);
      if (!enabled || exclude.has(endpointId)) {
        if (endpointId === undefined) continue;
        const entry = { record: pendingRecord(fanout, i, id), attempts: null, message, removed: false };
        this.#deliveries.place(group, i, entry);
        // Disabled: queued again when its endpoint is enabled. Excluded: parked for a claim that takes it.
        if (enabled) this.#due.park(entry);
        continue;
      }
      lease ??= this.#deliveries.newLease(group, claim.instanceId, claim.lockedUntil);
      this.#deliveries.place(group, i, lease);
      claimed.push(lease.claimed(i, id));
    }
    fanout.next = i;
    if (i === endpointIds.length) this.#fanouts.pop();
    if (lease !== null) this.#deliveries.atHand(null, message);
  }

  /**
   * The stored pending delivery due first (its wake time heads the queue), or null; or the lease heading the
   * queue when it ends after `until` (its deliveries are due then). A lease that ends by `until` has its
   * deliveries made whole first, to be claimed as any. The time it is due at is the queue's `headTime`.
   */
  #peekStored(until: number): DeliveryEntry | FanoutLease | null {
    for (;;) {
      const head = this.#due.peek();
      if (head === undefined) return null;
      const t = this.#due.headTime;
      if (head instanceof FanoutLease) {
        if (head.live > 0 && t > until) return head;
        this.#due.pop();
        if (head.live > 0) this.#deliveries.expire(head);
        continue;
      }
      const delivery = head.record;
      if (!head.removed && delivery.status === 'pending' && this.#enabled(delivery.endpointId)) {
        if (wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) === t) return head;
      }
      this.#due.pop();
    }
  }

  #enabled(endpointId: string): boolean {
    return this.#endpoints.stored(endpointId)?.enabled === true;
  }

  /** When the pending delivery to an enabled endpoint due first is (see `Storage.nextDeliveryAt`), or null. */
  nextAt(): Date | null {
    this.#due.leaveOut(null);
    for (;;) {
      const head = this.#peekStored(Number.NEGATIVE_INFINITY);
      if (head instanceof FanoutLease && !head.someEndpoint((id) => this.#enabled(id))) {
        // Only to endpoints that take no deliveries: stored whole, they leave the queue as they surface.
        this.#due.pop();
        this.#deliveries.expire(head);
        continue;
      }
      const t = head === null ? undefined : this.#due.headTime;
      const due = this.#fanouts.nextDue();
      if (due === undefined || (t !== undefined && t <= due)) return t === undefined ? null : new Date(t);
      const { endpointIds, next } = this.#fanouts.head()!;
      for (let i = next; i < endpointIds.length; i++) {
        const endpointId = endpointIds[i];
        if (endpointId !== undefined && this.#enabled(endpointId)) return new Date(due);
      }
      // None to an endpoint that takes deliveries: stored, they leave the queue as they surface.
      this.#store(this.#fanouts.take());
    }
  }
}
