import type { RunRecord, Storage } from '../../storage/types.js';
import type { RunStatus } from '../types.js';
import type { ActiveRun } from './active-run.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import type { Runner } from './runner.js';

export interface StartedRunsOptions {
  storage: Storage;
  runner: Runner;
  runRetention: number;
  onError: (error: unknown) => void;
  /** The tracker's slots: a started run holds one until its runner is done. */
  slots: ConcurrencySlots;
  /** The run has settled: the tracker lets go of it. */
  settled: (active: ActiveRun) => void;
}

/**
 * What becomes of a run of the RunTracker once it holds a concurrency slot: run by the Runner, its slot given
 * back, its job's retention applied, and settled; and of a run that failed to start or to finish: released
 * for another start, or its error reported. Not async functions: with in-process storage (`pruneRunsNow`),
 * the runner's promise is followed once and nothing else is awaited.
 */
export class StartedRuns {
  readonly #o: StartedRunsOptions;

  constructor(options: StartedRunsOptions) {
    this.#o = options;
  }

  /**
   * Runs `active`, which holds its slot; resolves with the finished run (null when it failed). `startStored`,
   * `startedNow`: see Runner.execute.
   */
  start(active: ActiveRun, startStored: boolean, startedNow: boolean): Promise<RunRecord | null> {
    let result: Promise<RunRecord>;
    try {
      result = this.#o.runner.execute(active, startStored, startedNow);
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.then(
      (finished) => {
        this.#o.slots.release();
        return this.#ran(active, finished);
      },
      (error: unknown) => {
        this.#o.slots.release();
        return this.failed(active, error, false);
      },
    );
  }

  /**
   * What a run that failed to start or to finish comes to, before it is settled: nothing when its job is gone;
   * released when it never started (`unstarted`: a reserved run stored `running` that did not start; or any
   * run still `queued`), so that another instance or the next start takes it over; otherwise its error is
   * reported.
   */
  async failed(active: ActiveRun, error: unknown, unstarted: boolean): Promise<null> {
    const { run } = active;
    try {
      // The job and its runs were deleted: storing this run now can only fail with ERR_RUN_NOT_FOUND.
      if (active.jobRemoved) return null;
      if (run.status === 'queued' || unstarted) {
        run.status = 'queued';
        run.startedAt = null;
        run.lockedUntil = new Date(0);
        await this.#o.storage.updateRun(run).catch(this.#o.onError);
        return null;
      }
      this.#o.onError(error);
      return null;
    } finally {
      this.#o.settled(active);
    }
  }

  /** The run finished: retention applied to its job's runs, then it is settled. */
  #ran(active: ActiveRun, finished: RunRecord): RunRecord | Promise<RunRecord | null> {
    const { runRetention, storage, settled } = this.#o;
    if (runRetention > 0) {
      const prune = { jobId: active.job.id, keep: runRetention, statuses: RAN };
      try {
        if (!storage.pruneRunsNow) {
          return storage.pruneRuns(prune).then(
            () => {
              settled(active);
              return finished;
            },
            (error: unknown) => this.failed(active, error, false),
          );
        }
        storage.pruneRunsNow(prune);
      } catch (error) {
        return this.failed(active, error, false);
      }
    }
    settled(active);
    return finished;
  }
}

/** Runs that ran: retention keeps `runRetention` of them, apart from occurrences that did not run. */
const RAN: RunStatus[] = ['succeeded', 'failed'];
