import type { Clock } from '../clock.js';
import type { Emitter } from '../events.js';
import { scheduleErrorOfJob } from '../schedule/errors.js';
import { type OccurrencePlan, planOccurrences } from '../schedule/occurrences.js';
import { jitterFor } from '../schedule/schedule.js';
import type { JobRecord, RunRecord, Storage } from '../storage/types.js';
import type { SchedulerHooks } from '../telemetry/hooks.js';
import { toPublicJob } from './job-record.js';
import type { RunHandOver, StartGate } from './runs/active-run.js';
import { overlapGate } from './runs/overlap-gate.js';
import { toPublicRun } from './runs/run-records.js';
import type { RunTracker } from './runs/run-tracker.js';
import type { Job, SchedulerEvents } from './types.js';

/** Quartz's misfire threshold: an occurrence later than this counts as missed, and `catchUp` applies. */
export const GRACE_MS = 60_000;

export interface ClaimAdvanceOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  instanceId: string;
  /** The claim loop's fire-ahead window: how far ahead of its due time a job may have been claimed. */
  aheadMs: number;
  maxMissedEvents: number;
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
  readonly #planOptions: { graceMs: number; maxMissed: number };
  readonly #overlapGate: StartGate;

  constructor(options: ClaimAdvanceOptions) {
    this.#o = options;
    this.#planOptions = { graceMs: GRACE_MS, maxMissed: options.maxMissedEvents };
    this.#overlapGate = overlapGate(options);
  }

  /** Plans, records and hands over the occurrences of `job`, claimed at `now`. */
  async advance(job: JobRecord, now: number): Promise<void> {
    const { storage, emitter, tracker, handOver } = this.#o;
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
    // Overlap of a run claimed ahead is judged at its start instant (see overlapGate), not now.
    let busy = !ahead && tracker.isBusy(job.id);
    if (!ahead && !busy && job.overlap === 'skip' && storage.shared && plan.occurrences.length > 0) {
      busy =
        (await storage.listRuns({ jobId: job.id, statuses: ['queued', 'running'], limit: 1 })).length > 0;
    }
    // Overlap is judged against runs from earlier claims; this claim's own runs go in order (see below).
    const runStatus = job.overlap === 'skip' && busy ? 'skipped' : 'queued';
    const runs: RunRecord[] = [];
    for (const o of plan.occurrences)
      runs.push(handOver.newRun(job, o.at, o.trigger, o.action === 'missed' ? 'missed' : runStatus));
    const inserted = await storage.advanceJob({
      jobId: job.id,
      instanceId: this.#o.instanceId,
      nextRunAt: plan.nextRunAt,
      runCount: plan.runCount,
      runs,
    });
    let publicJob: Job | undefined;
    // Several occurrences of one claim (catch-up { max }) run in order, one after the other.
    let previous: Promise<unknown> | undefined;
    for (const run of inserted) {
      if (run.status === 'missed' || run.status === 'skipped') {
        this.#o.telemetry?.runRecorded(job, run);
        const type = run.status === 'missed' ? 'job.missed' : 'job.skipped';
        if (emitter.listenerCount(type) === 0) continue;
        publicJob ??= toPublicJob(job);
        const base = { at: new Date(this.#o.clock.now()), job: publicJob, run: toPublicRun(run) };
        // Awaited: the notifier stores its job.execution.missed message before the loop moves on.
        if (type === 'job.missed') await emitter.emit(type, { type, ...base });
        else void emitter.emit(type, { type, ...base, reason: 'overlap' });
      } else {
        const jitter = jitterFor(job.id, run.scheduledAt.getTime(), job.jitterMs);
        const after = job.overlap === 'allow' ? undefined : previous;
        const gate = ahead && job.overlap === 'skip' ? this.#overlapGate : undefined;
        const done = handOver.execute(job, run, jitter, after, gate);
        previous = done;
      }
    }
  }
}
