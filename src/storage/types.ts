import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../notifier/types.js';
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
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  ListDeliveriesOptions,
  PruneDeliveriesInput,
} from './outbox-types.js';
import type { StatsInput, StorageStats } from './stats.js';

// The records and inputs of the contract's two sides, and what stats() counts (defined with what the
// adapters share to count it), are importable from here as from their own files.
export type * from './job-types.js';
export type * from './outbox-types.js';
export type { StatsInput, StorageStats } from './stats.js';

export type StorageChange = 'jobs' | 'deliveries';

/**
 * Everything cronhook keeps. One interface serves the Scheduler and the WebhookNotifier; every adapter passes
 * `testStorage()` from `cronhook/testing/storage`. Writes resolve only once committed. Dates are `Date` objects with
 * millisecond precision. Claim operations are atomic: an item is returned to exactly one caller until its
 * lease (`leaseMs`) expires.
 */
export interface Storage {
  /**
   * Creates or upgrades the schema; safe to call from several instances at once, and a no-op when the
   * schema is current. Rejects with `ERR_SCHEMA_TOO_NEW`, changing nothing, when a newer cronhook has
   * migrated the database past what this version knows.
   */
  migrate(): Promise<void>;
  /**
   * Resolves once the storage can be used. An adapter that has it prepares itself on first use: its other
   * methods wait for the same step, taken once however many callers come at once, so nobody has to call
   * `migrate()` first. The built-in adapters migrate there (safe across instances, as `migrate()`), or, when the
   * app turned that off (`autoMigrate: false`), only check the schema: then it and every method reject with
   * `ERR_SCHEMA_OUTDATED`, which says to run `migrate()`, until someone has. A failure is not kept: the next
   * call tries again. Optional: the scheduler's and notifier's `start()` call it when present, else `migrate()`.
   */
  ready?(): Promise<void>;
  /** Releases connections. Optional: memory storage has none. */
  close?(): Promise<void>;
  /**
   * Change notification across instances (e.g. Postgres LISTEN/NOTIFY). Optional: without it the scheduler
   * and notifier poll. Returns an unsubscribe function.
   */
  subscribe?(listener: (change: StorageChange) => void): Promise<() => void>;
  /** True when other processes may share this storage (the scheduler then polls for their changes). */
  readonly shared?: boolean;

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

  // Endpoints
  /** Throws `ERR_DUPLICATE_ENDPOINT` when the id exists (the stored endpoint is unchanged). */
  insertEndpoint(endpoint: EndpointRecord): Promise<void>;
  /** Throws `ERR_ENDPOINT_NOT_FOUND`. */
  updateEndpoint(endpoint: EndpointRecord): Promise<void>;
  /**
   * Replaces an endpoint as `updateEndpoint` does, but only while its stored `updatedAt` is still
   * `expectedUpdatedAt`: true when it did, false, changing nothing, when it was changed meanwhile (an attempt's
   * outcome included) or is gone. Atomic, for `notifier.upsertEndpoint` from several instances at once.
   * Optional: without it upsertEndpoint falls back on `updateEndpoint`.
   */
  replaceEndpoint?(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean>;
  getEndpoint(id: string): Promise<EndpointRecord | null>;
  /**
   * The endpoint for an attempt of a delivery this process claimed and still leases: the notifier reads each
   * attempt's endpoint with it. It may answer with the endpoint row the claim that leased the delivery read,
   * at most one lease old (a change made through another process meanwhile reaches only deliveries claimed
   * after it), sparing a round trip per attempt; `getEndpoint` must always answer with the stored endpoint,
   * for reads that write it back or show it. PostgresStorage keeps the rows its claims return for this.
   * Optional: without it the notifier uses `getEndpoint`.
   * @example const endpoint = await (storage.getDeliveryEndpoint ?? storage.getEndpoint).call(storage, delivery.endpointId);
   */
  getDeliveryEndpoint?(id: string): Promise<EndpointRecord | null>;
  /** Ordered by createdAt, id. */
  listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]>;
  /**
   * Every stored endpoint as it is now, in `listEndpoints` order, without copies or a promise, for storage
   * that holds endpoints in the app's own process (MemoryStorage): each publish matches its event against all
   * of them. The array and its records may be shared between calls and must be treated as read-only, nested
   * objects and dates included; a later write makes a new array and new records and leaves those handed out
   * before as they were. Optional: without it the notifier lists endpoints with `listEndpoints`.
   */
  peekEndpoints?(): readonly Readonly<EndpointRecord>[];
  /**
   * Every stored endpoint, in `listEndpoints` order, as read-only records the adapter may keep between calls
   * and hand out again while they are unchanged (nested objects and dates included; a write makes new records
   * and leaves those handed out before as they were), for storage shared with other processes, where
   * `peekEndpoints` cannot be: each call sees every endpoint write committed before it was made, by any
   * process. Each publish matches its event against them: an adapter that keeps the decoded records and asks
   * the store only whether they changed spares every publish the decoding of every endpoint. PostgresStorage
   * checks a fingerprint of the endpoint rows in one query that returns the rows only when it changed.
   * Optional: without it (and without `peekEndpoints`) the notifier lists endpoints with `listEndpoints`.
   * @example const matching = (await storage.currentEndpoints()).filter((e) => e.enabled);
   */
  currentEndpoints?(): Promise<readonly Readonly<EndpointRecord>[]>;
  /** Deletes the endpoint and its pending deliveries; false when it did not exist. */
  deleteEndpoint(id: string): Promise<boolean>;

