import type { Message } from '../../../notifier/types.js';
import type { DeliveryEntry } from './delivery-entry.js';

/**
 * Claimed deliveries (and their messages) kept at hand, until this many: the attempt that follows a claim
 * reads the message and writes the delivery, and those lookups in maps of every stored delivery and message
 * miss the CPU's caches once the outbox is large. Past the cap they are forgotten (looked up as any).
 */
const CLAIMED_AT_HAND = 4096;

/** Recently claimed deliveries by id, and their messages by id, for {@link DeliveryTable}. */
export class ClaimedAtHand {
  readonly #entries = new Map<string, DeliveryEntry>();
  readonly #messages = new Map<string, Message>();

  /** Keeps a claimed delivery (null: one a lease holds, found in its group) and its message. */
  add(entry: DeliveryEntry | null, message: Message): void {
    // Both are bounded: the messages map is only emptied here (attempts that end take their delivery out of
    // the other), so left alone it would grow into a second map of every message ever claimed.
    if (this.#entries.size >= CLAIMED_AT_HAND || this.#messages.size >= CLAIMED_AT_HAND) {
      this.#entries.clear();
      this.#messages.clear();
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

  /** The delivery's attempt is stored, or it was removed. */
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
