import { notFound } from '../../errors.js';
import type { CompleteAttemptInput } from '../../types.js';
import type { DeliveryEntry } from './delivery-entry.js';
import type { DeliveryTable } from './delivery-table.js';
import { deliveredFanout } from './fanout/delivered-fanout.js';
import { SharedDates } from './shared-dates.js';
import { SharedHeaders } from './shared-headers.js';
import { storeOutcome } from './stored-outcome.js';

/**
 * What of `MemoryOutbox` stores an attempt's outcome (`completeAttempt`): a fanned-out delivery that
 * succeeded at its first attempt is kept compact, any other outcome is written into its stored entry
 * (see {@link storeOutcome}). The delivery log keeps every attempt, so what an outcome keeps is shared where
 * it can be: the attempt's start with attempts of the same millisecond, its response headers with the
 * attempt before when they are the same.
 */
export class OutboxOutcomes {
  readonly #deliveries: DeliveryTable;
  /** The stored entry of a delivery, written from its fan-out first when need be (see MemoryOutbox). */
  readonly #entry: (id: string) => DeliveryEntry | undefined;
  readonly #responseHeaders = new SharedHeaders();
  /** Attempts' start dates, one per instant: many attempts start in the same millisecond. */
  readonly #attemptDates = new SharedDates();

  constructor(deliveries: DeliveryTable, entry: (id: string) => DeliveryEntry | undefined) {
    this.#deliveries = deliveries;
    this.#entry = entry;
  }

  /** Stores the outcome of `delivery`'s attempt; throws `notFound` when there is no such delivery. */
  store({ delivery, attempt }: CompleteAttemptInput): void {
    // A fanned-out delivery that succeeded at its first attempt is kept compact (DeliveredFanout), straight
    // from its lease when a claim left it leased in its group; else the stored entry is written in place.
    const startedAt = this.#attemptDates.copy(attempt.startedAt)!;
    const responseHeaders = this.#responseHeaders.copy(attempt.responseHeaders);
    const lease = this.#deliveries.leaseOf(delivery.id);
    if (lease !== undefined) {
      const message = lease.group.fanout!.message;
      const delivered = deliveredFanout(message, delivery, attempt, startedAt, responseHeaders);
      if (delivered !== null && this.#deliveries.compact(lease, delivered, delivery.id)) {
        this.#deliveries.due.dropStale();
        return;
      }
    }
    const entry = this.#entry(delivery.id);
    if (entry === undefined) throw notFound('delivery', delivery.id);
    // Only a fanned-out delivery is kept compact: with no fan-out stored (publishes to one endpoint store
    // plain records), none is made to be refused.
    const delivered =
      entry.attempts === null && this.#deliveries.holdsFanouts
        ? deliveredFanout(entry.message, delivery, attempt, startedAt, responseHeaders)
        : null;
    if (delivered === null || !this.#deliveries.compact(entry, delivered)) {
      const error = attempt.error === null ? null : { ...attempt.error };
      storeOutcome(entry, delivery, { ...attempt, startedAt, error, responseHeaders }, attempt.error);
      this.#deliveries.written(entry);
    }
    this.#deliveries.due.dropStale();
  }
}
