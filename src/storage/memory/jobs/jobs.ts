import { cloneRun } from '../../clone.js';
import { duplicateJob, leaseLost, notFound } from '../../errors.js';
import type {
  AdvanceJobInput,
  ClaimOptions,
  JobRecord,
  JobScheduleState,
  ListJobsOptions,
  RunRecord,
  StorageStats,
} from '../../types.js';
import { WakeQueue } from '../wake-queue.js';
import type { MemoryRuns } from './runs.js';
import {
  fromStoredJob,
  frozenJobRecord,
  type StoredJob,
  sameScheduleState,
  storedWakeTime,
  toStoredJob,
} from './stored-job.js';

/**
 * MemoryStorage's jobs: stored by id as {@link StoredJob}s, with a queue of wake times (the next run, or the
 * end of a lease: a {@link WakeQueue}, where leases, pushed in time order, cost O(1)) so that finding and
 * claiming due jobs is O(log n) at most however many jobs there are. Writes
 * that record runs (advancing a claimed job) and removing a job reach the runs too.
 */
export class MemoryJobs {
  readonly #jobs = new Map<string, StoredJob>();
  readonly #heap = new WakeQueue();
  readonly #runs: MemoryRuns;
  /**
   * Records handed out by `peek`, one per stored job version, built on first use. A stored job changed in
   * place (claimed, advanced) drops its record; `update` stores a new StoredJob, so its old record goes too.
   */
  readonly #views = new WeakMap<StoredJob, JobRecord>();

  constructor(runs: MemoryRuns) {
    this.#runs = runs;
  }

  #index(job: StoredJob): void {
    const t = storedWakeTime(job);
    if (t !== null) this.#heap.push(t, job.id);
  }

  insert(job: JobRecord): void {
    if (this.#jobs.has(job.id)) throw duplicateJob(job.id);
    const stored = toStoredJob(job);
    this.#jobs.set(job.id, stored);
    this.#index(stored);
  }

  update(job: JobRecord): void {
    const existing = this.#jobs.get(job.id);
    if (!existing) throw notFound('job', job.id);
    const stored = toStoredJob(job);
    stored.lockedBy = existing.lockedBy;
    stored.lockedUntil = existing.lockedUntil;
    this.#jobs.set(job.id, stored);
    this.#index(stored);
  }

  /**
   * {@link update}, only while the stored job's `updatedAt` is still `expectedUpdatedAt` and its schedule
   * state, when given, still `expectedState`.
   */
  replace(job: JobRecord, expectedUpdatedAt: Date, expectedState?: JobScheduleState): boolean {
    const stored = this.#jobs.get(job.id);
    if (stored?.updatedAt !== expectedUpdatedAt.getTime()) return false;
    if (expectedState !== undefined && !sameScheduleState(stored, expectedState)) return false;
    this.update(job);
    return true;
  }

  get(id: string): JobRecord | null {
    const job = this.#jobs.get(id);
    return job ? fromStoredJob(job) : null;
  }

  /** The job's current record, shared between calls until the job changes (see `Storage.peekJob`). */
  peek(id: string): Readonly<JobRecord> | null {
    const job = this.#jobs.get(id);
    if (job === undefined) return null;
    let view = this.#views.get(job);
    if (view === undefined) {
      view = frozenJobRecord(job);
      this.#views.set(job, view);
    }
    return view;
  }

  list(options: ListJobsOptions): JobRecord[] {
    return this.#list(options, (job) => options.enabled === undefined || job.enabled === options.enabled);
  }

  /** The enabled jobs whose newest finished run failed, in id order (`Storage.listFailingJobs`). */
  listFailing(options: Omit<ListJobsOptions, 'enabled'>): JobRecord[] {
    return this.#list(options, (job) => job.enabled && this.#runs.failing(job.id));
  }

  #list(options: Omit<ListJobsOptions, 'enabled'>, keep: (job: StoredJob) => boolean): JobRecord[] {
    const limit = options.limit ?? 100;
    const ids = [...this.#jobs.keys()]
      .filter((id) => options.after === undefined || id > options.after)
      .sort();
    const out: JobRecord[] = [];
    for (const id of ids) {
      const job = this.#jobs.get(id)!;
      if (!keep(job)) continue;
      out.push(fromStoredJob(job));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Removes the job and its runs; false when there was none. */
  delete(id: string): boolean {
    if (!this.#jobs.delete(id)) return false;
    this.#runs.deleteJob(id);
    return true;
  }

  /** Discards heap pairs that no longer match their job; returns the earliest valid time. */
  #peekDue(): number | null {
    for (;;) {
      const t = this.#heap.peekTime();
      if (t === undefined) return null;
      const job = this.#jobs.get(this.#heap.peekId()!);
      if (job !== undefined && storedWakeTime(job) === t) return t;
      this.#heap.pop();
    }
  }

  nextDueAt(): Date | null {
    const t = this.#peekDue();
    return t === null ? null : new Date(t);
  }

  claimDue({ now, limit, instanceId, leaseMs }: ClaimOptions): JobRecord[] {
    const claimed: JobRecord[] = [];
    const nowMs = now.getTime();
    while (claimed.length < limit) {
      const t = this.#peekDue();
      if (t === null || t > nowMs) break;
      const job = this.#jobs.get(this.#heap.peekId()!)!;
      this.#heap.pop();
      job.lockedBy = instanceId;
      job.lockedUntil = nowMs + leaseMs;
      this.#views.delete(job);
      this.#index(job);
      claimed.push(fromStoredJob(job));
    }
    return claimed;
  }

  /**
   * See `Storage.advanceJob`: the runs recorded (those whose occurrence was free) and the lease released; the
   * next run and `enabled` as computed, unless the job was updated since its claim.
   */
  advance(input: AdvanceJobInput): RunRecord[] {
    const job = this.#jobs.get(input.jobId);
    if (!job || job.lockedBy !== input.instanceId) throw leaseLost(input.jobId, input.instanceId);
    const inserted: RunRecord[] = [];
    for (const run of input.runs) if (this.#runs.add(run)) inserted.push(cloneRun(run));
    // Updated since the claim: the update's schedule state, computed from the new definition, stays.
    if (input.claimedUpdatedAt === undefined || job.updatedAt === input.claimedUpdatedAt.getTime()) {
      job.nextRunAt = input.nextRunAt === null ? null : input.nextRunAt.getTime();
      if (input.enabled !== undefined) job.enabled = input.enabled;
    }
    job.runCount = input.runCount;
    job.lockedBy = null;
    job.lockedUntil = null;
    this.#views.delete(job);
    this.#index(job);
    return inserted;
  }

  /** The handler a stored job calls; null for an HTTP job or a job not stored. */
  handlerOf(jobId: string): string | null {
    const target = this.#jobs.get(jobId)?.target;
    return target !== undefined && 'handler' in target ? target.handler : null;
  }

  /** Jobs active, paused and failing (enabled, their newest finished run failed), for `stats()`. */
  counts(): StorageStats['jobs'] {
    const jobs = { total: this.#jobs.size, active: 0, paused: 0, failing: 0 };
    for (const job of this.#jobs.values()) {
      if (!job.enabled) {
        jobs.paused++;
        continue;
      }
      jobs.active++;
      if (this.#runs.failing(job.id)) jobs.failing++;
    }
    return jobs;
  }
}
