import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../notifier/types.js';
import { statsWindows } from '../stats.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  CompleteAttemptInput,
  FanoutInput,
  JobRecord,
  JobScheduleState,
  ListDeliveriesOptions,
  ListJobsOptions,
  ListRunsOptions,
  PruneDeliveriesInput,
  PruneRunsInput,
  RunRecord,
  StatsInput,
  Storage,
  StorageChange,
  StorageStats,
} from '../types.js';
import { MemoryJobs } from './jobs/jobs.js';
import { MemoryRuns } from './jobs/runs.js';
import { MemoryEndpoints } from './outbox/endpoints.js';
import { MemoryOutbox } from './outbox/outbox.js';

const DONE: Promise<void> = Promise.resolve();
const INSERTED = Promise.resolve(true);
const NOT_INSERTED = Promise.resolve(false);
/** Most prunes remove no run or one run (the one over `runRetention`). */
const PRUNED = [Promise.resolve(0), Promise.resolve(1)];

/**
 * Keeps everything in process memory: fast, complete, and gone when the process exits. For tests and for
 * apps whose jobs are re-added at start. Due jobs and deliveries are found through min-heaps, so claiming is
 * O(log n) however many jobs there are.
 *
 * @example
 * const scheduler = new Scheduler({ storage: new MemoryStorage() });
 */
export class MemoryStorage implements Storage {
  readonly shared = false;
  readonly #listeners = new Set<(change: StorageChange) => void>();
  readonly #runs = new MemoryRuns();
  readonly #jobs = new MemoryJobs(this.#runs);
  readonly #endpoints = new MemoryEndpoints();
  readonly #outbox = new MemoryOutbox(this.#endpoints);
  /**
   * {@link insertRun}, done and answered before it returns (see {@link Storage.insertRunNow}); the scheduler
   * writes runs through it. Absent from a subclass that overrides `insertRun`, so its writes go through the
   * override; `updateRunNow`, `pruneRunsNow` and `completeAttemptNow` likewise.
   */
  readonly insertRunNow?: (run: RunRecord) => boolean;
  /** {@link updateRun}, done before it returns (see {@link Storage.updateRunNow}). */
  readonly updateRunNow?: (run: RunRecord) => void;
  /** {@link pruneRuns}, done and answered before it returns (see {@link Storage.pruneRunsNow}). */
  readonly pruneRunsNow?: (input: PruneRunsInput) => number;

  /** {@link completeAttempt}, done before it returns (see {@link Storage.completeAttemptNow}). */
  readonly completeAttemptNow?: (input: CompleteAttemptInput) => void;

  constructor() {
    const own = MemoryStorage.prototype;
    if (this.completeAttempt === own.completeAttempt)
      this.completeAttemptNow = (input) => this.#outbox.completeAttemptNow(input);
    if (this.insertRun === own.insertRun) this.insertRunNow = (run) => this.#insertRun(run);
    if (this.updateRun === own.updateRun) this.updateRunNow = (run) => this.#runs.update(run);
    if (this.pruneRuns === own.pruneRuns) this.pruneRunsNow = (input) => this.#pruneRuns(input);
  }

  async migrate(): Promise<void> {}

  /** Nothing to prepare: memory is ready from the start. */
  ready(): Promise<void> {
    return DONE;
  }

  // Jobs: see MemoryJobs.

  async insertJob(job: JobRecord): Promise<void> {
    this.#jobs.insert(job);
  }

  async updateJob(job: JobRecord): Promise<void> {
    this.#jobs.update(job);
  }

  async replaceJob(
    job: JobRecord,
    expectedUpdatedAt: Date,
    expectedState?: JobScheduleState,
  ): Promise<boolean> {
    return this.#jobs.replace(job, expectedUpdatedAt, expectedState);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.#jobs.get(id);
  }

  /** The job's current record, shared between calls until the job changes (see {@link Storage.peekJob}). */
  peekJob(id: string): Readonly<JobRecord> | null {
    return this.#jobs.peek(id);
  }

