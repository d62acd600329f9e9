import { FreshMap, FreshSet } from '../../fresh-collections.js';
import { FINISHED_RUN_STATUSES, type RunStatus } from '../../scheduler/types.js';
import { notFound } from '../errors.js';
import { countRun, emptyRunCounts, type statsWindows } from '../stats.js';
import type {
  ClaimedRunRequests,
  ClaimOptions,
  ClaimRunRequestsOptions,
  ListRunsOptions,
  RunRecord,
  StorageStats,
} from '../types.js';
import { assignStoredRun, fromStoredRun, type StoredRun, toStoredRun } from './stored-run.js';

/** Sorts runs newest first by (scheduledAt, id), the order `listRuns` and `pruneRuns` use. */
export const byNewest = (
  a: Pick<StoredRun, 'scheduledAt' | 'id'>,
  b: Pick<StoredRun, 'scheduledAt' | 'id'>,
): number => b.scheduledAt - a.scheduledAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * One job's runs in MemoryStorage, by occurrence key, with what pruning after every run needs: how many are
 * in flight, and the runs in arrival order. Runs nearly always arrive in order (each occurrence after the
 * previous one), so the oldest finished runs are the first ones met, and pruning the one run over
 * `runRetention` costs a step or two instead of a scan and a sort of the whole history. A run that arrives
 * out of order makes the next prune sort once and put the runs back in order.
 *
 * The order is an array of its own, not the map's: a map keeps a deleted entry's slot until it is rebuilt,
 * so walking it from its start after every prune stepped over up to a table's worth of deleted slots.
 */
export class JobRuns {
  /** The runs by occurrence key: a {@link FreshMap}, every run passes through it. */
  readonly #byKey = new FreshMap<string, StoredRun>();
  /** Runs by status: retention counts some statuses apart from others (see `Storage.pruneRuns`). */
  readonly #byStatus: Record<RunStatus, number> = emptyRunCounts();
  /** The runs oldest first (while #ordered), from #head on; pruned runs leave an `undefined` behind. */
  #order: Array<StoredRun | undefined> = [];
  #head = 0;
  /** `undefined` slots from #head on. */
  #holes = 0;
  #ordered = true;
  #newest: StoredRun | undefined;
  // The newest run that finished succeeded or failed, as it was then (kept when pruning deletes the run).
  #outcomeAt = Number.NEGATIVE_INFINITY;
  #outcomeId = '';
  #outcomeFailed = false;

  /** Whether the newest run that finished succeeded or failed failed (see `Storage.listFailingJobs`). */
  get failing(): boolean {
    return this.#outcomeFailed;
  }

  get size(): number {
    return this.#byKey.size;
  }

  has(occurrenceKey: string): boolean {
    return this.#byKey.has(occurrenceKey);
  }

  values(): MapIterator<StoredRun> {
    return this.#byKey.values();
  }

  /** Runs queued or running. */
  get inFlight(): number {
    return this.#byStatus.queued + this.#byStatus.running;
  }

