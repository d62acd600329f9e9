import type { DeliveryAttempt, DeliveryRecord } from '../../../notifier/types.js';
import type { DeliveryEntry } from './delivery-table.js';
import { sameDate } from './shared-dates.js';

/**
 * Writes an attempt's outcome into the stored entry, in place (every read hands out a copy): a new record per
 * attempt, retained with the delivery log, is what garbage collection pays for. Only what changed is
 * allocated: dates that did not move stay the stored ones (stored dates are never changed in place, reads
 * copy them), the attempt's start is the delivery's last attempt, and its end is often in the same
 * millisecond. `kept` is the attempt as stored (a copy, as cloneAttempt makes), `error` the caller's.
 */
export function storeOutcome(
  entry: DeliveryEntry,
  delivery: DeliveryRecord,
  kept: DeliveryAttempt,
  error: DeliveryAttempt['error'],
): void {
  const stored = entry.record;
  const startedAt = kept.startedAt;
  stored.messageId = delivery.messageId;
  stored.endpointId = delivery.endpointId;
  stored.topic = delivery.topic;
  stored.status = delivery.status;
  stored.attempts = delivery.attempts;
  stored.nextAttemptAt = sameDate(stored.nextAttemptAt, delivery.nextAttemptAt);
  stored.lastAttemptAt = sameDate(startedAt, delivery.lastAttemptAt);
  stored.lastStatusCode = delivery.lastStatusCode;
  stored.lastError =
    delivery.lastError === null
      ? null
      : delivery.lastError === error
        ? kept.error
        : { ...delivery.lastError };
  stored.createdAt = sameDate(stored.createdAt, delivery.createdAt)!;
  stored.updatedAt = sameDate(
    stored.updatedAt.getTime() === delivery.updatedAt.getTime() ? stored.updatedAt : startedAt,
    delivery.updatedAt,
  )!;
  stored.lockedBy = null;
  stored.lockedUntil = null;
  const earlier = entry.attempts;
  if (earlier === null) entry.attempts = kept;
  else if (Array.isArray(earlier)) earlier.push(kept);
  else entry.attempts = [earlier, kept];
}
