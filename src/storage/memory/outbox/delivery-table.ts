import { fanoutDeliveryId, fanoutIndex, fanoutKey } from '../../../notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../notifier/types.js';
import { ClaimedAtHand } from './claimed-at-hand.js';
import type { DeliveryEntry } from './delivery-entry.js';
import { DeliveryRetention } from './delivery-retention.js';
import { DueDeliveries } from './due-deliveries.js';
import { EndpointLists } from './endpoint-lists.js';
import { DeliveredFanout } from './fanout/delivered-fanout.js';
import { type FanoutGroup, FanoutGroups, FanoutLease, isEntry } from './fanout/fanout-groups.js';
import type { PendingFanout } from './fanout/fanouts.js';

export { type DeliveryEntry, wakeTime } from './delivery-entry.js';

/**
 * The stored deliveries of `MemoryOutbox` and what finds them: by id (fanned-out ones by their fan-out's
 * group, see {@link FanoutGroup}), by endpoint (deleting or re-enabling an endpoint visits its deliveries
 * only), by wake time ({@link DueDeliveries}), and the recently claimed ones at hand. An id is stored once,
 * in the map or in a group.
 */
export class DeliveryTable {
  /** Deliveries stored by `insert`, by id. */
  readonly #entries = new Map<string, DeliveryEntry>();
  /** Deliveries of fan-outs, by their fan-out (see {@link FanoutGroup}). */
  readonly #fanouts = new FanoutGroups();
  /** Deliveries stored by `insert`, by endpoint (fanned-out ones are found in their groups). */
  readonly #byEndpoint = new EndpointLists();
  /** The pending deliveries by wake time, with the leases of claims in fan-outs' groups. */
  readonly due = new DueDeliveries();
  readonly #claimed = new ClaimedAtHand();
  /** The finished deliveries by `updatedAt`, and what it takes to forget their messages, for `prune`. */
  readonly #retention = new DeliveryRetention({
    fanouts: this.#fanouts,
    inserted: (entry) => this.#entries.get(entry.record.id) === entry,
    remove: (entry) => this.#remove(entry),
    records: () => this.records(),
  });
  readonly #taken = (id: string) => this.#entries.size > 0 && this.#entries.has(id);
  readonly #index = (entry: DeliveryEntry) => this.due.index(entry);

  /** Some delivery of a fan-out is stored (in a group): only those are kept compact. */
  get holdsFanouts(): boolean {
    return this.#fanouts.size > 0;
  }

  has(id: string): boolean {
    return this.#entries.has(id) || this.#fanouts.slot(id) !== undefined;
  }

  /** The stored delivery of that id, whole: a compact one is made whole again, as it is to be written. */
  get(id: string): DeliveryEntry | undefined {
    const entry = this.#claimed.get(id) ?? this.#entries.get(id);
    if (entry !== undefined) return entry;
    const slot = this.#fanouts.slot(id);
    if (slot === undefined || isEntry(slot)) return slot;
    const whole = this.#fanouts.whole(id, slot);
    // Leased: due again when its lease ends, as an entry of its own now. Delivered: finished, as this entry.
    if (slot instanceof FanoutLease) this.due.index(whole);
    else this.#retention.written(whole);
    return whole;
  }

  /** The stored delivery of that id, to be read only: a compact one as an entry made for the read. */
  peek(id: string): DeliveryEntry | undefined {
    const entry = this.#claimed.get(id) ?? this.#entries.get(id);
    if (entry !== undefined) return entry;
    const slot = this.#fanouts.slot(id);
    return slot === undefined || isEntry(slot) ? slot : this.#fanouts.read(id, slot);
  }

  /** The lease a claim keeps the fanned-out delivery of that id in (see {@link FanoutLease}), or undefined. */
  leaseOf(id: string): FanoutLease | undefined {
    if (this.#claimed.has(id)) return undefined;
    const slot = this.#fanouts.slot(id);
    return slot instanceof FanoutLease ? slot : undefined;
  }

  /**
   * Every stored delivery; compact ones (see {@link FanoutGroup}) as entries made for the read, to be read
   * only (a write goes through `get`).
   */
  *values(): Generator<DeliveryEntry, void, undefined> {
    yield* this.#entries.values();
    for (const group of this.#fanouts.values()) {
      const slots = group.slots;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot !== undefined) yield isEntry(slot) ? slot : this.#read(group, i, slot);
      }
    }
  }

  /**
   * Every stored delivery's record, to be read only (compact ones' made for the read, without their
   * attempts), newest groups first, then the others in the order stored, reversed; one only when `mayHold` its
   * creation time (ms): a page fills with the newest, then passes over the rest, making no compact one's record.
   */
  *records(mayHold?: (createdAt: number) => boolean): Generator<DeliveryRecord, void, undefined> {
    const groups = [...this.#fanouts.values()];
    for (let g = groups.length - 1; g >= 0; g--) {
      const { slots, fanout } = groups[g]!;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot === undefined) continue;
        if (isEntry(slot)) {
          yield slot.record;
          continue;
        }
        const message = slot instanceof DeliveredFanout ? slot.message : fanout!.message;
        if (mayHold !== undefined && !mayHold(message.createdAt.getTime())) continue;
        yield slot instanceof DeliveredFanout
          ? slot.record(i)
          : slot.record(i, fanoutDeliveryId(message.id, i));
      }
    }
    const entries = [...this.#entries.values()];
    for (let i = entries.length - 1; i >= 0; i--) {
      const record = entries[i]!.record;
      if (mayHold === undefined || mayHold(record.createdAt.getTime())) yield record;
    }
  }

  /**
   * The stored deliveries not kept compact once delivered (those that succeeded at a fan-out's first
   * attempt), passing over those kept compact (most of a fanned-out log) where they are.
   */
  *whole(): Generator<DeliveryEntry, void, undefined> {
    yield* this.#entries.values();
    for (const group of this.#fanouts.values()) {
      const slots = group.slots;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot === undefined || slot instanceof DeliveredFanout) continue;
        yield slot instanceof FanoutLease ? this.#read(group, i, slot) : slot;
      }
    }
  }

  #id(group: FanoutGroup, index: number): string {
    const slot = group.slots[index]!;
    const message = isEntry(slot)
      ? slot.message
      : slot instanceof DeliveredFanout
        ? slot.message
        : group.fanout!.message;
    return fanoutDeliveryId(message.id, index);
  }

  #read(group: FanoutGroup, index: number, slot: DeliveredFanout | FanoutLease): DeliveryEntry {
    return this.#fanouts.read(this.#id(group, index), slot);
  }

  /**
   * Keeps a stored fanned-out delivery (`entry`, whose attempt is stored, or one that `lease` holds, of that
   * `id`) as `delivered` instead: an entry is no longer stored (marked removed, so that its pairs in the wake
   * queue are dropped). False, and nothing changes, when it is not a fanned-out one.
   */
  compact(entry: DeliveryEntry | FanoutLease, delivered: DeliveredFanout, id?: string): boolean {
    const lease = entry instanceof FanoutLease;
    const deliveryId = lease ? id! : entry.record.id;
    const group = this.#fanouts.compact(deliveryId, entry, delivered);
    if (group === null) return false;
    this.#retention.delivered(group, delivered);
    if (!lease) {
      entry.removed = true;
      this.#claimed.delete(deliveryId);
    }
    return true;
  }

  /**
   * Stores new deliveries (all of them, or none): returns the id of one stored before or given twice, and
   * then stores nothing.
   */
  insert(entries: readonly DeliveryEntry[]): string | null {
    for (const entry of entries) if (this.has(entry.record.id)) return entry.record.id;
    const sizeBefore = this.#entries.size;
    for (const entry of entries) this.#entries.set(entry.record.id, entry);
    // The same id twice in the batch: the map grew by less than the batch.
    if (this.#entries.size - sizeBefore !== entries.length) {
      for (const entry of entries) this.#entries.delete(entry.record.id);
      const seen = new Set<string>();
      return entries.find((e) => seen.size === seen.add(e.record.id).size)!.record.id;
    }
    for (const entry of entries) {
      this.#byEndpoint.add(entry);
      this.due.index(entry);
    }
    this.#retention.stored(entries);
    return null;
  }

  /**
   * Stores the delivery records of fan-outs (ids derived from their messages' with `fanoutDeliveryId`), in
   * their fan-outs' groups. An id stored before (by `insert`, or by a fan-out whose message id shares that
   * part) keeps its delivery: that record is not stored. Not in their endpoints' lists (`ofEndpoint` looks in
   * the groups): that list would keep an entry alive once it is kept compact.
   */
  insertFanouts(entries: readonly DeliveryEntry[]): void {
    this.#fanouts.insert(entries, this.#taken, this.#index);
  }

  /** The group a claim leases a fan-out's deliveries in, or null (see FanoutGroups.of). */
  fanoutGroup(fanout: PendingFanout): FanoutGroup | null {
    return this.#fanouts.of(fanout);
  }

  /** The fanned-out delivery of that id, at `index` in `group`, is stored already (it is not to be taken). */
  isTaken(group: FanoutGroup, index: number, id: string): boolean {
    return group.slots[index] !== undefined || this.#taken(id);
  }

  /** A lease for deliveries a claim takes from `group`, due again when it ends unless their outcomes come. */
  newLease(group: FanoutGroup, lockedBy: string, lockedUntil: Date): FanoutLease {
    const lease = new FanoutLease(group, lockedBy, lockedUntil);
    this.due.lease(lease);
    return lease;
  }

  /** Puts a delivery (leased, or its entry) in an empty slot of its group; an entry is not queued. */
  place(group: FanoutGroup, index: number, slot: DeliveryEntry | FanoutLease): void {
    this.#fanouts.place(group, index, slot);
  }

  /** A lease ended with deliveries still in it: they are stored whole, due as their lease says. */
  expire(lease: FanoutLease): void {
    for (const entry of this.#fanouts.expire(lease)) this.due.index(entry);
  }

  /** A stored delivery's record was written: it is queued by wake time if pending, by `updatedAt` if not. */
  written(entry: DeliveryEntry): void {
    this.due.index(entry);
    this.#retention.written(entry);
  }

  /** Deletes a stored delivery. */
  remove(entry: DeliveryEntry): void {
    this.#remove(entry);
  }

  /** {@link remove}; true when it was the last one `insert` stored of its message. */
  #remove(entry: DeliveryEntry): boolean {
    if (entry.removed) return false;
    entry.removed = true;
    const id = entry.record.id;
    this.#claimed.delete(id);
    if (!this.#entries.delete(id)) {
      this.#fanouts.remove(id, entry);
      return false;
    }
    this.#byEndpoint.removed(entry);
    return this.#retention.removed(entry);
  }

  /**
   * Deletes the finished deliveries updated before `cutoff` (ms), oldest first, at most `limit`, at a cost
   * that follows what it deletes (see {@link DeliveryRetention}). Returns how many went and the ids of their
   * messages left with no stored delivery.
   */
  prune(cutoff: number, limit: number): { count: number; emptied: string[] } {
    return this.#retention.prune(cutoff, limit);
  }

  /**
   * The stored deliveries of an endpoint (a copy: the caller may remove them as it goes), but those kept
   * compact once delivered: they succeeded, and are neither removed with it nor queued when it is enabled;
   * leased ones are made whole. Fanned-out ones are found in their groups (visiting every fanned-out
   * delivery: deleting or enabling an endpoint is rare).
   */
  ofEndpoint(endpointId: string): DeliveryEntry[] {
    const found = this.#byEndpoint.of(endpointId);
    const leased: string[] = [];
    for (const group of this.#fanouts.values()) {
      const { slots, fanout } = group;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot === undefined || slot instanceof DeliveredFanout) continue;
        if (slot instanceof FanoutLease) {
          if (fanout!.endpointIds[i] === endpointId) leased.push(this.#id(group, i));
        } else if (slot.record.endpointId === endpointId) found.push(slot);
      }
    }
    // Made whole once the groups were visited: that writes their slots.
    for (const id of leased) found.push(this.get(id)!);
    return found;
  }

  /**
   * Whether no delivery of `fanouts` (pending ones, see MemoryFanouts) not taken yet has its id stored or
   * shared: none of them shares its ids' group (see {@link fanoutKey}) with another, whose group is theirs
   * alone with nothing from `next` on, and `insert` stored no id of theirs. Then reads may take their
   * deliveries as the fan-outs hold them; else only storing them first (`takeAll`) says which are kept. It
   * looks up those ids or, when fewer, goes over the ids `insert` stored (one of their group counts then).
   */
  clearOf(fanouts: Iterable<PendingFanout>): boolean {
    const keys = new Set<string>();
    const looked: PendingFanout[] = [];
    let untaken = 0;
    for (const fanout of fanouts) {
      if (fanout.next === fanout.endpointIds.length) continue;
      looked.push(fanout);
      const key = fanoutKey(fanoutDeliveryId(fanout.message.id, 0));
      if (keys.size === keys.add(key).size) return false;
      const group = this.#fanouts.group(key);
      if (group !== undefined && (group.fanout !== fanout || group.slots.length > fanout.next)) return false;
      untaken += fanout.endpointIds.length - fanout.next;
    }
    const entries = this.#entries;
    if (keys.size === 0 || entries.size === 0) return true;
    if (untaken <= entries.size) {
      for (const { endpointIds, message, next } of looked) {
        for (let i = next; i < endpointIds.length; i++)
          if (endpointIds[i] !== undefined && entries.has(fanoutDeliveryId(message.id, i))) return false;
      }
      return true;
    }
    for (const id of entries.keys()) if (fanoutIndex(id) >= 0 && keys.has(fanoutKey(id))) return false;
    return true;
  }

  /**
   * Keeps a claimed delivery (null: one a lease holds, found in its group) and its message at hand for the
   * attempt that follows.
   */
  atHand(entry: DeliveryEntry | null, message: Message = entry!.message): void {
    this.#claimed.add(entry, message);
  }

  /** A message of a delivery claimed lately, or undefined. */
  claimedMessage(id: string): Message | undefined {
    return this.#claimed.message(id);
  }

  /** A message was deleted. */
  forgetMessage(id: string): void {
    this.#claimed.forgetMessage(id);
  }
}
