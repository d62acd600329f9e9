import { fanoutDeliveryId } from '../../../notifier/ids.js';
import { WakeQueue } from '../wake-queue.js';
import type { DeliveryEntry } from './delivery-entry.js';
import { DeliveredFanout } from './fanout/delivered-fanout.js';
import type { FanoutGroup } from './fanout/fanout-groups.js';

/** A finished stored delivery that `FinishedDeliveries.oldest` takes: its entry, or its compact form. */
export interface OldDelivery {
  /** Its `updatedAt` (ms). */
  readonly time: number;
  readonly id: string;
  readonly item: DeliveryEntry | DeliveredFanout;
  /** The group of one kept compact (null for an entry). */
  readonly group: FanoutGroup | null;
}

/** Whether a pair (updatedAt, entry) still says a stored delivery finished then. */
function isCurrent(time: number, entry: DeliveryEntry): boolean {
  const record = entry.record;
  return !entry.removed && record.status !== 'pending' && record.updatedAt.getTime() === time;
}

/** The updatedAt of a delivery kept compact, which never changes. */
const deliveredAt = (d: DeliveredFanout): number => d.startedAt.getTime() + d.updatedAfterMs;

/**
 * The finished (not pending) deliveries of `DeliveryTable` by `updatedAt`, for retention to take the oldest
 * without walking every stored delivery: a {@link WakeQueue} of (updatedAt, entry) pairs, one pushed each
 * time an entry is stored or written finished, and of (time, group) pairs for the fanned-out deliveries kept
 * compact (most of a log at many endpoints), a group queued when one of them is updated before every time it
 * is queued at: once per fan-out, not once per delivery, which keeps the delivering path as it was. As in the
 * wake queue of pending ones, an entry's pair goes stale when the entry leaves the table, is pending again or
 * its `updatedAt` changes (a new pair is pushed then), and is dropped when it surfaces. Deliveries mostly
 * finish in time order, so a push is an append to a sorted run; one finished with a clock that went back
 * goes to the heap, and still comes out in order.
 */
export class FinishedDeliveries {
  readonly #queue = new WakeQueue<DeliveryEntry | FanoutGroup>();

  /** A stored entry was stored or written: queued at its `updatedAt` when it is finished. */
  index(entry: DeliveryEntry): void {
    const record = entry.record;
    if (record.status !== 'pending') this.#queue.push(record.updatedAt.getTime(), entry);
  }

  /** A fanned-out delivery of `group` is kept compact (it succeeded): its group is queued by then. */
  delivered(group: FanoutGroup, delivered: DeliveredFanout): void {
    const time = deliveredAt(delivered);
    if (time >= group.finishedAt) return;
    group.finishedAt = time;
    this.#queue.push(time, group);
  }

  /**
   * Takes the finished deliveries updated before `cutoff` (ms), oldest first, ids in order among those
   * updated at the same instant, at most `limit`. Stale pairs met on the way are dropped; the deliveries are
   * still stored (the caller deletes them). What a group holds is gathered as its pair comes up, and taken
   * once nothing still queued can come before.
   */
  oldest(cutoff: number, limit: number): OldDelivery[] {
    const queue = this.#queue;
    const ready = new OldestFirst();
    const met = new Set<DeliveryEntry | FanoutGroup>();
    const taken: OldDelivery[] = [];
    while (taken.length < limit) {
      const time = queue.peekTime();
      if (time !== undefined && time < cutoff && !(ready.time < time)) {
        const item = queue.peekId()!;
        queue.pop();
        if (met.has(item)) continue;
        if (!isGroup(item)) {
          if (isCurrent(time, item)) {
            met.add(item);
            ready.push({ time, id: item.record.id, item, group: null });
          }
        } else {
          met.add(item);
          this.#gather(item, cutoff, ready);
        }
        continue;
      }
      const first = ready.pop();
      if (first === undefined) break;
      taken.push(first);
    }
    // Gathered but beyond the limit: queued again (a group at the earliest of its own).
    for (let old = ready.pop(); old !== undefined; old = ready.pop()) {
      if (old.group === null) queue.push(old.time, old.item as DeliveryEntry);
      else if (old.time < old.group.finishedAt) {
        old.group.finishedAt = old.time;
        queue.push(old.time, old.group);
      }
    }
    return taken;
  }

  /** The group's compact deliveries updated before `cutoff` go to `ready`; it is queued again for the others. */
  #gather(group: FanoutGroup, cutoff: number, ready: OldestFirst): void {
    let later = Number.POSITIVE_INFINITY;
    const slots = group.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (!(slot instanceof DeliveredFanout)) continue;
      const time = deliveredAt(slot);
      if (time < cutoff) ready.push({ time, id: fanoutDeliveryId(slot.message.id, i), item: slot, group });
      else if (time < later) later = time;
    }
    group.finishedAt = later;
    if (later !== Number.POSITIVE_INFINITY) this.#queue.push(later, group);
  }
}

function isGroup(item: DeliveryEntry | FanoutGroup): item is FanoutGroup {
  return (item as FanoutGroup).slots !== undefined;
}

/** A binary min-heap of {@link OldDelivery} by (time, id). */
class OldestFirst {
  readonly #heap: OldDelivery[] = [];

  /** The time of the first, or Infinity. */
  get time(): number {
    return this.#heap[0]?.time ?? Number.POSITIVE_INFINITY;
  }

  push(old: OldDelivery): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(old);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(old, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = old;
  }

  pop(): OldDelivery | undefined {
    const heap = this.#heap;
    const first = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return first;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return first;
  }
}

function before(a: OldDelivery, b: OldDelivery): boolean {
  return a.time < b.time || (a.time === b.time && a.id < b.id);
}
