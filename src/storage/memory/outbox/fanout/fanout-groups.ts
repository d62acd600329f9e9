import { fanoutDeliveryId, fanoutIndex, fanoutKey } from '../../../../notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../../notifier/types.js';
import type { DeliveryEntry } from '../delivery-entry.js';
import { DeliveredFanout } from './delivered-fanout.js';
import { type PendingFanout, pendingRecord } from './fanouts.js';

/**
 * Fanned-out deliveries that one claim leased, as their group's slots hold them while their attempts are in
 * flight: this one object for all of them, instead of a record and an entry each (made by the claim, dropped
 * at the outcome: what garbage collection paid for at 50 endpoints). Their records follow from the group's
 * fan-out, their index and this lease. A write (or the lease's end) makes one whole again.
 */
export class FanoutLease {
  /** Slots that still hold it: once none does, its pair in the wake queue is stale. */
  live = 0;
  /** The copies of stored dates shared by the records it hands out (see {@link claimed}). */
  #handed: HandedDates | null = null;

  constructor(
    readonly group: FanoutGroup,
    readonly lockedBy: string,
    /** Shared by the records made from it, never changed. */
    readonly lockedUntil: Date,
  ) {}

  /** The stored record of the delivery at `index` (stored dates shared, as a stored record's are). */
  record(index: number, id = fanoutDeliveryId(this.#fanout.message.id, index)): DeliveryRecord {
    const record = pendingRecord(this.#fanout, index, id);
    record.lockedBy = this.lockedBy;
    record.lockedUntil = this.lockedUntil;
    return record;
  }

  /** Whether the endpoint of some delivery it holds passes `test`. */
  someEndpoint(test: (endpointId: string) => boolean): boolean {
    const slots = this.group.slots;
    for (let i = 0; i < slots.length; i++)
      if (slots[i] === this && test(this.#fanout.endpointIds[i]!)) return true;
    return false;
  }

  /**
   * The record a claim hands out for the delivery at `index`: {@link record} with copies of the stored dates.
   * Its `createdAt` is its own (the notifier hands it on in its events); the others are copies this lease
   * makes once and shares between the records it hands out: a claim's caller may change what it is given,
   * never what is stored, and the notifier replaces them in the delivery's next state. Four dates per
   * delivery were a third of the garbage a claim made at 50 endpoints.
   */
  claimed(index: number, id: string): DeliveryRecord {
    const record = this.record(index, id);
    record.createdAt = new Date(record.createdAt.getTime());
    this.#handed ??= handedDates(record, this.lockedUntil);
    const handed = this.#handed;
    record.nextAttemptAt = handed.nextAttemptAt;
    record.updatedAt = handed.updatedAt;
    record.lockedUntil = handed.lockedUntil;
    return record;
  }

  get #fanout(): PendingFanout {
    return this.group.fanout!;
  }
}

/** Copies of a leased record's stored dates, handed out (see {@link FanoutLease.claimed}). */
interface HandedDates {
  readonly nextAttemptAt: Date | null;
  readonly updatedAt: Date;
  readonly lockedUntil: Date;
}

function handedDates(record: DeliveryRecord, lockedUntil: Date): HandedDates {
  const due = record.nextAttemptAt;
  return {
    nextAttemptAt: due === null ? null : new Date(due.getTime()),
    updatedAt: new Date(record.updatedAt.getTime()),
    lockedUntil: new Date(lockedUntil.getTime()),
  };
}

export type FanoutSlot = DeliveryEntry | DeliveredFanout | FanoutLease;

/** A slot that holds a whole entry (not kept compact). */
export function isEntry(slot: FanoutSlot): slot is DeliveryEntry {
  return !(slot instanceof DeliveredFanout) && !(slot instanceof FanoutLease);
}

/**
 * The deliveries of one fan-out, by index: ids derived from the message's (`fanoutDeliveryId`) find them by
 * their message part, so storing a fan-out's deliveries costs one map entry, not one in the map of every
 * stored delivery each (that map's entries, hundreds of thousands with the delivery log, miss the CPU's
 * caches). A slot holds a whole entry, or one of the compact forms: leased by a claim ({@link FanoutLease}),
 * or succeeded at its first attempt ({@link DeliveredFanout}).
 */
export interface FanoutGroup {
  readonly slots: Array<FanoutSlot | undefined>;
  /** Slots not empty. */
  live: number;
  /** The fan-out whose deliveries claims lease in place; null for a group stored record by record. */
  readonly fanout: PendingFanout | null;
  /**
   * For retention (see `FinishedDeliveries`): when the group was last queued to be looked at for its
   * deliveries kept compact (none of them was updated before), Infinity when it is not queued. Queued once,
   * not once per delivery.
   */
  finishedAt: number;
}

/** The groups of fanned-out deliveries of {@link DeliveryTable}, by their ids' message part ({@link fanoutKey}). */
export class FanoutGroups {
  readonly #groups = new Map<string, FanoutGroup>();

  get size(): number {
    return this.#groups.size;
  }

  values(): IterableIterator<FanoutGroup> {
    return this.#groups.values();
  }

  /** The group of the ids of that {@link fanoutKey}, or undefined. */
  group(key: string): FanoutGroup | undefined {
    return this.#groups.get(key);
  }

  /** The fanned-out delivery of that id, or undefined. */
  slot(id: string): FanoutSlot | undefined {
    if (this.#groups.size === 0) return undefined;
    const index = fanoutIndex(id);
    if (index < 0) return undefined;
    const slot = this.#groups.get(fanoutKey(id))?.slots[index];
    // A generated id has the shape of a derived one: the group found must hold that very id (a compact one's
    // id is derived from its group's key and index, so it is that id).
    if (slot === undefined || !isEntry(slot)) return slot;
    return slot.record.id === id ? slot : undefined;
  }

  /** A compact delivery (slot of `id`) as an entry, to be read only. */
  read(id: string, slot: DeliveredFanout | FanoutLease): DeliveryEntry {
    const index = fanoutIndex(id);
    if (slot instanceof DeliveredFanout) {
      const { record, attempt } = slot.expand(index);
      return { record, attempts: attempt, message: slot.message, removed: false };
    }
    return {
      record: slot.record(index, id),
      attempts: null,
      message: slot.group.fanout!.message,
      removed: false,
    };
  }

  /** A compact delivery (slot of `id`) made whole: its entry, stored in its slot instead. */
  whole(id: string, slot: DeliveredFanout | FanoutLease): DeliveryEntry {
    const entry = this.read(id, slot);
    this.#groups.get(fanoutKey(id))!.slots[fanoutIndex(id)] = entry;
    if (slot instanceof FanoutLease) slot.live--;
    return entry;
  }

  /**
   * The group of a fan-out a claim leases deliveries of (made when first needed), or null when its ids' group
   * holds another's deliveries (a message id sharing that part): that one is then stored record by record.
   */
  of(fanout: PendingFanout): FanoutGroup | null {
    const key = fanoutKey(fanoutDeliveryId(fanout.message.id, 0));
    const group = this.#groups.get(key);
    if (group !== undefined) return group.fanout === fanout ? group : null;
    const made: FanoutGroup = { slots: [], live: 0, fanout, finishedAt: Number.POSITIVE_INFINITY };
    this.#groups.set(key, made);
    return made;
  }

  /** Puts a delivery in an empty slot of its group. */
  place(group: FanoutGroup, index: number, slot: FanoutSlot): void {
    group.slots[index] = slot;
    group.live++;
    if (slot instanceof FanoutLease) slot.live++;
  }

  /**
   * Stores the delivery records of fan-outs (ids derived from their messages' with `fanoutDeliveryId`), in
   * their fan-outs' groups; `placed` is told of each. An id stored before (in a group, or as `taken` says,
   * or by a fan-out whose message id shares that part) keeps its delivery: that record is not stored.
   */
  insert(
    entries: readonly DeliveryEntry[],
    taken: (id: string) => boolean,
    placed: (entry: DeliveryEntry) => void,
  ): void {
    let group: FanoutGroup | undefined;
    let groupOf: Message | undefined;
    for (const entry of entries) {
      const id = entry.record.id;
      const index = fanoutIndex(id);
      if (entry.message !== groupOf) {
        // Records come by fan-out: one group lookup each.
        groupOf = entry.message;
        const key = fanoutKey(id);
        group = this.#groups.get(key);
        if (group === undefined) {
          group = { slots: [], live: 0, fanout: null, finishedAt: Number.POSITIVE_INFINITY };
          this.#groups.set(key, group);
        }
      }
      if (group!.slots[index] !== undefined || taken(id)) continue;
      this.place(group!, index, entry);
      placed(entry);
    }
  }

  /**
   * Keeps a stored fanned-out delivery (`slot` of `id`: its entry, whose attempt is stored, or its lease) as
   * `delivered` instead, and returns its group. Null, and nothing changes, when that is not what the group
   * holds there.
   */
  compact(id: string, slot: DeliveryEntry | FanoutLease, delivered: DeliveredFanout): FanoutGroup | null {
    const index = fanoutIndex(id);
    if (index < 0 || this.#groups.size === 0) return null;
    // A lease knows its group: no slice of the id to hash for the map (a slot holding the lease is its group's).
    const group = slot instanceof FanoutLease ? slot.group : this.#groups.get(fanoutKey(id));
    if (group === undefined || group.slots[index] !== slot) return null;
    const message = slot instanceof FanoutLease ? group.fanout!.message : slot.message;
    if (message !== delivered.message) return null;
    group.slots[index] = delivered;
    if (slot instanceof FanoutLease) slot.live--;
    return group;
  }

  /**
   * Takes a fanned-out delivery (`slot` of `id`: an entry, or one kept compact) out of its group, and the
   * group once it is empty; nothing when that is not what the group holds there.
   */
  remove(id: string, slot: DeliveryEntry | DeliveredFanout): void {
    const index = fanoutIndex(id);
    if (index < 0) return;
    const key = fanoutKey(id);
    const group = this.#groups.get(key);
    if (group === undefined || group.slots[index] !== slot) return;
    group.slots[index] = undefined;
    if (--group.live === 0) this.#groups.delete(key);
  }

  /**
   * Whether a delivery of that message is stored in the group of `key` (the group's ids' message part):
   * a group may hold the deliveries of several messages whose ids share that part.
   */
  holdsMessage(key: string, messageId: string): boolean {
    const group = this.#groups.get(key);
    if (group === undefined) return false;
    const slots = group.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (slot === undefined) continue;
      const id = isEntry(slot)
        ? slot.record.messageId
        : slot instanceof DeliveredFanout
          ? slot.message.id
          : slot.group.fanout!.message.id;
      if (id === messageId) return true;
    }
    return false;
  }

  /** The deliveries `lease` still holds, made whole (their lease ended: they are to be claimed as any). */
  expire(lease: FanoutLease): DeliveryEntry[] {
    const made: DeliveryEntry[] = [];
    const { slots, fanout } = lease.group;
    for (let i = 0; i < slots.length && lease.live > 0; i++) {
      if (slots[i] !== lease) continue;
      const entry = { record: lease.record(i), attempts: null, message: fanout!.message, removed: false };
      slots[i] = entry;
      lease.live--;
      made.push(entry);
    }
    return made;
  }
}
