import { fanoutIndex, fanoutKey } from '../../notifier/ids.js';
import type { DeliveryAttempt, DeliveryRecord, Message } from '../../notifier/types.js';
import { DeliveredFanout } from './delivered-fanout.js';
import { WakeQueue } from './wake-queue.js';

/**
 * When a due item (job or delivery) next needs looking at: its due time, or its lease's expiry when that is
 * later, since a leased item cannot be claimed before then. Null when it is not due at all.
 */
export function wakeTime(due: Date | null, lockedUntil: Date | null): number | null {
  if (due === null) return null;
  const d = due.getTime();
  return lockedUntil !== null && lockedUntil.getTime() > d ? lockedUntil.getTime() : d;
}

/** The pair (time, entry) of the wake queue still says when the entry is due: it is pending at that time. */
function isCurrent(time: number, entry: DeliveryEntry): boolean {
  const delivery = entry.record;
  return (
    !entry.removed &&
    delivery.status === 'pending' &&
    wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) === time
  );
}

/** A stored delivery and its attempts, oldest first. */
export interface DeliveryEntry {
  record: DeliveryRecord;
  /** Null until the first attempt, that one alone (most deliveries have one: no array is kept), then a list. */
  attempts: DeliveryAttempt | DeliveryAttempt[] | null;
  /** Its stored message, so that a claim finds it without a lookup. */
  readonly message: Message;
  /** Deleted: what still refers to it (the wake queue, its endpoint's list) drops it when met. */
  removed: boolean;
}

/** One endpoint's stored deliveries, in the order stored; deleted ones leave when they are half of it. */
interface EndpointDeliveries {
  entries: DeliveryEntry[];
  removed: number;
}

/**
 * The deliveries of one fan-out, by index: ids derived from the message's (`fanoutDeliveryId`) find them by
 * their message part, so storing a fan-out's records costs one map entry, not one in the map of every stored
 * delivery each (that map's entries, hundreds of thousands with the delivery log, miss the CPU's caches).
 * One that succeeded at its first attempt is kept compact ({@link DeliveredFanout}) until a write needs it.
 */
interface FanoutGroup {
  readonly entries: Array<DeliveryEntry | DeliveredFanout | undefined>;
  /** Entries not removed. */
  live: number;
}

/**
 * Claimed deliveries (and their messages) kept at hand, until this many: the attempt that follows a claim
 * reads the message and writes the delivery, and those lookups in maps of every stored delivery and message
 * miss the CPU's caches once the outbox is large. Past the cap they are forgotten (looked up as any).
 */
const CLAIMED_AT_HAND = 4096;

/**
 * The stored deliveries of `MemoryOutbox` and what finds them: by id (fanned-out ones by their fan-out's
 * group, see {@link FanoutGroup}), by endpoint (deleting or re-enabling an endpoint visits its deliveries
 * only), by wake time ({@link WakeQueue}, stale pairs dropped as they surface), and the recently claimed ones
 * at hand. An id is stored once, in the map or in a group.
 */
export class DeliveryTable {
  /** Deliveries stored by `insert`, by id. */
  readonly #entries = new Map<string, DeliveryEntry>();
  /** Deliveries stored by `insertFanouts`, by their ids' message part ({@link fanoutKey}). */
  readonly #fanouts = new Map<string, FanoutGroup>();
  readonly #byEndpoint = new Map<string, EndpointDeliveries>();
  /** Wake times of the pending deliveries (see {@link wakeTime}), with their entries. */
  readonly #due = new WakeQueue<DeliveryEntry>();
  /** Recently claimed deliveries by id, and their messages by id (see {@link CLAIMED_AT_HAND}). */
  readonly #claimed = new Map<string, DeliveryEntry>();
  readonly #claimedMessages = new Map<string, Message>();

  has(id: string): boolean {
    return this.#entries.has(id) || this.#fanoutSlot(id) !== undefined;
  }

  /** The stored delivery of that id, whole: a compact one is made whole again, as it is to be written. */
  get(id: string): DeliveryEntry | undefined {
    const entry = this.#claimed.get(id) ?? this.#entries.get(id);
    if (entry !== undefined) return entry;
    const slot = this.#fanoutSlot(id);
    if (!(slot instanceof DeliveredFanout)) return slot;
    const index = fanoutIndex(id);
    const whole = expanded(slot, index);
    this.#fanouts.get(fanoutKey(id))!.entries[index] = whole;
    return whole;
  }

