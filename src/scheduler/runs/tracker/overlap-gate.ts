import type { Clock } from '../../../clock.js';
import type { Emitter } from '../../../events.js';
import type { JobRecord, RunRecord, Storage } from '../../../storage/types.js';
import type { SchedulerHooks } from '../../../telemetry/hooks.js';
import { toPublicJob } from '../../jobs/record.js';
import { ACTIVE_RUN_STATUSES, type RunStatus, type SchedulerEvents } from '../../types.js';
import { toPublicRun } from '../records/run-records.js';
import type { StartGate } from './active-run.js';
import type { RunTracker } from './run-tracker.js';

export interface OverlapGateOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  telemetry: SchedulerHooks | null;
  runRetention: number;
}

/** Statuses of occurrences that did not run, kept apart from real runs by retention. */
export const NOT_RUN: RunStatus[] = ['missed', 'skipped'];

/**
 * Whether a run of `jobId` other than those in `except` is in flight on shared storage at `now`: queued or
 * running under a live lease. A run whose lease ran out is going nowhere (its instance stopped or died):
 * recovery decides its fate, and it makes no new occurrence skip.
 */
export async function runElsewhere(
  storage: Storage,
  jobId: string,
  except: ReadonlySet<string>,
  now: number,
): Promise<boolean> {
  const active = await storage.listRuns({
    jobId,
    statuses: [...ACTIVE_RUN_STATUSES],
    limit: except.size + 5,
  });
  return active.some((r) => !except.has(r.id) && r.lockedUntil !== null && r.lockedUntil.getTime() > now);
}

/**
 * The start gate of a run of an `overlap: 'skip'` job claimed ahead: at its start instant, the run goes
 * ahead unless another run of the job is still in flight (here, or with shared storage anywhere); then it is
 * recorded `skipped` and `job.skipped` is emitted, as a claim at that instant would have done.
 */
export function overlapGate(options: OverlapGateOptions): StartGate {
  const { storage, emitter, clock, tracker, telemetry, runRetention } = options;

  async function judge(job: JobRecord, run: RunRecord, busyHere: boolean): Promise<boolean> {
    const busy = busyHere || (await runElsewhere(storage, job.id, new Set([run.id]), clock.now()));
    if (!busy) return true;
    run.status = 'skipped';
    run.lockedUntil = null;
    await storage.updateRun(run);
    telemetry?.runRecorded(job, run);
    if (runRetention > 0) await storage.pruneRuns({ jobId: job.id, keep: runRetention, statuses: NOT_RUN });
    if (emitter.listenerCount('job.skipped') > 0) {
      void emitter.emit('job.skipped', {
        type: 'job.skipped',
        at: new Date(clock.now()),
        job: toPublicJob(job),
        run: toPublicRun(run),
        reason: 'overlap',
      });
    }
    return false;
  }

  return (job, run) => {
    const busy = tracker.activeCount(job.id) > 1;
    return !busy && !storage.shared ? true : judge(job, run, busy);
  };
}
