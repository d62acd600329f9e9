import type { DeliveryAttempt, DeliveryRecord, Message } from '../../notifier/types.js';
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

/** A stored delivery and its attempts (null until the first). */
export interface DeliveryEntry {
  record: DeliveryRecord;
  attempts: DeliveryAttempt[] | null;
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
 * Claimed deliveries (and their messages) kept at hand, until this many: the attempt that follows a claim
 * reads the message and writes the delivery, and those lookups in maps of every stored delivery and message
 * miss the CPU's caches once the outbox is large. Past the cap they are forgotten (looked up as any).
 */
const CLAIMED_AT_HAND = 4096;

/**
 * The stored deliveries of `MemoryOutbox` and what finds them: by id, by endpoint (deleting or re-enabling an
 * endpoint visits its deliveries only), by wake time ({@link WakeQueue}, stale pairs dropped as they surface),
 * and the recently claimed ones at hand.
 */
export class DeliveryTable {
  readonly #entries = new Map<string, DeliveryEntry>();
  readonly #byEndpoint = new Map<string, EndpointDeliveries>();
  /** Wake times of the pending deliveries (see {@link wakeTime}), with their entries. */
  readonly #due = new WakeQueue<DeliveryEntry>();
  /** Recently claimed deliveries by id, and their messages by id (see {@link CLAIMED_AT_HAND}). */
  readonly #claimed = new Map<string, DeliveryEntry>();
  readonly #claimedMessages = new Map<string, Message>();

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  get(id: string): DeliveryEntry | undefined {
    return this.#claimed.get(id) ?? this.#entries.get(id);
  }

  /** Every stored delivery. */
  values(): MapIterator<DeliveryEntry> {
    return this.#entries.values();
  }

  /**
   * Stores new deliveries (all of them, or none): returns the id of one stored before or given twice, and
   * then stores nothing.
   */
  insert(entries: readonly DeliveryEntry[]): string | null {
    for (const entry of entries) if (this.#entries.has(entry.record.id)) return entry.record.id;
    const sizeBefore = this.#entries.size;
    for (const entry of entries) this.#entries.set(entry.record.id, entry);
    // The same id twice in the batch: the map grew by less than the batch.
    if (this.#entries.size - sizeBefore !== entries.length) {
      for (const entry of entries) this.#entries.delete(entry.record.id);
      const seen = new Set<string>();
      return entries.find((e) => seen.size === seen.add(e.record.id).size)!.record.id;
    }
    let list: EndpointDeliveries | undefined;
    let listOf: string | undefined;
    for (const entry of entries) {
      const endpointId = entry.record.endpointId;
      if (listOf !== endpointId) {
        listOf = endpointId;
        list = this.#byEndpoint.get(endpointId);
        if (list === undefined) {
          list = { entries: [], removed: 0 };
          this.#byEndpoint.set(endpointId, list);
        }
      }
      list!.entries.push(entry);
      this.index(entry);
    }
    return null;
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
    this.#entries.delete(id);
    this.#claimed.delete(id);
    const list = this.#byEndpoint.get(entry.record.endpointId);
    if (list === undefined) return;
    if (++list.removed * 2 < list.entries.length) return;
    list.entries = list.entries.filter((e) => !e.removed);
    list.removed = 0;
    if (list.entries.length === 0) this.#byEndpoint.delete(entry.record.endpointId);
  }

  /** The stored deliveries of an endpoint (a copy: the caller may remove them as it goes). */
  ofEndpoint(endpointId: string): DeliveryEntry[] {
    return this.#byEndpoint.get(endpointId)?.entries.filter((e) => !e.removed) ?? [];
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

  /** The attempt's result is stored: its delivery need not be at hand. */
  done(id: string): void {
    this.#claimed.delete(id);
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
