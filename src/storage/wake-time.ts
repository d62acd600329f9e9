/**
 * When a due item (job or delivery) next needs looking at: its due time, or its lease's expiry when that is
 * later, since a leased item cannot be claimed before then. Null when it is not due at all.
 */
export function wakeTime(due: Date | null, lockedUntil: Date | null): number | null {
  if (due === null) return null;
  const d = due.getTime();
  return lockedUntil !== null && lockedUntil.getTime() > d ? lockedUntil.getTime() : d;
}
