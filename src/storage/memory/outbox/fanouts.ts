import { sameElements } from '../../../arrays.js';
import { fanoutDeliveryId } from '../../../notifier/ids.js';
import type { DeliveryRecord, Message } from '../../../notifier/types.js';
import { fanoutDeliveries, fanoutDelivery } from '../../fanout.js';
import type { FanoutInput } from '../../types.js';
import { WakeQueue } from '../wake-queue.js';

/** A message stored by `insertFanout` whose deliveries are not all taken yet. */
export interface PendingFanout {
  /** The stored message: the records share its `createdAt`, as they share `due` (stored dates never change). */
  readonly message: Message;
  readonly endpointIds: readonly string[];
  readonly due: Date;
  /** Index of its first delivery not taken yet: a claim takes them in order, and may stop part way. */
  next: number;
}

/**
 * The fan-outs `MemoryOutbox` holds compactly: each is a message and its endpoints' ids until claims take
 * its deliveries (`head`, in index order: see DeliveryTable.leaseFanout) or a read needs its delivery records,
 * when `take` and `takeAll` hand out the records not taken yet (those `insertMessage` would have stored) to
 * be stored as any. So a publish to many endpoints costs what one
 * to a single endpoint does, and each record is still made once: memory has one writer, no other process.
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

/** The stored record of a fan-out's delivery at `index` (of that id), as `fanoutDeliveries` makes it. */
export function pendingRecord(fanout: PendingFanout, index: number, id: string): DeliveryRecord {
  return fanoutDelivery(fanout.message, fanout.endpointIds[index]!, id, fanout.due);
}

/** The records of a fan-out's deliveries from `next` on. */
function untaken({ message, endpointIds, due, next }: PendingFanout): DeliveryRecord[] {
  const records = fanoutDeliveries(message, endpointIds, due);
  return next === 0 ? records : records.slice(next);
}
