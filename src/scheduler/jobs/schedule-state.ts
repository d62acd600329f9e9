import { firstRunAt } from '../../schedule/occurrences.js';
import type { JobRecord, Storage } from '../../storage/types.js';

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
 * resumeJob): its first occurrence after now. While an occurrence of the job is claimed (its lease held), or
 * once it has been claimed ahead of its instant and is waiting for it, the claim runs that occurrence and
 * everything due before it: the next run is then the first one after it, so that no occurrence is claimed
 * twice (and counted twice), and a one-off job whose instant is claimed has none. `waitingRunAt` is
 * {@link waitingRunAt}'s answer for a job whose stored next run cannot tell (null once the claim took its last
 * allowed run).
 */
export function nextRunAfterChange(
  record: JobRecord,
  previous: JobRecord,
  now: number,
  waitingRunAt?: number,
): Date | null {
  const claimed =
    previous.lockedUntil !== null && previous.lockedUntil.getTime() > now
      ? previous.nextRunAt?.getTime()
      : (claimedAhead(previous, now) ?? waitingRunAt);
  if (claimed === undefined) return firstRunAt(record, now);
  const next = firstRunAt(record, Math.max(now, claimed));
  // An `at` in the past is due whatever the time: the claimed one is taken.
  if (next !== null && record.schedule.kind === 'at' && next.getTime() <= claimed) return null;
  return next;
}

/**
 * The instant of a run of `previous` claimed ahead of it and waiting for it, when the stored job cannot show
 * one: its next run is null because that claim took the last run `maxRuns` or `endAt` allow (raised by the
 * change, the schedule would otherwise plan that occurrence again). The job's newest run tells (runs in
 * flight are never pruned): scheduled after `now`, it is that run. Reads storage for such a job only.
 */
export async function waitingRunAt(
  storage: Storage,
  previous: JobRecord,
  now: number,
): Promise<number | undefined> {
  if (previous.nextRunAt !== null || previous.runCount === 0) return undefined;
  const [newest] = await storage.listRuns({ jobId: previous.id, limit: 1 });
  const at = newest?.scheduledAt.getTime();
  return at !== undefined && at > now ? at : undefined;
}

/** Occurrences looked at between now and a stored next run; a claim ahead takes one or two. */
const AHEAD_LIMIT = 100;

/**
 * The latest occurrence of `previous` that a claim has taken ahead of its instant, which has not come yet:
 * the job's stored next run is in the future and the occurrences of its schedule between now and that next
 * run were claimed (a claim's advance moves the next run past what it took). Undefined when there is none, or
 * when the stored schedule does not compute (nothing of it can have been claimed).
 */
function claimedAhead(previous: JobRecord, now: number): number | undefined {
  const next = previous.nextRunAt?.getTime();
  if (next === undefined || next <= now) return undefined;
  let last: number | undefined;
  try {
    for (let i = 0, at = firstRunAt(previous, now); i < AHEAD_LIMIT && at !== null; i++) {
      if (at.getTime() >= next) break;
      last = at.getTime();
      at = firstRunAt(previous, last);
    }
  } catch {
    return undefined;
  }
  return last;
}
