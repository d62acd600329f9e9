import type { Clock } from '../../../clock.js';
import type { EndpointRecord } from '../../../notifier/types.js';
import { cloneEndpoint } from '../../clone.js';
import type { Row } from '../../sql/codec.js';
import { endpointCodec } from '../../sql/outbox-rows.js';
import { postgresDialect as dialect } from '../database.js';

interface Held {
  row: Row;
  /** The deliveries of the claims that returned the row, not completed or handed back yet. */
  deliveries: Set<string>;
  /** When the lease of the latest of those claims ends, in the claims' own time (their `now` + `leaseMs`). */
  until: number;
}

/**
 * The endpoint rows claims returned, kept for the deliveries those claims leased while their lease lasts: the
 * notifier sends deliveries it claimed ahead turns after the claim, and reads each one's endpoint then
 * (`getDeliveryEndpoint`; `getEndpoint` never uses these rows). A row answers those reads until every
 * delivery its claims leased is completed or handed back, or their lease ends (the latest claim's: a later
 * claim's row replaces the earlier one, being as new or newer), and is dropped at once when this storage
 * writes that endpoint ({@link forget}). So a change made by another process reaches at most the deliveries
 * already leased to this one; those claimed after it read the new row.
 *
 * The lease ends, as in the database, when the time passes the `now` + `leaseMs` the claim wrote: the time
 * of a later claim or the storage's clock (the `clock` option, the scheduler's), whichever is later, so a row
 * is not kept past its lease when no claim follows. Memory: one row per endpoint of the deliveries leased
 * and not done.
 *
 * Each row is decoded once, and every read gets a copy of that record (cloneEndpoint): a claim returns the
 * same row object for an endpoint until it changes (EndpointVersions), and at 50 endpoints the deliveries of
 * a claim go to as many endpoints, so a copy of the row and its decoding for every delivery cost ~2.6 µs where
 * a copy of the decoded record costs ~0.5.
 */
export class LeasedEndpoints {
  readonly #held = new Map<string, Held>();
  /** Each leased delivery's endpoint id, to let go of it when the delivery is done. */
  readonly #byDelivery = new Map<string, string>();
  /** The claims' latest `now`. */
  #now = Number.NEGATIVE_INFINITY;
  /** Counts {@link forget}s: a claim sent before a write of an endpoint must not keep its older row. */
  #writes = 0;
  readonly #writtenAt = new Map<string, number>();
  readonly #clock: Clock;
  /** The kept rows, decoded (the records are never handed out, only their copies). */
  readonly #decoded = new WeakMap<Row, EndpointRecord>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** To pass to {@link hold} with a claim's result: taken before the claim is sent. */
  mark(): number {
    return this.#writes;
  }

  /**
   * Keeps the endpoint rows a claim sent at `mark` returned for the deliveries it leased.
   * @param rows the claim's endpoint rows (an endpoint missing from them was not found: any kept row goes).
   * @param deliveries the claimed deliveries' ids and endpoint ids.
   */
  hold(
    mark: number,
    rows: readonly Row[],
    deliveries: readonly { id: string; endpointId: string }[],
    now: number,
    leaseMs: number,
  ): void {
    this.#now = Math.max(this.#now, now);
    this.#dropEnded();
    const until = now + leaseMs;
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    for (const { id, endpointId } of deliveries) {
      this.release(id);
      const row = byId.get(endpointId);
      if (row === undefined || (this.#writtenAt.get(endpointId) ?? 0) > mark) {
        this.#drop(endpointId);
        continue;
      }
      let held = this.#held.get(endpointId);
      if (held === undefined) {
        held = { row, deliveries: new Set(), until };
        this.#held.set(endpointId, held);
      } else {
        held.row = row;
        held.until = Math.max(held.until, until);
      }
      held.deliveries.add(id);
      this.#byDelivery.set(id, endpointId);
    }
  }

  /** The endpoint as its kept row holds it (a copy of its own), if one is kept and its lease lasts. */
  get(id: string): EndpointRecord | undefined {
    const held = this.#held.get(id);
    if (held === undefined) return undefined;
    if (this.#ended(held)) {
      this.#drop(id);
      return undefined;
    }
    let record = this.#decoded.get(held.row);
    if (record === undefined) {
      record = endpointCodec.decode(held.row, dialect);
      this.#decoded.set(held.row, record);
    }
    return cloneEndpoint(record);
  }

  /** The delivery is done (completed, handed back or rewritten): its endpoint's row no longer serves it. */
  release(deliveryId: string): void {
    const endpointId = this.#byDelivery.get(deliveryId);
    if (endpointId === undefined) return;
    this.#byDelivery.delete(deliveryId);
    const held = this.#held.get(endpointId);
    if (held === undefined) return;
    held.deliveries.delete(deliveryId);
    if (held.deliveries.size === 0) this.#held.delete(endpointId);
  }

  /** This storage writes the endpoint: its row goes now, and one a claim sent before returns is not kept. */
  forget(id: string): void {
    this.#writes++;
    this.#writtenAt.set(id, this.#writes);
    this.#drop(id);
  }

  #ended(held: Held): boolean {
    return Math.max(this.#now, this.#clock.now()) >= held.until;
  }

  #dropEnded(): void {
    for (const [id, held] of this.#held) if (this.#ended(held)) this.#drop(id);
  }

  #drop(endpointId: string): void {
    const held = this.#held.get(endpointId);
    if (held === undefined) return;
    this.#held.delete(endpointId);
    for (const id of held.deliveries) this.#byDelivery.delete(id);
  }
}
