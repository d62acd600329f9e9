import { invalidAt } from './errors.js';
import { nextOccurrence, occurrencesBetween } from './schedule.js';
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

/** What happens to one due occurrence of a claimed job. */
export interface PlannedOccurrence {
  at: number;
  action: 'run' | 'missed';
  trigger: 'schedule' | 'catch-up';
}

export interface OccurrencePlan {
  /** Oldest first; missed ones are capped to the newest `maxMissed`. */
  occurrences: PlannedOccurrence[];
  /** Missed occurrences in all, including those beyond the cap. */
  missedTotal: number;
  nextRunAt: Date | null;
  runCount: number;
}

export interface PlanOptions {
  /** An occurrence later than this is late, and its job's `catchUp` decides whether it still runs. */
  graceMs: number;
  maxMissed: number;
}

/**
 * Decides, for a job claimed at `nowMs`, which of its due occurrences run and which are missed, and when it
 * is next due. Occurrences within `graceMs` of now are merely late and run; older ones follow `catchUp`:
 * `'skip'` runs none of them, `'latest'` runs the newest (when nothing on time runs), `{ max: n }` runs the
 * newest n in order.
 */
export function planOccurrences(job: OccurrenceBounds, nowMs: number, options: PlanOptions): OccurrencePlan {
  const first = job.nextRunAt?.getTime();
  if (first === undefined || first > nowMs) {
    return { occurrences: [], missedTotal: 0, nextRunAt: job.nextRunAt, runCount: job.runCount };
  }
  const endAt = job.endAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const keepRun = typeof job.catchUp === 'object' ? job.catchUp.max : 1;
  // Enough of the newest occurrences to fill every bucket: on-time runs, catch-up runs and the missed cap.
  const keep = keepRun + options.maxMissed + Math.ceil(options.graceMs / 1000) + 1;
  const { times, total } = occurrencesBetween(job.schedule, first - 1, Math.min(nowMs, endAt), keep);
  const late = times.filter((t) => nowMs - t > options.graceMs);
  const onTime = times.slice(late.length);
  const lateTotal = total - onTime.length;

  let catchUp: number[] = [];
  if (job.catchUp === 'latest') catchUp = onTime.length === 0 ? late.slice(-1) : [];
  else if (typeof job.catchUp === 'object') catchUp = late.slice(-job.catchUp.max);
  const missed = late.slice(0, late.length - catchUp.length).slice(-options.maxMissed);

  let remaining = job.maxRuns === null ? Number.POSITIVE_INFINITY : job.maxRuns - job.runCount;
  const occurrences: PlannedOccurrence[] = missed.map((at) => ({
    at,
    action: 'missed',
    trigger: 'schedule',
  }));
  for (const at of catchUp) {
    if (remaining-- > 0) occurrences.push({ at, action: 'run', trigger: 'catch-up' });
  }
  for (const at of onTime) {
    if (remaining-- > 0) occurrences.push({ at, action: 'run', trigger: 'schedule' });
  }
  const ran = occurrences.filter((o) => o.action === 'run').length;
  const runCount = job.runCount + ran;
  let next = job.maxRuns !== null && runCount >= job.maxRuns ? null : nextOccurrence(job.schedule, nowMs);
  if (next !== null && next > endAt) next = null;
  return {
    occurrences,
    missedTotal: lateTotal - catchUp.length,
    nextRunAt: next === null ? null : new Date(next),
    runCount,
  };
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
