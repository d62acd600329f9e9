import { FreshMap } from '../../../fresh-collections.js';
import type { StoredRun } from './stored-run.js';

// Where a stored run is in its index (StoredRun.idIndex).
const PENDING = 0;
const INDEXED = 1;
const REMOVED = 2;

/** Pending runs kept before removed ones are squeezed out of the list (see {@link RunIdIndex.add}). */
const COMPACT_AFTER = 4096;

/**
 * MemoryRuns' runs by id, indexed only once something looks a run up by id. Most runs never are: the runner
 * writes the run it holds through its job's newest runs (see JobRuns.recent), and retention deletes it a
 * hundred runs later. Hashing a fresh run id, then deleting it from a map of every run kept, was the costliest
 * part of storing a triggered run; a run added and removed before any lookup by id is neither hashed nor
 * deleted. Pending runs wait in a list, in order, and enter the map all at once at the next lookup, so each run
 * is indexed at most once.
 */
export class RunIdIndex {
  /** Fresh (see FreshMap): every run looked up by id passes through it. */
  readonly #byId = new FreshMap<string, StoredRun>();
  /** Runs added since the last lookup, removed ones among them. */
  #pending: StoredRun[] = [];
  /** Pending runs not removed. */
  #pendingLive = 0;
  /** The greatest id ever added: a greater one cannot have been (see {@link mayHold}). */
  #maxId = '';

  /** Adds a run whose id is not held (the caller checked, see {@link mayHold}). */
  add(run: StoredRun): void {
    run.idIndex = PENDING;
    if (run.id > this.#maxId) this.#maxId = run.id;
    let pending = this.#pending;
    if (pending.length >= COMPACT_AFTER && pending.length >= 2 * this.#pendingLive) {
      // Removed runs go, so the list holds no more dead runs than live ones; a fresh array, since the old one
      // may be in the old generation by now (see FreshMap).
      pending = pending.filter((r) => r.idIndex === PENDING);
      this.#pending = pending;
    }
    pending.push(run);
    this.#pendingLive++;
  }

  /**
   * Whether a run with id `id` may be held. Run ids made by one process grow (see newRunId), so the id of a run
   * just made is greater than any added before it: no lookup, no hashing, for the run a trigger stores.
   */
  mayHold(id: string): boolean {
    return !(id > this.#maxId);
  }

  get(id: string): StoredRun | undefined {
    if (this.#pendingLive > 0) this.#indexPending();
    return this.#byId.get(id);
  }

  /** Every run held, in no particular order. */
  values(): Iterable<StoredRun> {
    if (this.#pendingLive > 0) this.#indexPending();
    return this.#byId.values();
  }

  /** Removes a run (it was pruned or its job deleted). */
  remove(run: StoredRun): void {
    if (run.idIndex === INDEXED) this.#byId.delete(run.id);
    else if (run.idIndex === PENDING) this.#pendingLive--;
    run.idIndex = REMOVED;
  }

  #indexPending(): void {
    const pending = this.#pending;
    for (let i = 0; i < pending.length; i++) {
      const run = pending[i]!;
      if (run.idIndex !== PENDING) continue;
      run.idIndex = INDEXED;
      this.#byId.set(run.id, run);
    }
    this.#pending = [];
    this.#pendingLive = 0;
  }
}
