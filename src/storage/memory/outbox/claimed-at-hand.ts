import type { Message } from '../../../notifier/types.js';
import type { DeliveryEntry } from './delivery-entry.js';

/**
 * Claimed deliveries (and their messages) kept at hand, until this many: the attempt that follows a claim
 * reads the message and writes the delivery, and those lookups in maps of every stored delivery and message
 * miss the CPU's caches once the outbox is large. Past the cap they are forgotten (looked up as any). A
 * delivery stays at hand after its attempt (it is the stored entry, written in place), until it leaves the
 * table, is kept compact or the cap is reached: deleting each one as its attempt ended made the map shrink
 * and grow again with every claim, a new table each time.
 */
const CLAIMED_AT_HAND = 4096;

/** Recently claimed deliveries by id, and their messages by id, for {@link DeliveryTable}. */
export class ClaimedAtHand {
  #entries = new Map<string, DeliveryEntry>();
  #messages = new Map<string, Message>();

  /** Keeps a claimed delivery (null: one a lease holds, found in its group) and its message. */
  add(entry: DeliveryEntry | null, message: Message): void {
    // Both are bounded: they are only emptied here (but for deliveries that leave the table or are kept
    // compact), so left alone they would grow into second maps of every delivery and message ever claimed.
    if (this.#entries.size >= CLAIMED_AT_HAND || this.#messages.size >= CLAIMED_AT_HAND) {
      // New maps rather than clear(): a long-lived Map's tables are made in the old generation, so clearing
      // and growing it again to the cap made ~20 tables there, for garbage collection to mark and sweep.
      this.#entries = new Map();
      this.#messages = new Map();
    }
    if (entry !== null) this.#entries.set(entry.record.id, entry);
    this.#messages.set(message.id, message);
  }

  get(id: string): DeliveryEntry | undefined {
    return this.#entries.get(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The delivery was removed, or is kept compact: its entry is no longer the stored one. */
  delete(id: string): void {
    this.#entries.delete(id);
  }

  message(id: string): Message | undefined {
    return this.#messages.get(id);
  }

  forgetMessage(id: string): void {
    this.#messages.delete(id);
  }
}
