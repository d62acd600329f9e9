import type { Clock } from '../clock.js';
import type { Emitter } from '../events.js';
import { scheduleErrorOfJob } from '../schedule/errors.js';
import {
  type MissedRange,
  type OccurrencePlan,
  type PlanOptions,
  planOccurrences,
} from '../schedule/occurrences.js';
import { jitterFor } from '../schedule/schedule.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { SchedulerHooks } from '../telemetry/hooks.js';
import { toPublicJob } from './jobs/record.js';
import { type MissedReporter, rangeOf, type TakenOver } from './missed-occurrences.js';
import { toPublicRun } from './runs/records/run-records.js';
import type { RunHandOver, StartGate } from './runs/tracker/active-run.js';
import { NOT_RUN, overlapGate, runElsewhere } from './runs/tracker/overlap-gate.js';
import type { RunTracker } from './runs/tracker/run-tracker.js';
import type { Job, SchedulerEvents } from './types.js';

export interface ClaimAdvanceOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  instanceId: string;
  /** The claim loop's fire-ahead window: how far ahead of its due time a job may have been claimed. */
  aheadMs: number;
  misfireThresholdMs: number;
  maxMissedEvents: number;
  runRetention: number;
  missed: MissedReporter;
  handOver: RunHandOver;
  telemetry: SchedulerHooks | null;
}

/**
 * What becomes of one claimed job: its due occurrences are planned per `catchUp` and `overlap`, recorded as
 * runs together with the job's next occurrence in one `advanceJob` (which releases the job's lease), and the
 * runs handed over in order; missed and skipped occurrences are reported. A job whose stored schedule does
 * not compute rejects with `ERR_INVALID_SCHEDULE` naming it, before anything is recorded.
 */
export class ClaimAdvance {
  readonly #o: ClaimAdvanceOptions;
  readonly #planOptions: PlanOptions;
  readonly #overlapGate: StartGate;

  constructor(options: ClaimAdvanceOptions) {
    this.#o = options;
    this.#planOptions = {
      misfireThresholdMs: options.misfireThresholdMs,
      missedRows: options.missed.mode === 'summary' ? 1 : options.maxMissedEvents,
    };
    this.#overlapGate = overlapGate(options);
  }

  /**
   * Plans, records and hands over the occurrences of `job`, claimed at `now`. `takenOver`: what recovery
   * took over of the job in this tick (see {@link TakenOver}).
   */
  async advance(job: JobRecord, now: number, takenOver?: TakenOver): Promise<void> {
    const { storage, tracker, handOver } = this.#o;
    // A job claimed ahead is planned at its due instant: that occurrence is on time, the next one is next.
    const dueAt = job.nextRunAt?.getTime() ?? now;
    const planAt = dueAt > now ? Math.min(dueAt, now + this.#o.aheadMs) : now;
    const ahead = planAt > now;
    let plan: OccurrencePlan;
    try {
      plan = planOccurrences(job, planAt, this.#planOptions);
    } catch (error) {
      // A stored schedule that does not compute: nothing of the job is recorded (see ClaimLoop.tick).
      throw scheduleErrorOfJob(job.id, error);
    }
    // Overlap of a run claimed ahead is judged at its start instant (see overlapGate), not now. Runs taken
    // over in this tick are older occurrences of this same catch-up: the claim's runs go after them instead.
    const own = takenOver?.running ?? NONE;
    let busy = !ahead && tracker.activeCount(job.id) > own.size;
    if (!ahead && !busy && job.overlap === 'skip' && storage.shared && plan.runs.length > 0) {
      busy = await runElsewhere(storage, job.id, own, now);
    }
    // Overlap is judged against runs from earlier claims; this claim's own runs go in order (see below).
    const runStatus = job.overlap === 'skip' && busy ? 'skipped' : 'queued';
    const runs: RunRecord[] = [];
    for (const at of plan.missedRows) runs.push(handOver.newRun(job, at, 'schedule', 'missed'));
    for (const o of plan.runs) runs.push(handOver.newRun(job, o.at, o.trigger, runStatus));
    const takenMissed = takenOver?.missed ?? [];
    const inserted = await storage.advanceJob({
      jobId: job.id,
      instanceId: this.#o.instanceId,
      nextRunAt: plan.nextRunAt,
      // Taken-over runs were counted when first claimed; those now missed never ran.
      runCount: Math.max(0, plan.runCount - takenMissed.length),
      runs,
      // Planned from the job as claimed: a job updated since keeps the next run its update computed.
      claimedUpdatedAt: job.updatedAt,
    });
    const missedRows = inserted.filter((run) => run.status === 'missed');
    const notRun = missedRows.length + (runStatus === 'skipped' ? plan.runs.length : 0);
    // Nearly every claim misses nothing: no call (an async one, awaited) when there is nothing to report.
    if (plan.missed !== null || takenMissed.length > 0)
      await this.#reportMissed(job, missedRows, plan.missed, takenMissed);
    let publicJob: Job | undefined;
    // Several occurrences of one claim (catch-up { max }) run in order, one after the other.
    let previous: Promise<unknown> | undefined = own.size > 0 ? takenOver?.done : undefined;
    for (const run of inserted) {
      if (run.status === 'missed' || run.status === 'skipped') this.#o.telemetry?.runRecorded(job, run);
      if (run.status === 'missed') continue;
      if (run.status === 'skipped') {
        if (this.#o.emitter.listenerCount('job.skipped') === 0) continue;
        publicJob ??= toPublicJob(job);
        const at = new Date(this.#o.clock.now());
        const payload = {
          type: 'job.skipped',
          at,
          job: publicJob,
          run: toPublicRun(run),
          reason: 'overlap',
        } as const;
        void this.#o.emitter.emit('job.skipped', payload);
      } else {
        const jitter = jitterFor(job.id, run.scheduledAt.getTime(), job.jitterMs);
        const after = job.overlap === 'allow' ? undefined : previous;
        const gate = ahead && job.overlap === 'skip' ? this.#overlapGate : undefined;
        const done = handOver.execute(job, run, jitter, after, gate);
        previous = done;
      }
    }
    // Occurrences that did not run are kept apart from real runs: they never push them out of retention.
    if (notRun > 0 && this.#o.runRetention > 0) {
      await storage.pruneRuns({ jobId: job.id, keep: this.#o.runRetention, statuses: NOT_RUN });
    }
  }

  /**
   * Reports what recovery took over and recorded missed for a job that no claim of this tick handled (see
   * {@link TakenOver}); with `missedEvents: 'each'` they were reported already.
   */
  async reportTakenOver(takenOver: TakenOver): Promise<void> {
    await this.#reportMissed(takenOver.job, [], null, takenOver.missed);
  }

  async #reportMissed(
    job: JobRecord,
    rows: RunRecord[],
    range: MissedRange | null,
    takenMissed: RunRecord[],
  ): Promise<void> {
    const reporter = this.#o.missed;
    if (reporter.mode === 'each' || takenMissed.length === 0) {
      if (range !== null) await reporter.report(job, rows, range);
      return;
    }
    // One summary for the catch-up: the occurrences taken over are its oldest.
    const taken = rangeOf(takenMissed);
    const merged: MissedRange =
      range === null
        ? taken
        : { count: range.count + taken.count, first: Math.min(range.first, taken.first), last: range.last };
    await reporter.report(job, rows.length > 0 ? rows : takenMissed, merged);
  }
}

const NONE: ReadonlySet<string> = new Set();
