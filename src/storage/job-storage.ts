import type {
  AdvanceJobInput,
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  JobRecord,
  JobScheduleState,
  ListJobsOptions,
  ListRunsOptions,
  PruneRunsInput,
  RunRecord,
} from './job-types.js';

/**
 * The scheduler's side of `Storage` (types.ts): jobs and their runs. Part of that one interface, not an
 * adapter's contract of its own: `Storage` extends it.
 */
export interface JobStorage {
  // Jobs
  /** Inserts a job; throws `ERR_DUPLICATE_JOB` when the id exists (the stored job is unchanged). */
  insertJob(job: JobRecord): Promise<void>;
  /** Replaces a job's definition and schedule state; throws `ERR_JOB_NOT_FOUND`. Leaves the lease alone. */
  updateJob(job: JobRecord): Promise<void>;
  /**
   * Replaces a job as `updateJob` does, but only while its stored `updatedAt` is still `expectedUpdatedAt` (the
   * one the caller read) and, when `expectedState` is given, its schedule state is still that one too (see
   * {@link JobScheduleState}: a claim or an advance since the read changes it without moving `updatedAt`).
   * Resolves true when it did, false, changing nothing, when the job was changed meanwhile or is gone. Atomic:
   * of callers that read the same job, one replaces it. The scheduler's job changes (`updateJob`, `pauseJob`,
   * `resumeJob`, `upsertJob`) use it, read again and apply their change again when it resolves false, so that
   * a change never writes back a run count or next run that a claim has moved on meanwhile. Optional: without
   * it they fall back on `updateJob` (the last writer wins: a change whose read came before another
   * instance's claim may write back the job's schedule state as read). `expectedState` was added after the
   * first release: an adapter written before it ignores it, so run `testStorage` again after upgrading.
   */
  replaceJob?(job: JobRecord, expectedUpdatedAt: Date, expectedState?: JobScheduleState): Promise<boolean>;
  getJob(id: string): Promise<JobRecord | null>;
  /**
   * The stored job as it is now, without a copy or a promise, for storage that holds jobs in this process
   * (MemoryStorage): `scheduler.triggerJob` reads the job this way. The record may be shared between calls and
   * must be treated as read-only, nested objects and dates included; a later write makes a new record and
   * leaves one handed out before as it was. Null when there is no such job. Optional: without it the
   * scheduler reads with `getJob`.
   */
  peekJob?(id: string): Readonly<JobRecord> | null;
  /** Ordered by id. */
  listJobs(options?: ListJobsOptions): Promise<JobRecord[]>;
  /**
   * Failing jobs, ordered by id and paged as `listJobs`: enabled jobs whose newest finished run (`succeeded` or
   * `failed`, newest by scheduledAt, then id) failed. That outcome is the one recorded when the run finished:
   * retention pruning the run later does not change it, and a run finishing after a newer one has finished
   * does not either. Every failing job is listed, however old its failure: the built-in adapters keep the
   * outcome on each job (SQLite and Postgres: a column kept by the database as runs are written) and list
   * from an index of failing jobs. Optional, for the dashboard's "failing" filter: without it the dashboard
   * looks among the newest failed runs.
   * @example const failing = await storage.listFailingJobs?.({ limit: 50 });
   */
  listFailingJobs?(options?: Omit<ListJobsOptions, 'enabled'>): Promise<JobRecord[]>;
  /** Deletes the job and its runs; false when it did not exist. */
  deleteJob(id: string): Promise<boolean>;
  /**
   * Earliest `nextRunAt` of enabled jobs, or null. Lets the scheduler arm its one timer. A job whose lease is
   * held counts at its lease's expiry when that is later, since it cannot be claimed before.
   */
  nextDueAt(): Promise<Date | null>;
  /**
   * Atomically leases up to `limit` enabled jobs with `nextRunAt <= now` whose lease is free or expired,
   * earliest first. Each job is returned to one caller only.
   */
  claimDueJobs(options: ClaimOptions): Promise<JobRecord[]>;
  /**
   * Atomically records the runs of a claimed job's occurrences, ignoring any whose (jobId, occurrenceKey)
   * exists, sets its next occurrence and releases the lease. Returns the runs actually inserted, or throws
   * `ERR_LEASE_LOST` when `instanceId` no longer holds the job.
   */
  advanceJob(input: AdvanceJobInput): Promise<RunRecord[]>;

