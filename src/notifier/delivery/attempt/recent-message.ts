import type { Storage } from '../../../storage/types.js';
import type { Message } from '../../types.js';

/**
 * The message the deliverer read last, for the attempts that follow of other deliveries of it: a claim takes
 * a fan-out's deliveries in a row (50 attempts of one message at 50 endpoints), and a stored message never
 * changes, so the copy read for the first serves the others, without another read (and copy, or I/O) each.
 * The read itself is shared while in progress. A message not found, or a read that failed, is not kept.
 */
export class RecentMessage {
  #id: string | null = null;
  #read: Promise<Message | null> | null = null;
  #message: Message | null = null;

  /** The message of that id: the one read last when it is that, else read from `storage`. */
  read(storage: Storage, id: string): Message | Promise<Message | null> {
    if (id === this.#id) return this.#message ?? this.#read!;
    const read = storage.getMessage(id);
    this.#id = id;
    this.#read = read;
    this.#message = null;
    return read;
  }

  /** What a read of `id` found (null: not found, or it failed): kept for the next attempts when found. */
  found(id: string, message: Message | null): void {
    if (id !== this.#id) return;
    if (message === null) {
      this.#id = null;
      this.#read = null;
    }
    this.#message = message;
  }
}
