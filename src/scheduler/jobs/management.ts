import type { Clock } from '../../clock.js';
import { CronhookError } from '../../errors.js';
import type { Emitter } from '../../events.js';
import { scheduleErrorOfJob } from '../../schedule/errors.js';
import { upcomingOccurrences } from '../../schedule/occurrences.js';
import type { JobRecord, RunRecord, Storage } from '../../storage/types.js';
import type { ClaimLoop } from '../claim-loop.js';
import { checkListOptions, checkNextRunsCount } from '../list-options.js';
import { markStarted, toPublicRun } from '../runs/records/run-records.js';
import { manualHandOver } from '../runs/tracker/active-run.js';
import type { RunTracker } from '../runs/tracker/run-tracker.js';
import type { Job, JobDefinition, Run, SchedulerEvents, UpsertJobResult } from '../types.js';
import { assertJobPatch, buildJobRecord } from './definition.js';
import { changeStoredJob, jobNotFound } from './job-write.js';
import { recordToDefinition, toPublicJob } from './record.js';
import { changedAt, nextRunAfterChange, waitingRunAt } from './schedule-state.js';
import { upsertJobRecord } from './upsert.js';

export interface JobManagementOptions {
  storage: Storage;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  /** Timezone for cron strings without their own. */
  timezone: string;
  /** Aborts the runs of a removed job. */
  tracker: RunTracker;
  /** Woken for a changed job's next run. */
  loop: ClaimLoop;
}

/**
 * The scheduler's jobs as the app changes and reads them (the `Scheduler` job methods): a change is
 * validated before anything is stored, then stored, emitted as its `job.*` event, and the claim loop woken
 * for the job's next run.
 */
export class JobManagement {
  readonly #o: JobManagementOptions;

  constructor(options: JobManagementOptions) {
    this.#o = options;
  }