  async listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
    return this.#jobs.list(options);
  }

  async listFailingJobs(options: Omit<ListJobsOptions, 'enabled'> = {}): Promise<JobRecord[]> {
    return this.#jobs.listFailing(options);
  }

  async deleteJob(id: string): Promise<boolean> {
    return this.#jobs.delete(id);
  }

  async nextDueAt(): Promise<Date | null> {
    return this.#jobs.nextDueAt();
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    return this.#jobs.claimDue({ now, limit, instanceId, leaseMs });
  }

  async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    return this.#jobs.advance(input);
  }

  // Runs: see MemoryRuns. insertRun, updateRun and pruneRuns run on every run: the scheduler writes through
  // their *Now twins (set in the constructor), done before they return; the async ones answer with settled
  // promises made once (no promise per call, as an async method makes), and turn a throw into a rejection as
  // an async method does.

  insertRun(run: RunRecord): Promise<boolean> {
    try {
      return this.#insertRun(run) ? INSERTED : NOT_INSERTED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #insertRun(run: RunRecord): boolean {
    if (!this.#runs.add(run)) return false;
    if (run.instanceId === null) this.#tell('jobs'); // a run request, for every scheduler on this storage
    return true;
  }

  /**
   * Tells `listener` of run requests (`scheduler.requestRun`) made on this storage, so that a started scheduler
   * sharing it takes them at once, whichever scheduler object asked. Nothing else is reported: in one process
   * the scheduler and notifier that make a change already know of it.
   * @example const unsubscribe = await storage.subscribe((change) => console.log(change));
   */
  async subscribe(listener: (change: StorageChange) => void): Promise<() => void> {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #tell(change: StorageChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A subscriber's failure is its own; the write it follows has happened.
      }
    }
  }

  updateRun(run: RunRecord): Promise<void> {
    try {
      this.#runs.update(run);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  pruneRuns(input: PruneRunsInput): Promise<number> {
    try {
      const pruned = this.#pruneRuns(input);
      return pruned < PRUNED.length ? PRUNED[pruned]! : Promise.resolve(pruned);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #pruneRuns(input: PruneRunsInput): number {
    return this.#runs.prune(input.jobId, input.keep, input.statuses);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.#runs.get(id);
  }

  async latestRuns(jobIds: string[]): Promise<RunRecord[]> {
    return this.#runs.latest(jobIds);
  }
  async listRuns(options: ListRunsOptions = {}): Promise<RunRecord[]> {
    return this.#runs.list(options);
  }

  async renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<string[]> {
    return this.#runs.renewLeases(input.instanceId, input.runIds, input.until.getTime());
  }

  async claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.#runs.claimExpired(options);
  }

  async claimRunRequests(options: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    return this.#runs.claimRequests(options, (jobId) => this.#jobs.handlerOf(jobId));
  }

  // Endpoints and outbox: see MemoryEndpoints and MemoryOutbox.

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    this.#endpoints.insert(endpoint);
  }
  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#outbox.updateEndpoint(endpoint);
  }
  replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    return this.#outbox.replaceEndpoint(endpoint, expectedUpdatedAt);
  }
  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    return this.#endpoints.get(id);
  }
  async listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]> {
    return this.#endpoints.list(options);
  }
  /** Every endpoint, shared until one is written (see {@link Storage.peekEndpoints}). */
  peekEndpoints(): readonly Readonly<EndpointRecord>[] {
    return this.#endpoints.peek();
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.#outbox.deleteEndpoint(id);
  }
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.#outbox.insertMessage(input);
  }
  /**
   * Stores the message and its endpoints' ids; the delivery records are written when a claim reaches their
   * due time or a read needs them (see {@link Storage.insertFanout}).
   */
  insertFanout(input: FanoutInput): Promise<void> {
    return this.#outbox.insertFanout(input);
  }
  getMessage(id: string): Promise<Message | null> {
    return this.#outbox.getMessage(id);
  }
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#outbox.claimDeliveries(options);
  }
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    return this.#outbox.completeAttempt(input);
  }
  updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.#outbox.updateDelivery(delivery);
  }
  getDelivery(id: string): Promise<DeliveryRecord | null> {
    return this.#outbox.getDelivery(id);
  }
  listDeliveries(options?: ListDeliveriesOptions): Promise<DeliveryRecord[]> {
    return this.#outbox.listDeliveries(options);
  }
  listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    return this.#outbox.listAttempts(deliveryId);
  }
  nextDeliveryAt(): Promise<Date | null> {
    return this.#outbox.nextDeliveryAt();
  }
  pruneDeliveries(input: PruneDeliveriesInput): Promise<number> {
    return this.#outbox.pruneDeliveries(input);
  }

  /** Counts for the dashboard's overview and telemetry gauges (see `Storage.stats`). */
  async stats({ now }: StatsInput): Promise<StorageStats> {
    return { jobs: this.#jobs.counts(), runs: this.#runs.stats(statsWindows(now)), ...this.#outbox.stats() };
  }
}
