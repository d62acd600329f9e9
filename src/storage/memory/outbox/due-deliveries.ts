import { WakeQueue } from '../wake-queue.js';
import { type DeliveryEntry, wakeTime } from './delivery-entry.js';
import { FanoutLease } from './fanout/fanout-groups.js';
import { ParkedDeliveries } from './parked-deliveries.js';

/** What the due order holds: a delivery, or the deliveries one claim leased in a fan-out's group. */
export type Waking = DeliveryEntry | FanoutLease;

/** The pair (time, item) of the wake queue still says when the item is due: it is pending at that time. */
function isCurrent(time: number, item: Waking): boolean {
  if (item instanceof FanoutLease) return item.live > 0;
  const delivery = item.record;
  return (
    !item.removed &&
    delivery.status === 'pending' &&
    wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) === time
  );
}

/**
 * The pending deliveries of `DeliveryTable` by wake time (see {@link wakeTime}), for claims to take in due
 * order: a {@link WakeQueue} of their entries and of the leases claims hold in fan-outs' groups, where a pair
 * goes stale when its item's time changes (a new pair is pushed) and is dropped as it surfaces; and, apart,
 * the due deliveries of endpoints a claim left out ({@link ParkedDeliveries}).
 */
export class DueDeliveries {
  readonly #queue = new WakeQueue<Waking>();
  readonly #parked = new ParkedDeliveries();
  #headTime = 0;

  /** Queues the delivery at its wake time (nothing when it is not pending). */
  index(entry: DeliveryEntry): void {
    const delivery = entry.record;
    const t = delivery.status === 'pending' ? wakeTime(delivery.nextAttemptAt, delivery.lockedUntil) : null;
    if (t !== null) this.#queue.push(t, entry);
  }

  /** Queues a claim's lease in a fan-out's group: its deliveries are due again when it ends. */
  lease(lease: FanoutLease): void {
    this.#queue.push(lease.lockedUntil.getTime(), lease);
  }

  /** `peek` and `pop` see parked deliveries (see `park`) of endpoints not in `exclude` (all: null). */
  leaveOut(exclude: ReadonlySet<string> | null): void {
    this.#parked.open(exclude);
  }

  /** A due delivery of an endpoint the claim leaves out: kept apart until a claim does not (see leaveOut). */
  park(entry: DeliveryEntry): void {
    this.#parked.park(entry);
  }

  /**
   * The entry or lease due first, which may be stale (see `pop`), or undefined; its pair's time is
   * {@link headTime} until the next change.
   */
  peek(): Waking | undefined {
    // One pick between the parked queues and the wake queue serves the time and the item.
    const queue = this.#parked.first(this.#queue);
    const time = queue.peekTime();
    if (time === undefined) return undefined;
    this.#headTime = time;
    return queue.peekId();
  }

  /** The time of the pair `peek` returned last. */
  get headTime(): number {
    return this.#headTime;
  }

  /** Removes the pair due first, and the stale pairs it uncovers. */
  pop(): void {
    this.#parked.pop(this.#queue, isCurrent);
  }

  /**
   * An attempt's result is stored: its lease's pair can go once it heads its sequence (here, or when what is
   * due before it is popped).
   */
  dropStale(): void {
    this.#queue.dropStale(isCurrent);
  }
}
