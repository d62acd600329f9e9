import { LinkedSet } from '../../../linked-set.js';
import { isRunActive, type RunStatus } from '../../../scheduler/types.js';
import { notFound, runLeaseLost } from '../../errors.js';
import { countRun, emptyRunCounts, type statsWindows } from '../../stats.js';
import type {
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  ListRunsOptions,
  RunRecord,
  StorageStats,
} from '../../types.js';
import { byNewest, JobRuns } from './job-runs.js';
import { RunIdIndex } from './run-id-index.js';
import { assignStoredRun, fromStoredRun, type StoredRun, toStoredRun } from './stored-run.js';

const inFlight = (run: StoredRun) => isRunActive(run.status);
/** A run request no instance has taken yet (see `Storage.claimRunRequests`). */
const isRequest = (run: StoredRun) => run.status === 'queued' && run.instanceId === null;

/**
 * MemoryStorage's runs: by id, by job (each job's {@link JobRuns}, keyed by occurrence key; a run whose key is
 * its own id, a manual run, is found by id), and the set of runs in flight (queued or running, the ones holding a
 * lease). Runs are stored as {@link StoredRun}s and copied out into fresh records.
 */
export class MemoryRuns {
  /** By id, indexed once something looks a run up by id (see RunIdIndex). */
  readonly #byId = new RunIdIndex();
  readonly #byJob = new Map<string, JobRuns>();
  /** Runs queued or running. */
  readonly #inFlight = new LinkedSet<StoredRun>();
  /** Run requests not taken yet: few, and looked for only when an instance is told of a change. */
  readonly #requests = new Set<StoredRun>();

  /** Stores a copy of `run`; false (nothing stored) when its job has a run with its occurrence key. */
  add(run: RunRecord): boolean {
    let runs = this.#byJob.get(run.jobId);
    if (!runs) {
      runs = new JobRuns();
      this.#byJob.set(run.jobId, runs);
    }
    const key = run.occurrenceKey;
    if (runs.hasKey(key)) return false;
    // Runs keyed by their id are found by id (see JobRuns): this one, or one whose id is this key. A fresh
    // run id is greater than any held (see RunIdIndex.mayHold): nothing to look up.
    if ((key === run.id || runs.idKeyed > 0) && this.#byId.mayHold(key)) {
      const holder = this.#byId.get(key);
      if (holder !== undefined && holder.occurrenceKey === key && holder.jobId === run.jobId) return false;
    }
    const stored = toStoredRun(run);
    runs.add(stored);
    this.#byId.add(stored);
    if (inFlight(stored)) this.#inFlight.add(stored);
    if (isRequest(stored)) this.#requests.add(stored);
    return true;
  }

  /**
   * Replaces a stored run's state (its occurrence key stays); throws `ERR_RUN_NOT_FOUND`, or `ERR_LEASE_LOST`
   * when the stored run is finished or held by another instance (see `Storage.updateRun`).
   */
  update(run: RunRecord): void {
    // The run a runner holds is among its job's newest: found there without hashing its id.
    const existing = this.#byJob.get(run.jobId)?.recent(run.id) ?? this.#byId.get(run.id);
    if (!existing) throw notFound('run', run.id);
    const wasInFlight = inFlight(existing);
    if (!wasInFlight || existing.instanceId !== run.instanceId) throw runLeaseLost(run, existing);
    const wasRequest = isRequest(existing);
    const previousStatus = existing.status;
    const previousAt = existing.scheduledAt;
    const jobId = existing.jobId;
    // Field by field into the stored run, times as numbers: one of the writes every run makes.
    assignStoredRun(existing, run);
    const nowInFlight = inFlight(existing);
    const moved = existing.scheduledAt !== previousAt;
    // The indexes only change when the run's status changes (or, never in practice, it moves).
    if (nowInFlight !== wasInFlight) {
      if (nowInFlight) this.#inFlight.add(existing);
      else this.#inFlight.delete(existing);
    }
    if (existing.status !== previousStatus || moved)
      this.#byJob.get(jobId)?.changed(existing, previousStatus, moved);
    if (wasRequest !== isRequest(existing)) {
      if (wasRequest) this.#requests.delete(existing);
      else this.#requests.add(existing);
    }
  }

  get(id: string): RunRecord | null {
    const run = this.#byId.get(id);
    return run ? fromStoredRun(run) : null;
  }