  async add(definition: JobDefinition): Promise<Job> {
    const { storage, clock, emitter } = this.#o;
    const record = buildJobRecord(definition, { timezone: this.#o.timezone, now: clock.now() });
    await storage.insertJob(record);
    this.#jobChanged(record);
    const job = toPublicJob(record);
    // No payload (and no promise) per job when nobody listens: 100k registrations at start-up.
    if (emitter.listenerCount('job.added') > 0) {
      void emitter.emit('job.added', { type: 'job.added', at: this.#now(), job });
    }
    return job;
  }

  async upsert(definition: JobDefinition): Promise<UpsertJobResult> {
    const { storage, clock, emitter } = this.#o;
    const { record, outcome } = await upsertJobRecord(
      { storage, timezone: this.#o.timezone, now: () => clock.now() },
      definition,
    );
    const job = toPublicJob(record);
    if (outcome === 'unchanged') return { job, created: false, updated: false };
    this.#jobChanged(record);
    const type = outcome === 'created' ? 'job.added' : 'job.updated';
    if (emitter.listenerCount(type) > 0) void emitter.emit(type, { type, at: this.#now(), job });
    return { job, created: outcome === 'created', updated: outcome === 'updated' };
  }

  /**
   * Changes of a stored job (update, pause, resume) are read, applied and written only while the job is still
   * as read; one that another write (a claim, its advance, another change) came before is applied again to
   * what is stored then, so it never writes back a run count or next run moved on meanwhile.
   */
  async update(id: string, patch: Partial<Omit<JobDefinition, 'id'>>): Promise<Job> {
    const { storage, clock, emitter } = this.#o;
    const operation = `updateJob(${JSON.stringify(id)})`;
    const record = await changeStoredJob(storage, id, operation, async (previous) => {
      assertJobPatch(id, patch);
      const definition = { ...recordToDefinition(previous), ...patch, id };
      const now = clock.now();
      const next = buildJobRecord(definition, { timezone: this.#o.timezone, now, previous });
      if (patch.schedule === undefined) next.schedule = previous.schedule;
      next.updatedAt = changedAt(previous, now);
      next.nextRunAt = nextRunAfterChange(next, previous, now, await waitingRunAt(storage, previous, now));
      return next;
    });
    this.#jobChanged(record);
    const job = toPublicJob(record);
    void emitter.emit('job.updated', { type: 'job.updated', at: this.#now(), job });
    return job;
  }

  async remove(id: string): Promise<void> {
    const record = await this.getRecord(id);
    this.#o.tracker.abortJob(id, new CronhookError('ERR_ABORTED', `Job ${id} was removed`));
    await this.#o.storage.deleteJob(id);
    void this.#o.emitter.emit('job.removed', {
      type: 'job.removed',
      at: this.#now(),
      job: toPublicJob(record),
    });
  }

  async get(id: string): Promise<Job | null> {
    const record = await this.#o.storage.getJob(id);
    return record ? toPublicJob(record) : null;
  }

  async list(options: { limit?: number; after?: string; enabled?: boolean }): Promise<Job[]> {
    checkListOptions('listJobs', options);
    return (await this.#o.storage.listJobs(options)).map(toPublicJob);
  }

  /** Pauses (false) or resumes (true, from now on) a job. */
  async setEnabled(id: string, enabled: boolean): Promise<Job> {
    const { storage, clock, emitter } = this.#o;
    const operation = `${enabled ? 'resumeJob' : 'pauseJob'}(${JSON.stringify(id)})`;
    const record = await changeStoredJob(storage, id, operation, async (previous) => {
      const now = clock.now();
      const next = { ...previous, enabled, updatedAt: changedAt(previous, now) };
      if (enabled) {
        const waiting = await waitingRunAt(storage, previous, now);
        next.nextRunAt = ofJob(id, () => nextRunAfterChange(next, previous, now, waiting));
      }
      return next;
    });
    this.#jobChanged(record);
    const job = toPublicJob(record);
    const type = enabled ? 'job.resumed' : 'job.paused';
    void emitter.emit(type, { type, at: this.#now(), job });
    return job;
  }

  async nextRuns(id: string, count: number): Promise<Date[]> {
    checkNextRunsCount(count);
    const record = await this.getRecord(id);
    const now = this.#o.clock.now();
    const upcoming = ofJob(id, () => upcomingOccurrences(record, count, now));
    if (count === 0) return upcoming;
    // Occurrences claimed already (ahead of their instant, or waiting for a slot) will run, though the job's
    // nextRunAt has moved past them; a run whose lease ran out is left to recovery, which may miss it.
    const queued = await this.#o.storage.listRuns({ jobId: id, statuses: ['queued'], limit: count });
    const times = new Set(upcoming.map((d) => d.getTime()));
    for (const run of queued) {
      const claimed = run.trigger === 'schedule' || run.trigger === 'catch-up';
      if (claimed && run.lockedUntil !== null && run.lockedUntil.getTime() > now)
        times.add(run.scheduledAt.getTime());
    }
    return [...times]
      .sort((a, b) => a - b)
      .slice(0, count)
      .map((t) => new Date(t));
  }

  /** The stored job, or `ERR_JOB_NOT_FOUND`. */
  async getRecord(id: string): Promise<JobRecord> {
    const record = await this.#o.storage.getJob(id);
    if (!record) throw jobNotFound(id);
    return record;
  }

  #now(): Date {
    return new Date(this.#o.clock.now());
  }

  #jobChanged(record: JobRecord): void {
    if (record.enabled && record.nextRunAt) this.#o.loop.wakeAt(record.nextRunAt.getTime());
  }
}

/** Computes from job `id`'s stored schedule; one that does not compute is an error naming the job. */
function ofJob<T>(id: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    throw scheduleErrorOfJob(id, error);
  }
}

export interface ManualRunOptions {
  storage: Storage;
  clock: Clock;
  loop: ClaimLoop;
  tracker: RunTracker;
  /** The handlers this instance has: a handler job it cannot run is refused, not recorded as failed. */
  handlers: ReadonlyMap<string, unknown>;
}

/**
 * Runs job `id` now, outside its schedule (`scheduler.triggerJob`), through the same concurrency limit as
 * scheduled runs, and resolves with the finished run.
 */
export function runNow(options: ManualRunOptions, id: string): Promise<Run> {
  const { storage, loop, tracker } = options;
  // In-process storage hands over its own read-only record (no copy of the job per run) and inserts the run
  // at once: not an async function then, only the run's promise is followed.
  if (storage.peekJob === undefined || storage.insertRunNow === undefined) return runNowAwaiting(options, id);
  try {
    const job = storage.peekJob(id) as JobRecord | null;
    if (!job) throw jobNotFound(id);
    const run = manualRun(options, id, job);
    const reserved = run.status === 'running';
    try {
      storage.insertRunNow(run);
    } catch (error) {
      if (reserved) tracker.cancelReservation();
      throw error;
    }
    // Inserted without an await: the run starts in this tick, at its start time.
    const handOver = manualHandOver(true, reserved, true);
    if (reserved) return loop.executeReserved(job, run, handOver);
    const done = loop.execute(job, run, 0, undefined, undefined, handOver);
    return done.then((finished) => toPublicRun(finished ?? run));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** runNow with storage that is awaited (see there). */
async function runNowAwaiting(options: ManualRunOptions, id: string): Promise<Run> {
  const { storage, loop, tracker } = options;
  const shared = storage.peekJob !== undefined;
  const job = (shared ? storage.peekJob!(id) : await storage.getJob(id)) as JobRecord | null;
  if (!job) throw jobNotFound(id);
  const run = manualRun(options, id, job);
  const reserved = run.status === 'running';
  const startedNow = storage.insertRunNow !== undefined;
  try {
    if (storage.insertRunNow) storage.insertRunNow(run);
    else await storage.insertRun(run);
  } catch (error) {
    if (reserved) tracker.cancelReservation();
    throw error;
  }
  const handOver = manualHandOver(shared, reserved, startedNow);
  const finished = await loop.execute(job, run, 0, undefined, undefined, handOver);
  return toPublicRun(finished ?? run);
}

/**
 * triggerJob's run of `job`, leased to this instance from now. With a concurrency slot free now (see
 * RunTracker.reserveStart), it is made `running` already, to be stored so (one write, not two).
 */
function manualRun(options: ManualRunOptions, id: string, job: JobRecord): RunRecord {
  if ('handler' in job.target && !options.handlers.has(job.target.handler)) {
    throw new CronhookError(
      'ERR_HANDLER_NOT_FOUND',
      `triggerJob(${JSON.stringify(id)}): the job calls handler ${JSON.stringify(job.target.handler)}, which ` +
        'this instance has not registered (scheduler.handle); requestRun() hands the run to one that has',
      { field: 'target.handler' },
    );
  }
  const now = options.clock.now();
  const run = options.loop.newRun(job, now, 'manual', 'queued', true, now);
  if (options.tracker.reserveStart(job)) markStarted(run, now);
  return run;
}
