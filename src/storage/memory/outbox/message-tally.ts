import type { Message } from '../../../notifier/types.js';
import type { DeliveryEntry } from './delivery-entry.js';

/**
 * What retention asks of `DeliveryTable` to forget a message once no stored delivery is left of it, without
 * walking every stored one: how many deliveries `insert` stored are left of each message that had several (a
 * message that had one has it until it is removed: most have one, and cost nothing here), and whether any
 * stored record names another message than the one it was stored with (a write may say so), when only a walk
 * answers.
 */
export class MessageTally {
  readonly #several = new Map<Message, number>();
  #renamed = false;

  /** Some stored record named another message than its entry's: only a walk of the records tells. */
  get renamed(): boolean {
    return this.#renamed;
  }

  /** `insert` stored these deliveries. */
  stored(entries: readonly DeliveryEntry[]): void {
    for (const entry of entries) this.written(entry);
    if (entries.length < 2) return;
    for (const { message } of entries) this.#several.set(message, (this.#several.get(message) ?? 0) + 1);
  }

  /** A stored delivery's record was written (it may name another message). */
  written(entry: DeliveryEntry): void {
    if (entry.record.messageId !== entry.message.id) this.#renamed = true;
  }

  /** A delivery `insert` stored was removed: true when it was its message's last one. */
  removed(entry: DeliveryEntry): boolean {
    const left = this.#several.get(entry.message);
    if (left === undefined) return true;
    // From two to one: one left needs no count.
    if (left <= 2) this.#several.delete(entry.message);
    else this.#several.set(entry.message, left - 1);
    return left === 1;
  }
}
