import { sameElements } from '../../../arrays.js';
import { FreshMap } from '../../../fresh-collections.js';
import { FINISHED_RUN_STATUSES, type RunStatus } from '../../../scheduler/types.js';
import type { StoredRun } from './stored-run.js';

/** Sorts runs newest first by (scheduledAt, id), the order `listRuns` and `pruneRuns` use. */
export const byNewest = (
  a: Pick<StoredRun, 'scheduledAt' | 'id'>,
  b: Pick<StoredRun, 'scheduledAt' | 'id'>,
): number => b.scheduledAt - a.scheduledAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** How many of a job's newest arrivals {@link JobRuns.recent} looks through. */
const RECENT = 8;

/**
 * One job's runs in MemoryStorage, by occurrence key, with what pruning after every run needs: how many are
 * in flight, and the runs in arrival order. Runs nearly always arrive in order (each occurrence after the
 * previous one), so the oldest finished runs are the first ones met, and pruning the one run over
 * `runRetention` costs a step or two instead of a scan and a sort of the whole history. A run that arrives
 * out of order makes the next prune sort once and put the runs back in order.
 *
 * The order is an array of its own, not the map's: a map keeps a deleted entry's slot until it is rebuilt,
 * so walking it from its start after every prune stepped over up to a table's worth of deleted slots. It holds
 * every run of the job, so it is also what the runs are listed from.
 *
 * A run whose occurrence key is its own id (a manual run, see `newRunRecord`) is not in the map by key: its
 * id is unique already, and MemoryRuns finds it by id (see {@link JobRuns.idKeyed}). A triggered run then
 * costs one hashed insert and one delete fewer, on a key (a fresh run id) that is also the costliest to hash.
 */
export class JobRuns {
  /** The runs by occurrence key, but those keyed by their id: a {@link FreshMap}, runs pass through it. */
  readonly #byKey = new FreshMap<string, StoredRun>();
  #size = 0;
  /** Runs whose occurrence key is their id (not in #byKey). */
  #idKeyed = 0;
  /**
   * Runs by status, at {@link statusSlot}: retention counts some statuses apart from others (see
   * `Storage.pruneRuns`). A list, not a record by name: indexing an object by a run's status, a name known only
   * at run time, was a megamorphic lookup on each of the count's several updates per run.
   */
  readonly #byStatus: number[] = [0, 0, 0, 0, 0, 0];
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
    return this.#size;
  }

  /** How many runs have their own id as occurrence key: those {@link hasKey} does not see. */
  get idKeyed(): number {
    return this.#idKeyed;
  }

  /** Whether a run whose occurrence key is not its id holds `occurrenceKey`. */
  hasKey(occurrenceKey: string): boolean {
    // An empty map is not asked: asking hashes the key, and a fresh run id is costly to hash.
    return this.#byKey.size > 0 && this.#byKey.has(occurrenceKey);
  }

  /** The runs, in arrival order (or oldest first, once put back in order). */
  *values(): Generator<StoredRun> {
    const order = this.#order;
    for (let i = this.#head; i < order.length; i++) {
      const run = order[i];
      if (run !== undefined) yield run;
    }
  }

  /**
   * The run with id `id` among the job's {@link RECENT} newest arrivals, or undefined: where the run a runner
   * writes nearly always is (a scan of a few runs instead of hashing a fresh id, see RunIdIndex).
   */
  recent(id: string): StoredRun | undefined {
    const order = this.#order;
    const stop = Math.max(this.#head, order.length - RECENT);
    for (let i = order.length - 1; i >= stop; i--) {
      const run = order[i];
      if (run !== undefined && run.id === id) return run;
    }
    return undefined;
  }

  /** Runs queued or running. */
  get inFlight(): number {
    return this.#byStatus[QUEUED]! + this.#byStatus[RUNNING]!;
  }

  /** Adds a stored run under its occurrence key (the caller checked the key is free). */
  add(run: StoredRun): void {
    if (run.occurrenceKey === run.id) this.#idKeyed++;
    else this.#byKey.set(run.occurrenceKey, run);
    this.#size++;
    this.#order.push(run);
    this.#byStatus[statusSlot(run.status)]!++;
    this.#noteOutcome(run);
    if (this.#newest !== undefined && byNewest(run, this.#newest) >= 0) this.#ordered = false;
    else this.#newest = run;
  }

  /** A stored run of this job changed: its status before, and whether its time moved. */
  changed(run: StoredRun, previousStatus: RunStatus, timeMoved: boolean): void {
    if (run.status !== previousStatus) {
      this.#byStatus[statusSlot(previousStatus)]!--;
      this.#byStatus[statusSlot(run.status)]!++;
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
    for (let i = 0; i < counted.length; i++) candidates += this.#byStatus[statusSlot(counted[i]!)]!;
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
      if (run.occurrenceKey === run.id) this.#idKeyed--;
      else this.#byKey.delete(run.occurrenceKey);
      this.#size--;
      this.#byStatus[statusSlot(run.status)]!--;
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
interface Counted {
  of: RunStatus[];
  result: readonly RunStatus[];
}
const counted = new WeakMap<readonly RunStatus[], Counted>();
/** The array asked for last, and its answer: the same one run after run (no WeakMap lookup each). */
let lastStatuses: readonly RunStatus[] | undefined;
let lastCounted: Counted | undefined;
function countedStatuses(statuses: readonly RunStatus[] | undefined): readonly RunStatus[] {
  if (statuses === undefined) return FINISHED_RUN_STATUSES;
  let known = statuses === lastStatuses ? lastCounted : counted.get(statuses);
  if (known === undefined || !sameElements(known.of, statuses)) {
    known = { of: statuses.slice(), result: FINISHED_RUN_STATUSES.filter((s) => statuses.includes(s)) };
    counted.set(statuses, known);
  }
  lastStatuses = statuses;
  lastCounted = known;
  return known.result;
}

const QUEUED = 0;
const RUNNING = 1;

/** Where JobRuns counts runs of `status`: a switch on the name, each case a comparison of interned strings. */
function statusSlot(status: RunStatus): number {
  switch (status) {
    case 'queued':
      return QUEUED;
    case 'running':
      return RUNNING;
    case 'succeeded':
      return 2;
    case 'failed':
      return 3;
    case 'skipped':
      return 4;
    case 'missed':
      return 5;
  }
}
