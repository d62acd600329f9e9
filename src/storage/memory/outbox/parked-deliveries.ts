import { MinHeap } from '../../../heap.js';
import { WakeQueue } from '../wake-queue.js';
import { type DeliveryEntry, wakeTime } from './delivery-entry.js';

/**
 * Due deliveries that a claim found for endpoints it left out (each at its limit), kept out of the wake queue
 * in one queue per endpoint. A claim that leaves the endpoint out again does not touch them (popping and
 * queueing them again would make every such claim cost as much as the endpoint's backlog); one that takes
 * its deliveries takes from that queue as from the wake queue, due time first across both. Pairs go stale
 * there as in the wake queue and are dropped as they surface.
 */
export class ParkedDeliveries {
  readonly #byEndpoint = new Map<string, WakeQueue<DeliveryEntry>>();
  /**
   * The queues taken from besides the wake queue (those of endpoints the current claim does not leave out), by
   * the time of their heads: only taking from one changes its head until the next `open`.
   */
  readonly #open = new MinHeap<WakeQueue<DeliveryEntry>>();

  /** Parks a due delivery (nothing when it is not pending). */
  park(entry: DeliveryEntry): void {
    const { endpointId, status, nextAttemptAt, lockedUntil } = entry.record;
    const time = wakeTime(nextAttemptAt, lockedUntil);
    if (status !== 'pending' || time === null) return;
    let queue = this.#byEndpoint.get(endpointId);
    if (queue === undefined) {
      queue = new WakeQueue<DeliveryEntry>();
      this.#byEndpoint.set(endpointId, queue);
    }
    queue.push(time, entry);
  }

  /**
   * Opens the queues of every endpoint but those in `exclude` (all with null), until the next call; a queue
   * emptied since the last call is dropped. Until then, a delivery parked for an endpoint left out stays
   * shut away even when its queue is new.
   */
  open(exclude: ReadonlySet<string> | null): void {
    if (this.#open.size > 0) this.#open.clear();
    for (const [endpointId, queue] of this.#byEndpoint) {
      const time = queue.peekTime();
      if (time === undefined) this.#byEndpoint.delete(endpointId);
      else if (exclude === null || !exclude.has(endpointId)) this.#open.push(time, queue);
    }
  }

  /** The open queue whose head is earliest, when it is earlier than `due`'s head; else `due`. */
  first<T>(due: WakeQueue<T | DeliveryEntry>): WakeQueue<T | DeliveryEntry> {
    const time = this.#open.peekTime();
    if (time === undefined) return due;
    const t = due.peekTime();
    return t !== undefined && t <= time ? due : this.#open.peekId()!;
  }

  /** Removes the pair due first (see `first`), and the stale pairs it uncovers. */
  pop<T>(
    due: WakeQueue<T | DeliveryEntry>,
    isCurrent: (time: number, item: T | DeliveryEntry) => boolean,
  ): void {
    const queue = this.first(due);
    queue.pop();
    queue.dropStale(isCurrent);
    if (queue === due) return;
    this.#open.pop();
    const time = queue.peekTime();
    if (time !== undefined) this.#open.push(time, queue as WakeQueue<DeliveryEntry>);
  }
}
