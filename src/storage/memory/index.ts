import { MinHeap } from '../../heap.js';
import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../notifier/types.js';
import { cloneRun } from '../clone.js';
import { duplicateJob, leaseLost, notFound } from '../errors.js';
import { statsWindows } from '../stats.js';
import type {
  AdvanceJobInput,
  ClaimDeliveriesOptions,
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  CompleteAttemptInput,
  JobRecord,
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
import { MemoryOutbox } from './outbox.js';
import { MemoryRuns } from './runs.js';
import { fromStoredJob, frozenJobRecord, type StoredJob, storedWakeTime, toStoredJob } from './stored-job.js';

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
  readonly #jobs = new Map<string, StoredJob>();
  readonly #jobHeap = new MinHeap();
  readonly #runs = new MemoryRuns();
  /**
   * Records handed out by `peekJob`, one per stored job version, built on first use. A stored job changed in
   * place (claimed, advanced) drops its record; `updateJob` stores a new StoredJob, so its old record goes too.
   */
  readonly #views = new WeakMap<StoredJob, JobRecord>();
  readonly #outbox = new MemoryOutbox();

  async migrate(): Promise<void> {}

  /** Nothing to prepare: memory is ready from the start. */
  ready(): Promise<void> {
    return DONE;
  }

  // Jobs

  #indexJob(job: StoredJob): void {
    const t = storedWakeTime(job);
    if (t !== null) this.#jobHeap.push(t, job.id);
  }

  async insertJob(job: JobRecord): Promise<void> {
    if (this.#jobs.has(job.id)) throw duplicateJob(job.id);
    const stored = toStoredJob(job);
    this.#jobs.set(job.id, stored);
    this.#indexJob(stored);
  }

  async updateJob(job: JobRecord): Promise<void> {
    const existing = this.#jobs.get(job.id);
    if (!existing) throw notFound('job', job.id);
    const stored = toStoredJob(job);
    stored.lockedBy = existing.lockedBy;
    stored.lockedUntil = existing.lockedUntil;
    this.#jobs.set(job.id, stored);
    this.#indexJob(stored);
  }

  async replaceJob(job: JobRecord, expectedUpdatedAt: Date): Promise<boolean> {
    if (this.#jobs.get(job.id)?.updatedAt !== expectedUpdatedAt.getTime()) return false;
    await this.updateJob(job);
    return true;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const job = this.#jobs.get(id);
    return job ? fromStoredJob(job) : null;
  }

  /** The job's current record, shared between calls until the job changes (see {@link Storage.peekJob}). */
  peekJob(id: string): Readonly<JobRecord> | null {
    const job = this.#jobs.get(id);
    if (job === undefined) return null;
    let view = this.#views.get(job);
    if (view === undefined) {
      view = frozenJobRecord(job);
      this.#views.set(job, view);
    }
    return view;
  }

  async listJobs(options: ListJobsOptions = {}): Promise<JobRecord[]> {
    const limit = options.limit ?? 100;
    const ids = [...this.#jobs.keys()]
      .filter((id) => options.after === undefined || id > options.after)
      .sort();
    const out: JobRecord[] = [];
    for (const id of ids) {
      const job = this.#jobs.get(id)!;
      if (options.enabled !== undefined && job.enabled !== options.enabled) continue;
      out.push(fromStoredJob(job));
      if (out.length >= limit) break;
    }
    return out;
  }

  async deleteJob(id: string): Promise<boolean> {
    if (!this.#jobs.delete(id)) return false;
    this.#runs.deleteJob(id);
    return true;
  }

  /** Discards heap pairs that no longer match their job; returns the earliest valid time. */
  #peekJobs(): number | null {
    for (;;) {
      const t = this.#jobHeap.peekTime();
      if (t === undefined) return null;
      const job = this.#jobs.get(this.#jobHeap.peekId()!);
      if (job !== undefined && storedWakeTime(job) === t) return t;
      this.#jobHeap.pop();
    }
  }

  async nextDueAt(): Promise<Date | null> {
    const t = this.#peekJobs();
    return t === null ? null : new Date(t);
  }

  async claimDueJobs({ now, limit, instanceId, leaseMs }: ClaimOptions): Promise<JobRecord[]> {
    const claimed: JobRecord[] = [];
    const nowMs = now.getTime();
    while (claimed.length < limit) {
      const t = this.#peekJobs();
      if (t === null || t > nowMs) break;
      const job = this.#jobs.get(this.#jobHeap.peekId()!)!;
      this.#jobHeap.pop();
      job.lockedBy = instanceId;
      job.lockedUntil = nowMs + leaseMs;
      this.#views.delete(job);
      this.#indexJob(job);
      claimed.push(fromStoredJob(job));
    }
    return claimed;
  }

  async advanceJob(input: AdvanceJobInput): Promise<RunRecord[]> {
    const job = this.#jobs.get(input.jobId);
    if (!job || job.lockedBy !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
    const inserted: RunRecord[] = [];
    for (const run of input.runs) if (this.#runs.add(run)) inserted.push(cloneRun(run));
    job.nextRunAt = input.nextRunAt === null ? null : input.nextRunAt.getTime();
    job.runCount = input.runCount;
    if (input.enabled !== undefined) job.enabled = input.enabled;
    job.lockedBy = null;
    job.lockedUntil = null;
    this.#views.delete(job);
    this.#indexJob(job);
    return inserted;
  }

  // Runs: see MemoryRuns. insertRun, updateRun and pruneRuns run on every run: they answer with settled
  // promises made once (no promise per call, as an async method makes), and turn a throw into a rejection as
  // an async method does.

  insertRun(run: RunRecord): Promise<boolean> {
    try {
      if (!this.#runs.add(run)) return NOT_INSERTED;
      if (run.instanceId === null) this.#tell('jobs'); // a run request, for every scheduler on this storage
      return INSERTED;
    } catch (error) {
      return Promise.reject(error);
    }
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
      const pruned = this.#runs.prune(input.jobId, input.keep, input.statuses);
      return pruned < PRUNED.length ? PRUNED[pruned]! : Promise.resolve(pruned);
    } catch (error) {
      return Promise.reject(error);
    }
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

  async renewRunLeases(input: { instanceId: string; runIds: string[]; until: Date }): Promise<void> {
    this.#runs.renewLeases(input.instanceId, input.runIds, input.until.getTime());
  }

  async claimExpiredRuns(options: ClaimOptions): Promise<RunRecord[]> {
    return this.#runs.claimExpired(options);
  }

  async claimRunRequests(options: ClaimRunRequestsOptions): Promise<ClaimedRunRequests> {
    return this.#runs.claimRequests(options, (jobId) => {
      const target = this.#jobs.get(jobId)?.target;
      return target !== undefined && 'handler' in target ? target.handler : null;
    });
  }

  // Endpoints and outbox: see MemoryOutbox.

  insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#outbox.insertEndpoint(endpoint);
  }
  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#outbox.updateEndpoint(endpoint);
  }
  replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    return this.#outbox.replaceEndpoint(endpoint, expectedUpdatedAt);
  }
  getEndpoint(id: string): Promise<EndpointRecord | null> {
    return this.#outbox.getEndpoint(id);
  }
  listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]> {
    return this.#outbox.listEndpoints(options);
  }
  deleteEndpoint(id: string): Promise<boolean> {
    return this.#outbox.deleteEndpoint(id);
  }
  insertMessage(input: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.#outbox.insertMessage(input);
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
    const { runs, failingJobIds } = this.#runs.stats(statsWindows(now));
    const jobs = { total: this.#jobs.size, active: 0, paused: 0, failing: 0 };
    for (const job of this.#jobs.values()) {
      if (!job.enabled) {
        jobs.paused++;
        continue;
      }
      jobs.active++;
      if (failingJobIds.has(job.id)) jobs.failing++;
    }
    return { jobs, runs, ...this.#outbox.stats() };
  }
}
