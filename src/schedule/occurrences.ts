import { invalidAt } from './errors.js';
import { countOccurrences, nextOccurrence, previousOccurrence } from './schedule.js';
import type { CatchUpPolicy, NormalizedSchedule } from './types.js';

/** The fields of a job that decide its occurrences (a stored job has them all). */
export interface OccurrenceBounds {
  schedule: NormalizedSchedule;
  /** The next occurrence not yet run, or null when the job has no more. */
  nextRunAt: Date | null;
  startAt: Date | null;
  endAt: Date | null;
  maxRuns: number | null;
  runCount: number;
  enabled: boolean;
  catchUp: CatchUpPolicy;
}

/** An occurrence a claim runs. */
export interface PlannedRun {
  at: number;
  /** `'catch-up'` when it starts later than the misfire threshold allows for an on-time run. */
  trigger: 'schedule' | 'catch-up';
}

/** The missed occurrences of one claim: how many, and the first and last of them. */
export interface MissedRange {
  count: number;
  first: number;
  last: number;
}

export interface OccurrencePlan {
  /** Occurrences to run, oldest first. */
  runs: PlannedRun[];
  /** Missed occurrences to record, oldest first: the newest `missedRows` of them. */
  missedRows: number[];
  /** Every missed occurrence of this claim, or null when none was missed. */
  missed: MissedRange | null;
  nextRunAt: Date | null;
  runCount: number;
}

export interface PlanOptions {
  /** How late the oldest due occurrence may be before `catchUp` applies (Quartz's misfire threshold). */
  misfireThresholdMs: number;
  /** How many of the missed occurrences (the newest) are returned in `missedRows`. */
  missedRows: number;
}

/** Most occurrences one claim runs when they are on time; a longer backlog is claimed again right away. */
export const MAX_ON_TIME_RUNS = 1000;

/**
 * Decides, for a job claimed at `nowMs`, which of its due occurrences run and which are missed, and when it
 * is next due. While the oldest due occurrence is within `misfireThresholdMs` (Quartz's misfire threshold),
 * the job is merely late: every due occurrence runs, in order. Past it, the job misfired and its `catchUp`
 * decides: `'latest'` runs the newest due occurrence once, `'skip'` runs it only if it is itself on time,
 * `{ max: n }` runs the newest n in order; the rest are missed. The work is bounded whatever the outage: the
 * newest occurrences are found directly and the missed ones counted, never walked one by one.
 */
export function planOccurrences(job: OccurrenceBounds, nowMs: number, options: PlanOptions): OccurrencePlan {
  const first = job.nextRunAt?.getTime();
  if (first === undefined || first > nowMs) {
    return { runs: [], missedRows: [], missed: null, nextRunAt: job.nextRunAt, runCount: job.runCount };
  }
  const endAt = job.endAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const horizon = Math.min(nowMs, endAt);
  const due = first > horizon ? 0 : countOccurrences(job.schedule, first - 1, horizon);
  const misfired = due > 0 && nowMs - first > options.misfireThresholdMs;
  const chosen = misfired
    ? catchUpRuns(job, horizon, due, nowMs, options.misfireThresholdMs)
    : onTimeRuns(job, first, horizon);
  const remaining = job.maxRuns === null ? Number.POSITIVE_INFINITY : job.maxRuns - job.runCount;
  const runs = chosen.slice(0, Math.max(0, remaining));
  const runCount = job.runCount + runs.length;

  let missed: MissedRange | null = null;
  const missedRows: number[] = [];
  const missedCount = misfired ? due - chosen.length : 0;
  if (missedCount > 0) {
    // The chosen runs are the newest due occurrences: the missed ones are all those before them.
    const last = previousOccurrence(job.schedule, (chosen[0]?.at ?? horizon + 1) - 1);
    if (last !== null) {
      missed = { count: missedCount, first, last };
      let at: number | null = last;
      for (let i = 0; at !== null && i < Math.min(missedCount, options.missedRows); i++) {
        missedRows.unshift(at);
        at = previousOccurrence(job.schedule, at - 1);
      }
    }
  }
  // A backlog cut short at MAX_ON_TIME_RUNS goes on from the last occurrence planned.
  const cut = !misfired && chosen.length < due ? chosen.at(-1)!.at : nowMs;
  let next = job.maxRuns !== null && runCount >= job.maxRuns ? null : nextOccurrence(job.schedule, cut);
  if (next !== null && next > endAt) next = null;
  return { runs, missedRows, missed, nextRunAt: next === null ? null : new Date(next), runCount };
}

