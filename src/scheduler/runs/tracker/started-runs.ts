import type { Clock } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import type { JobRecord, RunRecord, Storage } from '../../../storage/types.js';
import type { Run, RunStatus } from '../../types.js';
import { toPublicRun } from '../records/run-records.js';
import { RunEnding } from '../runner/run-ending.js';
import type { Runner } from '../runner/runner.js';
import type { ActiveRun, StartGate } from './active-run.js';
import type { ConcurrencySlots } from './concurrency-slots.js';

export interface StartedRunsOptions {
  storage: Storage;
  clock: Clock;
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
  /** Runs that ran and gave back their slot, not settled yet (`ActiveRun.ended`). */
  #ending = 0;
  /** What the runner hands each run's end to (made once: no closures per run). */
  readonly #runEnding: RunEnding<ActiveRun, RunRecord | null>;
  /** The same for a reserved run of `triggerJob`'s, which ends with the run's public view. */
  readonly #reservedEnding: RunEnding<ActiveRun, Run>;

  constructor(options: StartedRunsOptions) {
    this.#o = options;
    this.#runEnding = new RunEnding(options.runner, {
      ran: (active, finished) => {
        this.#end(active);
        return this.#ran(active, finished);
      },
      failed: (active, error) => {
        this.#end(active);
        return this.failed(active, error, false);
      },
    });
    this.#reservedEnding = new RunEnding(options.runner, {
      ran: (active, finished) => {
        this.#end(active);
        const ran = this.#ran(active, finished);
        return ran === finished ? toPublicRun(finished) : publicOnceSettled(active, ran);
      },
      failed: (active, error) => {
        this.#end(active);
        return publicOnceSettled(active, this.failed(active, error, false));
      },
    });
  }

  /** How many runs ran and are settling (their job's retention or their release being written). */
  get ending(): number {
    return this.#ending;
  }

  /**
   * A run whose wait (for its instant, its job's previous run) is over: asked `gate` whether it still goes
   * ahead, given a concurrency slot (it waits for one when none is free), then started, unless its lease ran
   * out or it was aborted meanwhile. Not async: when the gate answers at once and a slot is free (a burst's
   * runs, as a rule), the run starts within this call, so that the runs due at one instant start one after
   * another from the instant's timer callback, not each from a continuation of its own queued behind them all.
   */
  afterWait(active: ActiveRun, gate: StartGate | undefined): Promise<RunRecord | null> {
    if (gate) {
      const open = gate(active.job, active.run);
      if (open !== true) return this.#afterGate(active, open);
    }
    if (!this.#o.slots.tryTake()) return this.#afterSlotWait(active);
    return this.#holding(active);
  }

  async #afterGate(active: ActiveRun, open: boolean | Promise<boolean>): Promise<RunRecord | null> {
    try {
      if (!(await open)) {
        this.#settle(active);
        return null;
      }
      if (!this.#o.slots.tryTake()) await this.#waitForSlot(active);
    } catch (error) {
      return this.failed(active, error, false);
    }
    return this.#holding(active);
  }

  async #afterSlotWait(active: ActiveRun): Promise<RunRecord | null> {
    try {
      await this.#waitForSlot(active);
    } catch (error) {
      return this.failed(active, error, false);
    }
    return this.#holding(active);
  }

  #waitForSlot(active: ActiveRun): Promise<void> {
    const waited = new Promise<void>((resolve, reject) => {
      active.wait = { resolve, reject };
    });
    this.#o.slots.enqueue(active);
    return waited;
  }

  /** `active` holds a slot now: started, unless its lease ran out while it waited, or it was aborted. */
  #holding(active: ActiveRun): Promise<RunRecord | null> {
    const { job, run } = active;
    const { storage, clock, slots } = this.#o;
    // Its lease ran out while it waited (this process was paused longer than leaseMs, or could not renew
    // it): another instance may have taken the run over and run it. It is not started (nor written) here;
    // whoever takes it over, this instance's recovery included, runs it or records it missed.
    if (storage.shared && run.lockedUntil !== null && run.lockedUntil.getTime() <= clock.now()) {
      slots.release();
      this.#o.onError(leaseRanOut(job, run));
      this.#settle(active);
      return NOT_RUN;
    }
    // Aborted after its wait ended but before it got here: it never started, so it is released.
    if (active.abortReason !== null) {
      slots.release();
      return this.failed(active, active.abortReason, false);
    }
    return this.start(active, false, false);
  }

  /**
   * Runs `active`, which holds its slot; resolves with the finished run (null when it failed). `startStored`,
   * `startedNow`: see Runner.execute.
   */
  start(active: ActiveRun, startStored: boolean, startedNow: boolean): Promise<RunRecord | null> {
    try {
      return this.#o.runner.execute(active, startStored, startedNow, this.#runEnding);
    } catch (error) {
      return this.#runEnding.follow(active, Promise.reject(error));
    }
  }

  /**
   * Runs a reserved run of `triggerJob`'s (stored `running` already, holding its slot); resolves with its public
   * view once finished (see RunTracker.executeReserved).
   */
  startReserved(active: ActiveRun, startedNow: boolean): Promise<Run> {
    try {
      return this.#o.runner.execute(active, true, startedNow, this.#reservedEnding);
    } catch (error) {
      return this.#reservedEnding.follow(active, Promise.reject(error));
    }
  }

  /** The run's runner is done: its slot goes back, and it counts as ending until it settles. */
  #end(active: ActiveRun): void {
    active.ended = true;
    this.#ending++;
    this.#o.slots.release();
  }

  /** The run leaves the tracker. */
  #settle(active: ActiveRun): void {
    if (active.ended) this.#ending--;
    this.#o.settled(active);
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
      this.#settle(active);
    }
  }

  /** The run finished: retention applied to its job's runs, then it is settled. */
  #ran(active: ActiveRun, finished: RunRecord): RunRecord | Promise<RunRecord | null> {
    const { runRetention, storage } = this.#o;
    if (runRetention > 0) {
      const prune = { jobId: active.job.id, keep: runRetention, statuses: RAN };
      try {
        if (!storage.pruneRunsNow) {
          return storage.pruneRuns(prune).then(
            () => {
              this.#settle(active);
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
    this.#settle(active);
    return finished;
  }
}

function leaseRanOut(job: JobRecord, run: RunRecord): CronhookError {
  return new CronhookError(
    'ERR_LEASE_LOST',
    `Run ${run.id} of job ${JSON.stringify(job.id)} was not started: its lease ran out at ` +
      `${run.lockedUntil?.toISOString()} while it waited (this instance paused longer than leaseMs, or could not ` +
      'renew it); another instance takes it over',
  );
}

/** The public view of `active`'s run once `settled` has: the finished run, or the run as it is (null). */
function publicOnceSettled(active: ActiveRun, settled: RunRecord | Promise<RunRecord | null>): Promise<Run> {
  return Promise.resolve(settled).then((finished) => toPublicRun(finished ?? active.run));
}

/** What a run that did not start comes to. */
const NOT_RUN: Promise<null> = Promise.resolve(null);

/** Runs that ran: retention keeps `runRetention` of them, apart from occurrences that did not run. */
const RAN: RunStatus[] = ['succeeded', 'failed'];
