import type { DeliveryAttempt, DeliveryRecord, Message } from '../../../notifier/types.js';

/** A stored delivery and its attempts, oldest first. */
export interface DeliveryEntry {
  record: DeliveryRecord;
  /** Null until the first attempt, that one alone (most deliveries have one: no array is kept), then a list. */
  attempts: DeliveryAttempt | DeliveryAttempt[] | null;
  /** Its stored message, so that a claim finds it without a lookup. */
  readonly message: Message;
  /** Deleted: what still refers to it (the wake queue, its endpoint's list) drops it when met. */
  removed: boolean;
}

/**
 * When a due item (job or delivery) next needs looking at: its due time, or its lease's expiry when that is
 * later, since a leased item cannot be claimed before then. Null when it is not due at all.
 */
export function wakeTime(due: Date | null, lockedUntil: Date | null): number | null {
  if (due === null) return null;
  const d = due.getTime();
  return lockedUntil !== null && lockedUntil.getTime() > d ? lockedUntil.getTime() : d;
}