/** Due occurrences from `first` to `horizon`, oldest first, at most MAX_ON_TIME_RUNS of them. */
function onTimeRuns(job: OccurrenceBounds, first: number, horizon: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  let at = nextOccurrence(job.schedule, first - 1);
  while (at !== null && at <= horizon && runs.length < MAX_ON_TIME_RUNS) {
    runs.push({ at, trigger: 'schedule' });
    at = nextOccurrence(job.schedule, at);
  }
  return runs;
}

/** The occurrences a misfired job's `catchUp` runs, oldest first, among `due` ending at `horizon`. */
function catchUpRuns(
  job: OccurrenceBounds,
  horizon: number,
  due: number,
  nowMs: number,
  thresholdMs: number,
): PlannedRun[] {
  const newest = previousOccurrence(job.schedule, horizon);
  if (newest === null) return [];
  const run = (at: number): PlannedRun => ({
    at,
    trigger: nowMs - at > thresholdMs ? 'catch-up' : 'schedule',
  });
  if (job.catchUp === 'skip') return nowMs - newest <= thresholdMs ? [run(newest)] : [];
  if (job.catchUp === 'latest') return [run(newest)];
  const runs = [run(newest)];
  for (let i = 1; i < Math.min(job.catchUp.max, due); i++) {
    const at = previousOccurrence(job.schedule, runs[0]!.at - 1);
    if (at === null) break;
    runs.unshift(run(at));
  }
  return runs;
}

/**
 * What becomes of an occurrence claimed earlier whose run never started (its instance stopped or died) and
 * is now taken over at `nowMs`. Within the misfire threshold it runs, as it would have: claimed is claimed.
 * Later, it is judged with the job's own due occurrences (`job.nextRunAt` onwards) and `newerRecorded`
 * occurrences recorded after it, as one catch-up: it runs only if `catchUp` picks it. Null when it is missed.
 */
export function planTakenOver(
  job: OccurrenceBounds,
  at: number,
  nowMs: number,
  newerRecorded: number,
  options: Pick<PlanOptions, 'misfireThresholdMs'>,
): PlannedRun | null {
  if (nowMs - at <= options.misfireThresholdMs) return { at, trigger: 'schedule' };
  let newer = newerRecorded;
  const next = job.nextRunAt?.getTime();
  const horizon = Math.min(nowMs, job.endAt?.getTime() ?? Number.POSITIVE_INFINITY);
  if (job.enabled && next !== undefined && next > at && next <= horizon) {
    newer += countOccurrences(job.schedule, next - 1, horizon);
  }
  if (job.catchUp === 'skip') return null;
  if (job.catchUp === 'latest') return newer === 0 ? { at, trigger: 'catch-up' } : null;
  return newer < job.catchUp.max ? { at, trigger: 'catch-up' } : null;
}

/** A job's next `count` fire times (for a paused job: those it would have from now), within endAt and maxRuns. */
export function upcomingOccurrences(job: OccurrenceBounds, count: number, nowMs: number): Date[] {
  const out: Date[] = [];
  let remaining = job.maxRuns === null ? count : Math.min(count, job.maxRuns - job.runCount);
  let next = job.enabled ? (job.nextRunAt?.getTime() ?? null) : (firstRunAt(job, nowMs)?.getTime() ?? null);
  while (next !== null && remaining-- > 0) {
    if (job.endAt !== null && next > job.endAt.getTime()) break;
    out.push(new Date(next));
    next = nextOccurrence(job.schedule, next);
  }
  return out;
}

/** The first occurrence after now (an `at` in the past is due at once), honouring startAt/endAt/maxRuns. */
export function firstRunAt(job: OccurrenceBounds, nowMs: number): Date | null {
  if (job.maxRuns !== null && job.runCount >= job.maxRuns) return null;
  // Strictly after now (a job added at 03:00:00.000 first runs at the next 03:00), but startAt is inclusive.
  const startAt = job.startAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const after = startAt > nowMs ? startAt - 1 : nowMs;
  let next: number | null;
  if (job.schedule.kind === 'at') {
    next = Date.parse(job.schedule.at);
    if (Number.isNaN(next)) throw invalidAt(job.schedule.at);
  } else next = nextOccurrence(job.schedule, after);
  if (next === null || (job.endAt !== null && next > job.endAt.getTime())) return null;
  return new Date(next);
}