  /** The stored delivery of that id, to be read only: a compact one as an entry made for the read. */
  peek(id: string): DeliveryEntry | undefined {
    const entry = this.#claimed.get(id) ?? this.#entries.get(id);
    if (entry !== undefined) return entry;
    const slot = this.#fanoutSlot(id);
    return slot instanceof DeliveredFanout ? expanded(slot, fanoutIndex(id)) : slot;
  }

  /**
   * Every stored delivery; compact ones (see {@link DeliveredFanout}) as entries made for the read, to be read
   * only (a write goes through `get`).
   */
  *values(): Generator<DeliveryEntry, void, undefined> {
    yield* this.#entries.values();
    for (const group of this.#fanouts.values()) {
      const slots = group.entries;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot !== undefined) yield slot instanceof DeliveredFanout ? expanded(slot, i) : slot;
      }
    }
  }

  /** Every stored delivery's record, to be read only (compact ones' made for the read, without their attempts). */
  *records(): Generator<DeliveryRecord, void, undefined> {
    for (const entry of this.#entries.values()) yield entry.record;
    for (const group of this.#fanouts.values()) {
      const slots = group.entries;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        if (slot !== undefined) yield slot instanceof DeliveredFanout ? slot.record(i) : slot.record;
      }
    }
  }

  /** The stored deliveries not kept compact: every one but those that succeeded at a fan-out's first attempt. */
  *whole(): Generator<DeliveryEntry, void, undefined> {
    yield* this.#entries.values();
    for (const group of this.#fanouts.values())
      for (const slot of group.entries)
        if (slot !== undefined && !(slot instanceof DeliveredFanout)) yield slot;
  }

  /** The fanned-out delivery of that id, or undefined. */
  #fanoutSlot(id: string): DeliveryEntry | DeliveredFanout | undefined {
    if (this.#fanouts.size === 0) return undefined;
    const index = fanoutIndex(id);
    if (index < 0) return undefined;
    const slot = this.#fanouts.get(fanoutKey(id))?.entries[index];
    // A generated id has the shape of a derived one: the group found must hold that very id (a compact one's
    // id is derived from its group's key and index, so it is that id).
    if (slot === undefined || slot instanceof DeliveredFanout) return slot;
    return slot.record.id === id ? slot : undefined;
  }

  /**
   * Keeps a stored fanned-out delivery (`entry`, whose attempt is stored) as `delivered` instead: the entry is
   * no longer stored (marked removed, so that its pairs in the wake queue are dropped). False, and nothing
   * changes, when `entry` is not a fanned-out one.
   */
  compact(entry: DeliveryEntry, delivered: DeliveredFanout): boolean {
    const id = entry.record.id;
    const index = fanoutIndex(id);
    if (index < 0 || this.#fanouts.size === 0) return false;
    const group = this.#fanouts.get(fanoutKey(id));
    if (group === undefined || group.entries[index] !== entry || entry.message !== delivered.message)
      return false;
    group.entries[index] = delivered;
    entry.removed = true;
    this.#claimed.delete(id);
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
    for (const entry of entries) this.#listed(entry);
    return null;
  }

  /**
   * Stores the delivery records of fan-outs (ids derived from their messages' with `fanoutDeliveryId`), in
   * their fan-outs' groups. An id stored before (by `insert`, or by a fan-out whose message id shares that
   * part) keeps its delivery: that record is not stored.
   */
  insertFanouts(entries: readonly DeliveryEntry[]): void {
    const mayBeTaken = this.#entries.size > 0;
    let group: FanoutGroup | undefined;
    let groupOf: Message | undefined;
    for (const entry of entries) {
      const id = entry.record.id;
      const index = fanoutIndex(id);
      if (entry.message !== groupOf) {
        // Records come by fan-out: one group lookup each.
        groupOf = entry.message;
        const key = fanoutKey(id);
        group = this.#fanouts.get(key);
        if (group === undefined) {
          group = { entries: [], live: 0 };
          this.#fanouts.set(key, group);
        }
      }
      if (group!.entries[index] !== undefined || (mayBeTaken && this.#entries.has(id))) continue;
      group!.entries[index] = entry;
      group!.live++;
      // Not in its endpoint's list (`ofEndpoint` looks in the groups): that list would keep the entry alive
      // once it is kept compact.
      this.index(entry);
    }
  }

  /** A new entry goes to its endpoint's list and the wake queue. */
  #listed(entry: DeliveryEntry): void {
    const endpointId = entry.record.endpointId;
    let list = this.#byEndpoint.get(endpointId);
    if (list === undefined) {
      list = { entries: [], removed: 0 };
      this.#byEndpoint.set(endpointId, list);
    }
    list.entries.push(entry);
    this.index(entry);
  }

  /** Puts the delivery's wake time in the queue (nothing when it is not pending). */
  index(entry: DeliveryEntry): void {
    const delivery = entry.record;
    const t = delivery.status === 'pending' ? wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) : null;
    if (t !== null) this.#due.push(t, entry);
  }

  /** Deletes a stored delivery. */
  remove(entry: DeliveryEntry): void {
    if (entry.removed) return;
    entry.removed = true;
    const id = entry.record.id;
    this.#claimed.delete(id);
    if (!this.#entries.delete(id)) {
      this.#removeFanout(entry);
      return;
    }
    const list = this.#byEndpoint.get(entry.record.endpointId);
    if (list === undefined) return;
    if (++list.removed * 2 < list.entries.length) return;
    list.entries = list.entries.filter((e) => !e.removed);
    list.removed = 0;
    if (list.entries.length === 0) this.#byEndpoint.delete(entry.record.endpointId);
  }

  /** Takes a fanned-out entry out of its group, and the group once it is empty. */
  #removeFanout(entry: DeliveryEntry): void {
    const id = entry.record.id;
    const key = fanoutKey(id);
    const group = this.#fanouts.get(key);
    const index = fanoutIndex(id);
    if (group === undefined || index < 0 || group.entries[index] !== entry) return;
    group.entries[index] = undefined;
    if (--group.live === 0) this.#fanouts.delete(key);
  }

  /**
   * The stored deliveries of an endpoint (a copy: the caller may remove them as it goes), but those kept
   * compact: they succeeded, and are neither removed with it nor queued when it is enabled. Fanned-out ones
   * are found in their groups (visiting every fanned-out delivery: deleting or enabling an endpoint is rare).
   */
  ofEndpoint(endpointId: string): DeliveryEntry[] {
    const found = this.#byEndpoint.get(endpointId)?.entries.filter((e) => !e.removed) ?? [];
    for (const group of this.#fanouts.values())
      for (const slot of group.entries)
        if (slot !== undefined && !(slot instanceof DeliveredFanout) && slot.record.endpointId === endpointId)
          found.push(slot);
    return found;
  }

  /** The time and entry heading the wake queue, which may be stale (see `popDue`). */
  peekDue(): DeliveryEntry | undefined {
    return this.#due.peekId();
  }

  peekDueTime(): number | undefined {
    return this.#due.peekTime();
  }

  popDue(): void {
    this.#due.pop();
    this.#due.dropStale(isCurrent);
  }

  /** Keeps a claimed delivery and its message at hand for the attempt that follows. */
  atHand(entry: DeliveryEntry): void {
    // Both are bounded: the messages map is only emptied here (attempts that end take their delivery out of
    // the other), so left alone it would grow into a second map of every message ever claimed.
    if (this.#claimed.size >= CLAIMED_AT_HAND || this.#claimedMessages.size >= CLAIMED_AT_HAND) {
      this.#claimed.clear();
      this.#claimedMessages.clear();
    }
    this.#claimed.set(entry.record.id, entry);
    this.#claimedMessages.set(entry.message.id, entry.message);
  }

  /**
   * The attempt's result is stored: its delivery need not be at hand, and its lease's pair in the wake queue
   * can go once it heads its sequence (here, or when what is due before it is popped).
   */
  done(id: string): void {
    this.#claimed.delete(id);
    this.#due.dropStale(isCurrent);
  }

  /** A message of a delivery claimed lately, or undefined. */
  claimedMessage(id: string): Message | undefined {
    return this.#claimedMessages.get(id);
  }

  /** A message was deleted. */
  forgetMessage(id: string): void {
    this.#claimedMessages.delete(id);
  }
}

/** A compact delivery made whole: its entry, as stored before it was made compact. */
function expanded(delivered: DeliveredFanout, index: number): DeliveryEntry {
  const { record, attempt } = delivered.expand(index);
  return { record, attempts: attempt, message: delivered.message, removed: false };
}
