import { sameElements } from '../../../../arrays.js';
import { fanoutDeliveryId, fanoutIndex, fanoutKey } from '../../../../notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../../notifier/types.js';
import { fanoutDelivery } from '../../../fanout.js';
import type { FanoutInput } from '../../../types.js';
import { WakeQueue } from '../../wake-queue.js';

/** A message stored by `insertFanout` whose deliveries are not all taken yet. */
export interface PendingFanout {
  /** The stored message: the records share its `createdAt`, as they share `due` (stored dates never change). */
  readonly message: Message;
  /**
   * Its deliveries' endpoints, by index; undefined where a delivery not taken yet was deleted with its endpoint
   * (see `dropEndpoint`). Shared by the fan-outs to the same endpoints.
   */
  endpointIds: readonly (string | undefined)[];
  readonly due: Date;
  /** Index of its first delivery not taken yet: a claim takes them in order, and may stop part way. */
  next: number;
}

/**
 * The fan-outs `MemoryOutbox` holds compactly: each is a message and its endpoints' ids until claims take
 * its deliveries (`head`, in index order: see DeliveryTable.leaseFanout) or a write needs its delivery
 * records, when `take` and `takeAll` hand out the records not taken yet (those `insertMessage` would have
 * stored) to be stored as any. Reads (counts, lists, one delivery) and deleting an endpoint take them where
 * they are (`values`, `find`, `dropEndpoint`). So a publish to many endpoints costs what one to a single
 * endpoint does, and each record is still made once: memory has one writer, no other process.
 */
export class MemoryFanouts {
  readonly #pending = new Map<string, PendingFanout>();
  /**
   * (due time, fan-out) of every pending fan-out: claims take them in due order, and find the one due first
   * without a look-up by its message id in #pending (a map as large as the backlog, whose entries miss the
   * CPU's caches).
   */
  readonly #heap = new WakeQueue<PendingFanout>();

  /**
   * The endpoint ids of the last fan-out added, as kept: the next one to the same endpoints (the usual case,
   * one topic published again and again) keeps this list too, so a pending fan-out holds no list of its own.
   */
  #lastIds: readonly string[] = [];

  /** The indices left undefined in the lists `dropEndpoint` made (deliveries deleted with their endpoint). */
  readonly #gaps = new WeakMap<readonly (string | undefined)[], readonly number[]>();

