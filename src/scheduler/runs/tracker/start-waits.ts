import type { Clock } from '../../../clock.js';
import type { RunRecord } from '../../../storage/types.js';
import type { Runner } from '../runner/runner.js';
import { type ActiveRun, type ManualHandOver, resumeRun, type StartGate } from './active-run.js';
import type { ConcurrencySlots } from './concurrency-slots.js';
import { InstantWaits } from './instant-waits.js';
import type { StartedRuns } from './started-runs.js';

/**
 * What a run handed to RunTracker waits for before StartedRuns takes it: the run it is to follow (ordered
 * catch-up, or its job's previous run under `overlap: 'queue'`), then its start instant (its scheduled time,
 * when that is still ahead: runs are claimed slightly early, plus its jitter). Runs waiting for an instant
 * are grouped by it, one timer armed for the earliest group ({@link InstantWaits}): a run with nothing else
 * to wait for starts from that timer callback itself, not from a continuation of its own queued behind the
 * others (see StartedRuns.afterWait).
 */
export class StartWaits {
  readonly #clock: Clock;
  readonly #runner: Runner;
  readonly #slots: ConcurrencySlots;
  readonly #started: StartedRuns;
  /** Runs waiting for their start instant. */
  readonly #waiting: InstantWaits<ActiveRun>;

  constructor(clock: Clock, runner: Runner, slots: ConcurrencySlots, started: StartedRuns) {
    this.#clock = clock;
    this.#runner = runner;
    this.#slots = slots;
    this.#started = started;
    this.#waiting = new InstantWaits(clock, resumeRun);
  }

  /**
   * Waits for what the run waits for (see RunTracker.execute), then starts it (see StartedRuns.afterWait);
   * releases it when it cannot start. Resolves with the finished run.
   */
  wait(
    active: ActiveRun,
    jitterMs: number,
    previous: Promise<unknown> | undefined,
    gate: StartGate | undefined,
    manual: ManualHandOver,
  ): Promise<RunRecord | null> {
    // A reserved run holds its slot already (stored `running` by triggerJob): here only when it was aborted.
    if (manual.reserved) {
      this.#slots.release();
      return this.#started.failed(active, active.abortReason, true);
    }
    return (
      (previous === undefined ? this.#atInstant(active, jitterMs, gate) : null) ??
      this.#run(active, jitterMs, previous, gate)
    );
  }

  /** Forgets every run waiting for its instant (the scheduler stops: they are aborted). */
  clear(): void {
    this.#waiting.clear();
  }

  /**
   * A run due at a later instant with nothing else to wait for (no previous run, not aborted):
   * started from the instant's timer callback itself, through StartedRuns.afterWait, not from a continuation
   * of its own. null for any other run (see #run).
   */
  #atInstant(
    active: ActiveRun,
    jitterMs: number,
    gate: StartGate | undefined,
  ): Promise<RunRecord | null> | null {
    if (active.abortReason !== null) return null;
    const startAt = this.#startsLater(active, jitterMs);
    if (startAt === null) return null;
    const started = this.#started;
    return new Promise<RunRecord | null>((resolve) => {
      active.wait = {
        resolve: () => {
          try {
            resolve(started.afterWait(active, gate));
          } catch (error) {
            resolve(started.failed(active, error, false));
          }
        },
        // Released a continuation later, as from #run's wait.
        reject: (reason: unknown) => resolve(LATER.then(() => started.failed(active, reason, false))),
      };
      this.#waiting.add(active, startAt);
    });
  }

  /** Any other run: awaits what it waits for, then starts (see StartedRuns.afterWait). */
  async #run(
    active: ActiveRun,
    jitterMs: number,
    previous: Promise<unknown> | undefined,
    gate: StartGate | undefined,
  ): Promise<RunRecord | null> {
    try {
      if (previous) await previous.catch(() => {});
      if (active.abortReason !== null) throw active.abortReason;
      const startAt = this.#startsLater(active, jitterMs);
      if (startAt !== null) await this.#waitUntil(active, startAt);
    } catch (error) {
      return this.#started.failed(active, error, false);
    }
    return await this.#started.afterWait(active, gate);
  }

  /**
   * The instant the run starts at when that is still ahead, or null. A run that waits is prepared now: what its
   * start needs and its start time does not is made while it waits, not at the instant, where it would delay
   * every run due then behind it.
   */
  #startsLater(active: ActiveRun, jitterMs: number): number | null {
    const now = this.#clock.now();
    const startAt = Math.max(now, active.run.scheduledAt.getTime()) + jitterMs;
    if (startAt <= now) return null;
    this.#runner.prepare(active);
    return startAt;
  }

  #waitUntil(active: ActiveRun, at: number): Promise<void> {
    const waited = new Promise<void>((resolve, reject) => {
      active.wait = { resolve, reject };
    });
    this.#waiting.add(active, at);
    return waited;
  }
}

/** Settled already: what follows it runs a continuation later. */
const LATER: Promise<void> = Promise.resolve();