  // Runs
  /** Inserts a run; returns false (and changes nothing) when (jobId, occurrenceKey) exists. */
  insertRun(run: RunRecord): Promise<boolean>;
  /**
   * Replaces a run's state (its job and occurrence key stay), fenced by the run's holder: only while the stored
   * run is in flight (`queued` or `running`) and held by the writer (its stored `instanceId` is
   * `run.instanceId`). Otherwise it rejects with `ERR_LEASE_LOST` and changes nothing: another instance took
   * the run over after its lease ran out (`claimExpiredRuns` leased it to that instance), or the run finished
   * (a finished run is never written again). An instance paused past a run's lease (a GC pause, a frozen VM)
   * thus cannot overwrite the outcome the instance that took the run over recorded. The check and the write
   * are one atomic step (SQL: the conditions in the UPDATE's WHERE; when it changes no row, read why).
   * Throws `ERR_RUN_NOT_FOUND` for an unknown id. The fence was added after the first release: an adapter
   * written before it writes by id alone (the last writer wins), so run `testStorage` again after upgrading.
   * @example
   * // The compare a custom adapter makes, with the write, under the same lock or transaction:
   * if (stored.status !== 'queued' && stored.status !== 'running' || stored.instanceId !== run.instanceId)
   *   throw new CronhookError('ERR_LEASE_LOST', `Run ${run.id} is no longer held by ${run.instanceId}`);
   */
  updateRun(run: RunRecord): Promise<void>;
  /**
   * {@link insertRun}, done and answered before it returns: for storage that holds runs in this process
   * (MemoryStorage), never for one that does I/O. The scheduler writes each run's start and end through the
   * `*Now` methods when an adapter has them, saving a promise and an `await` per write on its busiest path.
   * Same result, same errors (thrown instead of rejected). Optional: without it the scheduler awaits
   * `insertRun`.
   * @example const inserted: boolean = storage.insertRunNow?.(run) ?? (await storage.insertRun(run));
   */
  insertRunNow?(run: RunRecord): boolean;
  /**
   * {@link updateRun}, done before it returns (see {@link insertRunNow}: in-process storage only); throws
   * what `updateRun` rejects with. Optional: without it the scheduler awaits `updateRun`.
   * @example storage.updateRunNow ? storage.updateRunNow(run) : await storage.updateRun(run);
   */
  updateRunNow?(run: RunRecord): void;
  getRun(id: string): Promise<RunRecord | null>;
  /** Newest first by (scheduledAt, id). */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  /**
   * The newest run (by scheduledAt, id) of each of these jobs; jobs without runs are left out. Optional, for
   * lists of jobs with their last run (the dashboard): without it they call `listRuns` once per job.
   */
  latestRuns?(jobIds: string[]): Promise<RunRecord[]>;
  /**
   * Extends to `until` the leases of the runs among `runIds` that are in flight and held by `instanceId`, and
   * resolves with their ids. The scheduler carries the renewed lease only on those: a run another instance
   * took over meanwhile (its lease had run out) is then known to be lost, and this instance neither starts it
   * nor emits its outcome. May resolve with nothing (adapters written before this was added): every run is
   * then taken as renewed whose lease had not run out.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: adapters written before the ids were asked for resolve with nothing.
  renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[] | void>;
  /**
   * Atomically takes over queued or running runs whose lease expired (their instance died): each is returned
   * to one caller, leased to `instanceId`. A run with no `instanceId` is a run request, not an orphan: an
   * adapter that has `claimRunRequests` leaves those to it.
   */
  claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]>;
  /**
   * Run requests ("run now" asked through storage, by `scheduler.requestRun` in any process): runs inserted
   * with `status: 'queued'` and `instanceId: null`, whose `lockedUntil` is when the request expires. Atomically
   * leases up to `limit` of them to the caller (`instanceId` set, `lockedUntil` = now + `leaseMs`), oldest
   * `scheduledAt` first, each to one caller only: as `taken`, those not expired (`lockedUntil` after `now`)
   * whose job is an HTTP job or calls one of `handlers`; as `expired`, those whose `lockedUntil` is at or before
   * `now`, whatever their job. A request another process inserts should wake subscribers with `'jobs'`
   * (Postgres: NOTIFY), so running instances take it at once. Optional: without it `scheduler.requestRun`
   * throws `ERR_NOT_SUPPORTED`.
   */
  claimRunRequests?(options: ClaimRunRequestsOptions): Promise<ClaimedRunRequests>;
  /**
   * Deletes all but the newest `keep` finished runs of a job (newest by `scheduledAt`, then id); returns how
   * many went. With `statuses`, only finished runs with one of them count and go: the scheduler keeps
   * `runRetention` runs that ran (`['succeeded', 'failed']`) and, apart, as many that did not
   * (`['missed', 'skipped']`). Runs in flight (`queued`, `running`) are never pruned.
   */
  pruneRuns(input: PruneRunsInput): Promise<number>;
  /**
   * {@link pruneRuns}, done and answered before it returns (see {@link insertRunNow}: in-process storage
   * only). Optional: without it the scheduler awaits `pruneRuns`.
   * @example const pruned = storage.pruneRunsNow?.({ jobId: 'nightly', keep: 100 });
   */
  pruneRunsNow?(input: PruneRunsInput): number;
}