  /** Adds a stored run under its occurrence key (the caller checked the key is free). */
  add(run: StoredRun): void {
    this.#byKey.set(run.occurrenceKey, run);
    this.#order.push(run);
    this.#byStatus[run.status]++;
    this.#noteOutcome(run);
    if (this.#newest !== undefined && byNewest(run, this.#newest) >= 0) this.#ordered = false;
    else this.#newest = run;
  }

  /** A stored run of this job changed: its status before, and whether its time moved. */
  changed(run: StoredRun, previousStatus: RunStatus, timeMoved: boolean): void {
    if (run.status !== previousStatus) {
      this.#byStatus[previousStatus]--;
      this.#byStatus[run.status]++;
      this.#noteOutcome(run);
    }
    if (timeMoved) this.#ordered = false;
  }

  /** A run that just finished succeeded or failed sets the job's outcome, unless a newer one already has. */
  #noteOutcome(run: StoredRun): void {
    if (run.status !== 'succeeded' && run.status !== 'failed') return;
    const at = run.scheduledAt;
    // Newer: a later time, or the same time and a greater id (byNewest's order).
    if (at < this.#outcomeAt || (at === this.#outcomeAt && run.id <= this.#outcomeId)) return;
    this.#outcomeAt = at;
    this.#outcomeId = run.id;
    this.#outcomeFailed = run.status === 'failed';
  }

  /**
   * Removes the oldest finished runs beyond the newest `keep`, calling `forget` with each, and returns how
   * many went; with `statuses`, only finished runs with one of them count and go.
   */
  prune(keep: number, statuses: readonly RunStatus[] | undefined, forget: (run: StoredRun) => void): number {
    const counted = countedStatuses(statuses);
    let candidates = 0;
    for (let i = 0; i < counted.length; i++) candidates += this.#byStatus[counted[i]!];
    const excess = candidates - Math.max(0, keep);
    if (excess <= 0) return 0;
    if (!this.#ordered) this.#reorder();
    const order = this.#order;
    let pruned = 0;
    for (let i = this.#head; i < order.length && pruned < excess; i++) {
      const run = order[i];
      if (run === undefined || !counted.includes(run.status)) continue;
      order[i] = undefined;
      this.#holes++;
      this.#byKey.delete(run.occurrenceKey);
      this.#byStatus[run.status]--;
      forget(run);
      pruned++;
    }
    while (this.#head < order.length && order[this.#head] === undefined) {
      this.#head++;
      this.#holes--;
    }
    // Runs kept ahead of the pruned ones (in flight, or of a status not counted) leave holes behind them:
    // squeezed out once they outnumber the runs, so a walk never steps over more holes than runs.
    if (this.#holes > 32 && this.#holes > this.size) this.#compact();
    else if (this.#head > 1024 && this.#head * 2 > order.length) this.#compact();
    return pruned;
  }

  /** Drops the slots before #head and the holes. */
  #compact(): void {
    const kept: StoredRun[] = [];
    const order = this.#order;
    for (let i = this.#head; i < order.length; i++) if (order[i] !== undefined) kept.push(order[i]!);
    this.#order = kept;
    this.#head = 0;
    this.#holes = 0;
  }

  /** Puts the runs back in order, oldest first. */
  #reorder(): void {
    const all = [...this.values()].sort((a, b) => byNewest(b, a));
    this.#order = all;
    this.#head = 0;
    this.#holes = 0;
    this.#newest = all.at(-1);
    this.#ordered = true;
  }
}

/**
 * The finished statuses `statuses` names, worked out once per array: the scheduler passes the same one after
 * every run. What the array held then is kept, so an array changed since is worked out again.
 */
const counted = new WeakMap<readonly RunStatus[], { of: RunStatus[]; result: readonly RunStatus[] }>();
function countedStatuses(statuses: readonly RunStatus[] | undefined): readonly RunStatus[] {
  if (statuses === undefined) return FINISHED_RUN_STATUSES;
  const known = counted.get(statuses);
  if (known !== undefined && sameStatuses(known.of, statuses)) return known.result;
  const result = FINISHED_RUN_STATUSES.filter((s) => statuses.includes(s));
  counted.set(statuses, { of: statuses.slice(), result });
  return result;
}

function sameStatuses(a: readonly RunStatus[], b: readonly RunStatus[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const inFlight = (run: StoredRun) => run.status === 'queued' || run.status === 'running';
/** A run request no instance has taken yet (see `Storage.claimRunRequests`). */
const isRequest = (run: StoredRun) => run.status === 'queued' && run.instanceId === null;

/**
 * MemoryStorage's runs: by id, by job (each job's {@link JobRuns}, keyed by occurrence key), and the set of
 * runs in flight (queued or running, the ones holding a lease). Runs are stored as {@link StoredRun}s and
 * copied out into fresh records.
 */
export class MemoryRuns {
  // Fresh collections (see FreshMap): every run passes through these.
  readonly #byId = new FreshMap<string, StoredRun>();
  readonly #byJob = new Map<string, JobRuns>();
  /** Runs queued or running (a Set of the stored runs: no string keys to hash on every run). */
  readonly #inFlight = new FreshSet<StoredRun>();
  /** Run requests not taken yet: few, and looked for only when an instance is told of a change. */
  readonly #requests = new Set<StoredRun>();

  /** Stores a copy of `run`; false (nothing stored) when its job has a run with its occurrence key. */
  add(run: RunRecord): boolean {
    let runs = this.#byJob.get(run.jobId);
    if (!runs) {
      runs = new JobRuns();
      this.#byJob.set(run.jobId, runs);
    }
    if (runs.has(run.occurrenceKey)) return false;
    const stored = toStoredRun(run);
    runs.add(stored);
    this.#byId.set(run.id, stored);
    if (inFlight(stored)) this.#inFlight.add(stored);
    if (isRequest(stored)) this.#requests.add(stored);
    return true;
  }

  /** Replaces a stored run's state (its occurrence key stays); throws `ERR_RUN_NOT_FOUND`. */
  update(run: RunRecord): void {
    const existing = this.#byId.get(run.id);
    if (!existing) throw notFound('run', run.id);
    const wasInFlight = inFlight(existing);
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

  /** Extends the leases of `instanceId`'s runs in flight among `runIds` to `until`. */
  renewLeases(instanceId: string, runIds: string[], until: number): void {
    for (const id of runIds) {
      const run = this.#byId.get(id);
      if (run && this.#inFlight.has(run) && run.instanceId === instanceId) run.lockedUntil = until;
    }
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
    this.#byId.delete(run.id);
  };

  /** Forgets every run of a job (it was deleted). */
  deleteJob(jobId: string): void {
    for (const run of this.#byJob.get(jobId)?.values() ?? []) {
      this.#byId.delete(run.id);
      this.#inFlight.delete(run);
      this.#requests.delete(run);
    }
    this.#byJob.delete(jobId);
  }
}
