import type { Clock } from '../../clock.js';
import type { Emitter } from '../../events.js';
import type { JobRecord, RunRecord, Storage } from '../../storage/types.js';
import type { SchedulerHooks } from '../../telemetry/hooks.js';
import { toPublicJob } from '../job-record.js';
import type { SchedulerEvents } from '../types.js';
import type { StartGate } from './active-run.js';
import { toPublicRun } from './run-records.js';
import type { RunTracker } from './run-tracker.js';

export interface OverlapGateOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  tracker: RunTracker;
  telemetry: SchedulerHooks | null;
}

/**
 * The start gate of a run of an `overlap: 'skip'` job claimed ahead: at its start instant, the run goes
 * ahead unless another run of the job is still in flight (here, or with shared storage anywhere); then it is
 * recorded `skipped` and `job.skipped` is emitted, as a claim at that instant would have done.
 */
export function overlapGate(options: OverlapGateOptions): StartGate {
  const { storage, emitter, clock, tracker, telemetry } = options;

  async function judge(job: JobRecord, run: RunRecord, busyHere: boolean): Promise<boolean> {
    let busy = busyHere;
    if (!busy) {
      const active = await storage.listRuns({ jobId: job.id, statuses: ['queued', 'running'], limit: 2 });
      busy = active.some((r) => r.id !== run.id);
    }
    if (!busy) return true;
    run.status = 'skipped';
    run.lockedUntil = null;
    await storage.updateRun(run);
    telemetry?.runRecorded(job, run);
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
