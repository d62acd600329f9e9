import { fanoutDeliveryId } from '../../../../notifier/ids.js';
import type { DeliveryRecord } from '../../../../notifier/types.js';
import { cloneDelivery } from '../../../clone.js';
import type { ListDeliveriesOptions } from '../../../types.js';
import { type PendingFanout, pendingRecord } from '../fanout/fanouts.js';

/** Newest first: created later, then the greater id. */
function newer(aCreated: number, aId: string, bCreated: number, bId: string): boolean {
  return aCreated > bCreated || (aCreated === bCreated && aId > bId);
}

const byNewestDelivery = (a: DeliveryRecord, b: DeliveryRecord) =>
  newer(a.createdAt.getTime(), a.id, b.createdAt.getTime(), b.id) ? -1 : a.id === b.id ? 0 : 1;

/**
 * `listDeliveries` over every delivery: `stored` records (those made for the read may be left out when not
 * `mayHold`), and the deliveries `pending` fan-outs have not
 * handed out yet (see MemoryFanouts, in the order added), read where they are. The filters, newest first,
 * the page after the `before` cursor, as copies. `jobOf` gives the job of a message (`Message.jobId`).
 */
export function listDeliveries(
  stored: (mayHold: (createdAt: number) => boolean) => Iterable<DeliveryRecord>,
  pending: readonly PendingFanout[],
  options: ListDeliveriesOptions,
  jobOf: (messageId: string) => string | null | undefined,
): DeliveryRecord[] {
  const page = new DeliveryPage(options, jobOf);
  // Newest fan-outs first (most often the order added, reversed): the page fills with what it keeps, and
  // older deliveries are passed over without a record made for them.
  for (let f = pending.length - 1; f >= 0; f--) page.offerFanout(pending[f]!);
  for (const record of stored(page.mayHold)) page.offer(record);
  return page.records();
}

/**
 * The deliveries of one page as they are offered: those that pass the filters, the newest `limit` of them
 * kept (sorted and cut when twice that many are held, the last kept then bounding what may still enter).
 */
class DeliveryPage {
  readonly #options: ListDeliveriesOptions;
  readonly #jobOf: (messageId: string) => string | null | undefined;
  /** How many it keeps; null: every match is kept, sorted and cut as `Array.slice` would at the end. */
  readonly #limit: number | null;
  #kept: DeliveryRecord[] = [];
  /** Once the page was cut: its last delivery (created, id); only newer ones may still be on it. */
  #lastCreated = Number.NEGATIVE_INFINITY;
  #lastId = '';

  constructor(options: ListDeliveriesOptions, jobOf: (messageId: string) => string | null | undefined) {
    this.#options = options;
    this.#jobOf = jobOf;
    const limit = options.limit ?? 50;
    this.#limit = limit >= 1 && limit < Number.POSITIVE_INFINITY ? Math.trunc(limit) : null;
  }

  /** Whether a delivery created at that time (ms) may be on the page, whatever its id and other fields. */
  readonly mayHold = (created: number): boolean => {
    const { since, until, before } = this.#options;
    return (
      created >= this.#lastCreated &&
      (since === undefined || created >= since.getTime()) &&
      (until === undefined || created < until.getTime()) &&
      (before === undefined || created <= before.createdAt.getTime())
    );
  };

  /** A delivery created at `created` (ms), with that id, may be on the page: after the cursor and the cut. */
  #inRange(created: number, id: string): boolean {
    const { before } = this.#options;
    if (before !== undefined && !newer(before.createdAt.getTime(), before.id, created, id)) return false;
    return newer(created, id, this.#lastCreated, this.#lastId);
  }

  offer(d: DeliveryRecord): void {
    const o = this.#options;
    const created = d.createdAt.getTime();
    if (
      (o.endpointId === undefined || d.endpointId === o.endpointId) &&
      (o.messageId === undefined || d.messageId === o.messageId) &&
      (o.status === undefined || d.status === o.status) &&
      (o.topic === undefined || d.topic === o.topic) &&
      (o.jobId === undefined || this.#jobOf(d.messageId) === o.jobId) &&
      (o.since === undefined || created >= o.since.getTime()) &&
      (o.until === undefined || created < o.until.getTime()) &&
      this.#inRange(created, d.id)
    )
      this.#keep(d);
  }

  /**
   * Offers the deliveries a pending fan-out has not handed out yet: pending, created with its message, their
   * ids rising with their index. A record is made only for one the page keeps.
   */
  offerFanout(fanout: PendingFanout): void {
    const o = this.#options;
    const { message, endpointIds, next } = fanout;
    const created = message.createdAt.getTime();
    if (
      (o.messageId !== undefined && message.id !== o.messageId) ||
      (o.status !== undefined && o.status !== 'pending') ||
      (o.topic !== undefined && message.topic !== o.topic) ||
      (o.jobId !== undefined && this.#jobOf(message.id) !== o.jobId) ||
      (o.since !== undefined && created < o.since.getTime()) ||
      (o.until !== undefined && created >= o.until.getTime()) ||
      (o.before !== undefined && created > o.before.createdAt.getTime()) ||
      created < this.#lastCreated
    )
      return;
    for (let i = endpointIds.length - 1; i >= next; i--) {
      const endpointId = endpointIds[i];
      if (endpointId === undefined || (o.endpointId !== undefined && endpointId !== o.endpointId)) continue;
      const id = fanoutDeliveryId(message.id, i);
      if (this.#inRange(created, id)) this.#keep(pendingRecord(fanout, i, id));
      // Lower indices have lower ids: none of them is past the cut either.
      else if (!newer(created, id, this.#lastCreated, this.#lastId)) return;
    }
  }

  #keep(d: DeliveryRecord): void {
    this.#kept.push(d);
    const limit = this.#limit;
    if (limit === null || this.#kept.length < 2 * limit) return;
    this.#kept.sort(byNewestDelivery);
    this.#kept.length = limit;
    const last = this.#kept[limit - 1]!;
    this.#lastCreated = last.createdAt.getTime();
    this.#lastId = last.id;
  }

  /** The page: newest first, copies. */
  records(): DeliveryRecord[] {
    return this.#kept
      .sort(byNewestDelivery)
      .slice(0, this.#options.limit ?? 50)
      .map(cloneDelivery);
  }
}
