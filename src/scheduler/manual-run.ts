import type { Clock } from '../clock.js';
import type { JobRecord, Storage } from '../storage/types.js';
import type { ClaimLoop } from './claim-loop.js';
import { jobNotFound } from './job-management.js';
import { toPublicRun } from './runs/run-records.js';
import type { RunTracker } from './runs/run-tracker.js';
import type { Run } from './types.js';

export interface ManualRunOptions {
  storage: Storage;
  clock: Clock;
  loop: ClaimLoop;
  tracker: RunTracker;
}

/**
 * Runs job `id` now, outside its schedule (`scheduler.triggerJob`), through the same concurrency limit as
 * scheduled runs, and resolves with the finished run.
 */
export async function runNow(options: ManualRunOptions, id: string): Promise<Run> {
  const { storage, clock, loop, tracker } = options;
  // In-process storage hands over its own read-only record: no copy of the job per run.
  const shared = storage.peekJob !== undefined;
  const job = (shared ? storage.peekJob!(id) : await storage.getJob(id)) as JobRecord | null;
  if (!job) throw jobNotFound(id);
  const now = clock.now();
  const run = loop.newRun(job, now, 'manual', 'queued', true, now);
  // With a slot free now, the run is stored already running (leased as a queued one): one write, not two.
  const reserved = tracker.reserveStart(job);
  if (reserved) {
    run.status = 'running';
    run.startedAt = new Date(now);
  }
  try {
    await storage.insertRun(run);
  } catch (error) {
    if (reserved) tracker.cancelReservation();
    throw error;
  }
  const finished = await loop.execute(job, run, 0, undefined, undefined, {
    sharedJob: shared,
    reserved,
  });
  return toPublicRun(finished ?? run);
}
