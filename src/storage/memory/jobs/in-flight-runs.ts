import type { StoredRun } from './stored-run.js';

/**
 * MemoryRuns' runs in flight (queued or running: the ones holding a lease), oldest first, as a list through
 * the stored runs themselves: a run joins it when stored and leaves it when it finishes by setting a few
 * fields, where a Set hashed it in and deleted it again, two table writes at every run. A run that left
 * points at no other, so it keeps none alive.
 */
export class InFlightRuns implements Iterable<StoredRun> {
  #first: StoredRun | null = null;
  #last: StoredRun | null = null;

  add(run: StoredRun): void {
    if (run.inFlight) return;
    run.inFlight = true;
    run.previousInFlight = this.#last;
    run.nextInFlight = null;
    if (this.#last === null) this.#first = run;
    else this.#last.nextInFlight = run;
    this.#last = run;
  }

  has(run: StoredRun): boolean {
    return run.inFlight;
  }

  delete(run: StoredRun): void {
    if (!run.inFlight) return;
    const previous = run.previousInFlight;
    const next = run.nextInFlight;
    if (previous === null) this.#first = next;
    else previous.nextInFlight = next;
    if (next === null) this.#last = previous;
    else next.previousInFlight = previous;
    run.inFlight = false;
    run.previousInFlight = null;
    run.nextInFlight = null;
  }

  /** Oldest first. Changing a run's fields while walking is fine; adding or deleting runs is not. */
  *[Symbol.iterator](): Generator<StoredRun> {
    for (let run = this.#first; run !== null; run = run.nextInFlight) yield run;
  }
}