  // Outbox
  /** Atomically stores a message and its deliveries, before any attempt is made. */
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void>;
  /**
   * Stores a message with its deliveries: what `insertMessage` stores with the deliveries that
   * `fanoutDeliveries(message, endpointIds, nextAttemptAt)` (storage/fanout.ts) derives, as every later call
   * sees it (reads, claims, counts, deletes and pruning alike), atomic and committed before it resolves as
   * insertMessage is; but the caller builds no delivery records, and the adapter may keep the fan-out in a
   * compact form (one record for the message and its endpoint ids) and write the delivery records when it
   * first claims or reads them, so that publishing to many endpoints costs about what publishing to one
   * does. A delivery not yet written to an endpoint deleted meanwhile goes with it, as `deleteEndpoint`
   * deletes pending deliveries. Optional: without it the notifier builds the deliveries and calls
   * insertMessage.
   */
  insertFanout?(input: FanoutInput): Promise<void>;
  getMessage(id: string): Promise<Message | null>;
  /**
   * Atomically leases up to `limit` pending deliveries with `nextAttemptAt <= now` to enabled endpoints, whose
   * lease is free or expired, oldest due first.
   */
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]>;
  /** Atomically records an attempt, updates the delivery (releasing its lease) and optionally the endpoint. */
  completeAttempt(input: CompleteAttemptInput): Promise<void>;
  /**
   * {@link completeAttempt}, done before it returns (see {@link insertRunNow}: in-process storage only); throws
   * what `completeAttempt` rejects with. The notifier stores each attempt's outcome through it when an
   * adapter has it, saving an `await` per delivery. Optional: without it the notifier awaits
   * `completeAttempt`.
   * @example storage.completeAttemptNow ? storage.completeAttemptNow(input) : await storage.completeAttempt(input);
   */
  completeAttemptNow?(input: CompleteAttemptInput): void;
  /** Replaces a delivery's state (redeliver, replay). */
  updateDelivery(delivery: DeliveryRecord): Promise<void>;
  getDelivery(id: string): Promise<DeliveryRecord | null>;
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]>;
  /** Oldest first. */
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]>;
  /**
   * Earliest `nextAttemptAt` of pending deliveries to enabled endpoints, or null; a leased delivery counts at
   * its lease's expiry when that is later.
   */
  nextDeliveryAt(): Promise<Date | null>;
  /**
   * Retention of the delivery log: deletes up to `limit` finished deliveries (`succeeded` or `failed`) whose
   * `updatedAt` is before `before`, oldest first, with their attempts and any message left without
   * deliveries. Pending deliveries are never touched. Returns how many deliveries went. Optional: without it
   * the log is kept forever.
   */
  pruneDeliveries?(input: PruneDeliveriesInput): Promise<number>;
  /**
   * Counts of jobs, recent runs, endpoints and deliveries, for the dashboard's overview and telemetry gauges.
   * Each count reads an index, so it stays fast with large tables. Optional: without it the dashboard counts
   * from lists, up to a cap.
   */
  stats?(input: StatsInput): Promise<StorageStats>;
}