  /** Keeps `message` (stored already) and a copy of the input's ids and due time. */
  add(message: Message, { endpointIds, nextAttemptAt }: FanoutInput): void {
    // Checked now, not when the records are written: a message id of another form or too many endpoints
    // is refused at the door.
    if (endpointIds.length > 0) fanoutDeliveryId(message.id, endpointIds.length - 1);
    const due = new Date(nextAttemptAt.getTime());
    if (!sameElements(this.#lastIds, endpointIds)) this.#lastIds = endpointIds.slice();
    const fanout: PendingFanout = { message, endpointIds: this.#lastIds, due, next: 0 };
    this.#pending.set(message.id, fanout);
    this.#heap.push(due.getTime(), fanout);
  }

  /** How many fan-outs have no records yet. */
  get size(): number {
    return this.#pending.size;
  }

  /** Whether the fan-out of that message has deliveries not taken yet. */
  has(messageId: string): boolean {
    return this.#pending.has(messageId);
  }

  /** The earliest due time of a pending fan-out, or undefined when there is none. */
  nextDue(): number | undefined {
    return this.#heap.peekTime();
  }

  /** The fan-out due first (its deliveries from `next` on are not taken yet), or undefined. */
  head(): PendingFanout | undefined {
    return this.#heap.peekId();
  }

  /** The fan-out due first leaves the pending ones (its deliveries were all taken). */
  pop(): void {
    const fanout = this.#heap.peekId();
    this.#heap.pop();
    if (fanout !== undefined) this.#pending.delete(fanout.message.id);
  }

  /** The pending fan-outs, in the order added. */
  values(): IterableIterator<PendingFanout> {
    return this.#pending.values();
  }

  /** How many deliveries of a pending fan-out are not taken yet (nor deleted with their endpoint). */
  untakenCount({ endpointIds, next }: PendingFanout): number {
    let count = endpointIds.length - next;
    for (const index of this.#gaps.get(endpointIds) ?? []) if (index >= next) count--;
    return count;
  }

  /**
   * The record of the delivery of that id when a pending fan-out has it not taken yet, else undefined: the
   * first fan-out added with that id (as `takeAll` would store it) that has one there.
   */
  find(id: string): DeliveryRecord | undefined {
    const index = fanoutIndex(id);
    if (index < 0 || this.#pending.size === 0) return undefined;
    const key = fanoutKey(id);
    for (const fanout of this.#pending.values()) {
      const { endpointIds, next, message } = fanout;
      // A derived id keeps its message id's characters from the 5th on (see fanoutDeliveryId).
      if (index >= next && endpointIds[index] !== undefined && message.id.startsWith(key, 4))
        return pendingRecord(fanout, index, id);
    }
    return undefined;
  }

  /**
   * The deliveries not taken yet to that endpoint are deleted, as it was: their places in the pending
   * fan-outs' lists become undefined, in one new list per list (fan-outs that shared one share the new one).
   * A fan-out left with none is taken whole (a claim pops it).
   */
  dropEndpoint(endpointId: string): void {
    const made = new Map<readonly (string | undefined)[], readonly (string | undefined)[] | null>();
    for (const fanout of this.#pending.values()) {
      const list = fanout.endpointIds;
      let gapped = made.get(list);
      if (gapped === undefined) {
        gapped = list.includes(endpointId) ? this.#withGaps(list, endpointId) : null;
        made.set(list, gapped);
      }
      if (gapped === null) continue;
      fanout.endpointIds = gapped;
      if (this.untakenCount(fanout) === 0) fanout.next = gapped.length;
    }
  }

  #withGaps(list: readonly (string | undefined)[], endpointId: string): readonly (string | undefined)[] {
    const gaps = [...(this.#gaps.get(list) ?? [])];
    const gapped = list.map((id, i) => {
      if (id !== endpointId) return id;
      gaps.push(i);
      return undefined;
    });
    this.#gaps.set(gapped, gaps);
    return gapped;
  }

  /**
   * The delivery records not taken yet of the pending fan-outs whose ids are derived as `id` is (see
   * {@link fanoutKey}), in the order added; they leave the pending ones (their pairs in the due order are
   * passed over when met: nothing is left to take).
   */
  takeOf(id: string): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    if (fanoutIndex(id) < 0) return records;
    const key = fanoutKey(id);
    for (const fanout of this.#pending.values()) {
      if (!fanout.message.id.startsWith(key, 4)) continue;
      for (const record of untaken(fanout)) records.push(record);
      fanout.next = fanout.endpointIds.length;
      this.#pending.delete(fanout.message.id);
    }
    return records;
  }

  /** The delivery records not taken yet of the fan-out due first, which leaves the pending ones. */
  take(): DeliveryRecord[] {
    const fanout = this.head();
    this.pop();
    return fanout === undefined ? [] : untaken(fanout);
  }

  /** The delivery records not taken yet of every pending fan-out, which leave the pending ones. */
  takeAll(): DeliveryRecord[] {
    const records: DeliveryRecord[] = [];
    for (const fanout of this.#pending.values()) for (const record of untaken(fanout)) records.push(record);
    this.#pending.clear();
    this.#heap.clear();
    return records;
  }
}

/**
 * The stored record of a fan-out's delivery at `index` (of that id), as `fanoutDeliveries` makes it; only for
 * an index whose delivery was not deleted with its endpoint.
 */
export function pendingRecord(fanout: PendingFanout, index: number, id: string): DeliveryRecord {
  return fanoutDelivery(fanout.message, fanout.endpointIds[index]!, id, fanout.due);
}

/** The records of a fan-out's deliveries from `next` on (but those deleted with their endpoint). */
function untaken({ message, endpointIds, due, next }: PendingFanout): DeliveryRecord[] {
  const records: DeliveryRecord[] = [];
  for (let i = next; i < endpointIds.length; i++) {
    const endpointId = endpointIds[i];
    if (endpointId !== undefined)
      records.push(fanoutDelivery(message, endpointId, fanoutDeliveryId(message.id, i), due));
  }
  return records;
}