  /** Newest first by (scheduledAt, id); see `Storage.listRuns`. */
  list(options: ListRunsOptions): RunRecord[] {
    const source =
      options.jobId === undefined ? this.#byId.values() : (this.#byJob.get(options.jobId)?.values() ?? []);
    const before =
      options.before === undefined
        ? undefined
        : { scheduledAt: options.before.scheduledAt.getTime(), id: options.before.id };
    const runs = [...source].filter(
      (r) =>
        (options.statuses === undefined || options.statuses.includes(r.status)) &&
        (before === undefined || byNewest(r, before) > 0),
    );
    return runs
      .sort(byNewest)
      .slice(0, options.limit ?? 50)
      .map(fromStoredRun);
  }

  /** The newest run of each job that has one. */
  latest(jobIds: string[]): RunRecord[] {
    const out: RunRecord[] = [];
    for (const jobId of jobIds) {
      let newest: StoredRun | undefined;
      for (const run of this.#byJob.get(jobId)?.values() ?? []) {
        if (newest === undefined || byNewest(run, newest) < 0) newest = run;
      }
      if (newest) out.push(fromStoredRun(newest));
    }
    return out;
  }

  /** Runs by status in the last hour and day (see `stats()`). */
  stats(windows: ReturnType<typeof statsWindows>): StorageStats['runs'] {
    const runs = { lastHour: emptyRunCounts(), lastDay: emptyRunCounts() };
    for (const run of this.#byId.values()) countRun(runs, windows, run.status, run.scheduledAt);
    return runs;
  }

  /** Whether a job's newest run that finished succeeded or failed failed. */
  failing(jobId: string): boolean {
    return this.#byJob.get(jobId)?.failing === true;
  }

  /** Extends the leases of `instanceId`'s runs in flight among `runIds` to `until`; returns their ids. */
  renewLeases(instanceId: string, runIds: string[], until: number): string[] {
    const renewed: string[] = [];
    for (const id of runIds) {
      const run = this.#byId.get(id);
      if (run && this.#inFlight.has(run) && run.instanceId === instanceId) {
        run.lockedUntil = until;
        renewed.push(id);
      }
    }
    return renewed;
  }

  /** Leases up to `limit` runs in flight whose lease expired to `instanceId`; see `Storage.claimExpiredRuns`. */
  claimExpired({ now, limit, instanceId, leaseMs }: ClaimOptions): RunRecord[] {
    const out: RunRecord[] = [];
    const nowMs = now.getTime();
    for (const run of this.#inFlight) {
      if (out.length >= limit) break;
      if (run.lockedUntil !== null && run.lockedUntil >= nowMs) continue;
      if (run.instanceId === null) continue; // a run request: claimRequests's
      run.instanceId = instanceId;
      run.lockedUntil = nowMs + leaseMs;
      out.push(fromStoredRun(run));
    }
    return out;
  }

  /**
   * Leases run requests to `instanceId`; see `Storage.claimRunRequests`. `handlerOf` names the handler a job
   * calls (null for an HTTP job).
   */
  claimRequests(
    { now, limit, instanceId, leaseMs, handlers }: ClaimRunRequestsOptions,
    handlerOf: (jobId: string) => string | null,
  ): ClaimedRunRequests {
    const nowMs = now.getTime();
    const claimed: ClaimedRunRequests = { taken: [], expired: [] };
    const oldestFirst = [...this.#requests].sort((a, b) => byNewest(b, a));
    for (const run of oldestFirst) {
      if (claimed.taken.length + claimed.expired.length >= limit) break;
      const expired = (run.lockedUntil ?? 0) <= nowMs;
      const handler = handlerOf(run.jobId);
      if (!expired && handler !== null && !handlers.includes(handler)) continue;
      this.#requests.delete(run);
      run.instanceId = instanceId;
      run.lockedUntil = nowMs + leaseMs;
      (expired ? claimed.expired : claimed.taken).push(fromStoredRun(run));
    }
    return claimed;
  }

  /** Deletes all but the newest `keep` finished runs of a job (of `statuses`); returns how many went. */
  prune(jobId: string, keep: number, statuses?: readonly RunStatus[]): number {
    // Called after every run: JobRuns finds the oldest finished runs without scanning the history.
    return this.#byJob.get(jobId)?.prune(keep, statuses, this.#forget) ?? 0;
  }

  /** A run pruned from its job's runs leaves the index by id too. */
  readonly #forget = (run: StoredRun): void => {
    this.#byId.remove(run);
  };

  /** Forgets every run of a job (it was deleted). */
  deleteJob(jobId: string): void {
    for (const run of this.#byJob.get(jobId)?.values() ?? []) {
      this.#byId.remove(run);
      this.#inFlight.delete(run);
      this.#requests.delete(run);
    }
    this.#byJob.delete(jobId);
  }
}
