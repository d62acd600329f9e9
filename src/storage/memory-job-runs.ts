import type { StoredRun } from './memory-run.js';

/** Sorts runs newest first by (scheduledAt, id), the order `listRuns` and `pruneRuns` use. */
export const byNewest = (
  a: Pick<StoredRun, 'scheduledAt' | 'id'>,
  b: Pick<StoredRun, 'scheduledAt' | 'id'>,
): number => b.scheduledAt - a.scheduledAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

const inFlight = (run: StoredRun) => run.status === 'queued' || run.status === 'running';

/**
 * One job's runs in MemoryStorage, by occurrence key, with what pruning after every run needs: how many are
 * in flight, and whether insertion order is still oldest first. Runs nearly always arrive in order (each
 * occurrence after the previous one), so the oldest finished runs are the first ones met, and pruning the one
 * run over `runRetention` costs a step or two instead of a scan and a sort of the whole history. A run that
 * arrives out of order makes the next prune sort once and put the runs back in order.
 */
export class JobRuns extends Map<string, StoredRun> {
  /** Runs queued or running. */
  inFlight = 0;
  #ordered = true;
  #newest: StoredRun | undefined;

  /** Adds a stored run under its occurrence key (the caller checked the key is free). */
  add(run: StoredRun): void {
    this.set(run.occurrenceKey, run);
    if (inFlight(run)) this.inFlight++;
    if (this.#newest !== undefined && byNewest(run, this.#newest) >= 0) this.#ordered = false;
    else this.#newest = run;
  }

  /** A stored run of this job changed: whether it was in flight before, and whether its time moved. */
  changed(run: StoredRun, wasInFlight: boolean, timeMoved: boolean): void {
    const now = inFlight(run);
    if (now !== wasInFlight) this.inFlight += now ? 1 : -1;
    if (timeMoved) this.#ordered = false;
  }

  /** Removes the oldest finished runs beyond the newest `keep` and returns them. */
  prune(keep: number): StoredRun[] {
    const excess = this.size - this.inFlight - Math.max(0, keep);
    if (excess <= 0) return [];
    if (!this.#ordered) this.#reorder();
    const doomed: StoredRun[] = [];
    for (const run of this.values()) {
      if (inFlight(run)) continue;
      doomed.push(run);
      if (doomed.length === excess) break;
    }
    for (const run of doomed) this.delete(run.occurrenceKey);
    return doomed;
  }

  /** Puts the runs back in insertion order oldest first. */
  #reorder(): void {
    const all = [...this.values()].sort((a, b) => byNewest(b, a));
    this.clear();
    for (const run of all) this.set(run.occurrenceKey, run);
    this.#newest = all.at(-1);
    this.#ordered = true;
  }
}
