import { firstRunAt } from '../../schedule/occurrences.js';
import type { JobRecord } from '../../storage/types.js';

/**
 * The `updatedAt` of a change made at `now` to the stored job `previous`: `now`, but always later than the
 * stored one, even on a clock that stands still (a FakeClock) or steps back. A claim's `advanceJob` compares
 * it with the one it claimed, to leave the schedule state of a job updated meanwhile as the update set it.
 */
export function changedAt(previous: JobRecord, now: number): Date {
  return new Date(Math.max(now, previous.updatedAt.getTime() + 1));
}

/**
 * The next run of `record`, a change made at `now` to the stored job `previous` (updateJob, upsertJob,
 * resumeJob): its first occurrence after now. While an occurrence of the job is claimed (its lease held), the
 * claim runs that occurrence and everything due before it: the next run is then the first one after it, so
 * that no occurrence is claimed twice, and a one-off job whose instant is claimed has none.
 */
export function nextRunAfterChange(record: JobRecord, previous: JobRecord, now: number): Date | null {
  const claimed =
    previous.lockedUntil !== null && previous.lockedUntil.getTime() > now
      ? previous.nextRunAt?.getTime()
      : undefined;
  if (claimed === undefined) return firstRunAt(record, now);
  const next = firstRunAt(record, Math.max(now, claimed));
  // An `at` in the past is due whatever the time: the claimed one is taken.
  if (next !== null && record.schedule.kind === 'at' && next.getTime() <= claimed) return null;
  return next;
}
