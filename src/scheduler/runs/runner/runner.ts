import type { Clock } from '../../../clock.js';
import { sleep } from '../../../clock.js';
import { type ErrorInfo, toErrorInfo } from '../../../errors.js';
import type { Emitter } from '../../../events.js';
import type { RunRecord, Storage } from '../../../storage/types.js';
import type { RunHook, SchedulerHooks } from '../../../telemetry/hooks.js';
import type { AddressPolicy, Transport } from '../../../transport/types.js';
import type { JobHandler, RunEventBase, SchedulerEvents } from '../../types.js';
import {
  asError,
  FinalFailure,
  LostRun,
  loneOutcome,
  lostRunWrite,
  retryDelay,
} from '../attempts/attempt-outcome.js';
import { type AttemptEnded, AttemptRunner, SUCCEEDED } from '../attempts/attempt-runner.js';
import { markStarted } from '../records/run-records.js';
import { prepareHandlerArgument, type RunContext, runEvent } from './run-context.js';
import { FINISHED, RunEnding } from './run-ending.js';

export interface RunnerOptions {
  storage: Storage;
  transport: Transport;
  clock: Clock;
  emitter: Emitter<SchedulerEvents>;
  handlers: ReadonlyMap<string, JobHandler>;
  /** Address policy for HTTP jobs; undefined leaves it to the transport. */
  addressPolicy: AddressPolicy | undefined;
  userAgent: string;
  /** Telemetry hooks; null when telemetry is off. */
  telemetry: SchedulerHooks | null;
}

/**
 * Executes one run: marks it running, makes the attempts (each by the AttemptRunner; the retries' delays on
 * the injected clock), records the outcome, and emits `job.started`, `job.retrying`, and `job.succeeded` or
 * `job.failed`. Awaited listeners (such as the notifier storing its messages) finish before the run is stored
 * as finished, unless its lease ran out by then (see #execute). A run write storage refuses with
 * `ERR_LEASE_LOST` (another instance took the run over) ends the run with that error: no further attempt and
 * no outcome event. Event payloads are only built when someone listens.
 */
export class Runner implements AttemptEnded<RunRecord | Promise<RunRecord>> {
  readonly #o: RunnerOptions;
  readonly #attempts: AttemptRunner;
  /** The run's end as the run itself (see FINISHED), for a run inside its span. */
  readonly #finished: RunEnding<RunContext, RunRecord>;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#attempts = new AttemptRunner(options);
    this.#finished = new RunEnding<RunContext, RunRecord>(this, FINISHED);
  }

  /**
   * What the start of the run of `ctx` needs that does not depend on its start time, made ahead (while the run
   * waits for its instant): a handler job's argument for its first attempt.
   */
  prepare(ctx: RunContext): void {
    const target = ctx.job.target;
    if ('handler' in target) prepareHandlerArgument(ctx, target);
  }

  /**
   * Runs the run of `ctx` to its end and stores it. `ctx.sharedJob`: its job is the storage's own read-only
   * record (`peekJob`); handlers and listeners then get a copy, so nothing they do can reach it. `startStored`:
   * the run was stored `running` (with its `startedAt`) already, so its start is not written again;
   * `startedNow`: and its `startedAt` was read in this tick (see RunContext.startedNow). What comes of the run
   * goes to `ending`, whose result the promise returned settles with.
   */
  execute<C extends RunContext, R>(
    ctx: C,
    startStored: boolean,
    startedNow: boolean,
    ending: RunEnding<C, R>,
  ): Promise<R> {
    const { job, run } = ctx;
    ctx.startedNow = startStored ? startedNow : true;
    if (!startStored) markStarted(run, this.#o.clock.now());
    const hook = this.#o.telemetry?.runStarted(job, run) ?? null;
    if (hook === null) return this.#execute(ctx, startStored, ending);
    ctx.telemetry = hook;
    return ending.follow(ctx, this.#traced(ctx, startStored, hook));
  }

  /**
   * A run inside its span, active throughout: the handler's spans and its listeners' work (the notifier
   * storing its messages) nest under it. The span ends once the outcome is stored.
   */
  async #traced(ctx: RunContext, startStored: boolean, hook: RunHook): Promise<RunRecord> {
    try {
      const finished = await hook.within(() => this.#execute(ctx, startStored, this.#finished));
      hook.end(finished, null);
      return finished;
    } catch (error) {
      hook.end(ctx.run, error);
      throw error;
    }
  }

  /**
   * The run from its start to its stored outcome. Not an async function: with in-process storage (its
   * `updateRunNow`), no `job.started` listener and a lone attempt (the default retry policy), nothing is awaited
   * but the attempt, whose promise is followed once, and the outcome is stored and handed to `ending` in that
   * same continuation.
   */
  #execute<C extends RunContext, R>(ctx: C, startStored: boolean, ending: RunEnding<C, R>): Promise<R> {
    const { storage, emitter } = this.#o;
    if (
      ctx.job.retry.attempts > 1 ||
      (!startStored && storage.updateRunNow === undefined) ||
      emitter.listenerCount('job.started') > 0
    )
      return ending.follow(ctx, this.#executeAwaiting(ctx, startStored));
    try {
      if (!startStored) storage.updateRunNow!(ctx.run);
    } catch (error) {
      return ending.follow(ctx, Promise.reject(error));
    }
    let failure: unknown;
    try {
      ctx.controller.throwIfAborted();
      return this.#attempts.loneAttempt(ctx, ending);
    } catch (caught) {
      failure = caught;
    }
    // Ends the run as the attempt's own failure would have: a continuation later.
    return Promise.resolve(ctx).then((c) => ending.attemptEnded(c, failure));
  }

  /**
   * The end of a run's lone attempt made by #execute: the run's outcome, as #executeAwaiting reckons it (the
   * run's abort after its attempt succeeded fails it too), set, emitted and stored.
   */
  attemptEnded(ctx: RunContext, failure: unknown): RunRecord | Promise<RunRecord> {
    const abort = ctx.controller;
    if (failure === SUCCEEDED) return this.#finish(ctx, abort.aborted ? toErrorInfo(abort.reason) : null);
    return this.#finish(ctx, toErrorInfo(loneOutcome(failure, abort)));
  }

  /** #execute when something is to be awaited besides the attempt (see there). */
  async #executeAwaiting(ctx: RunContext, startStored: boolean): Promise<RunRecord> {
    const { job, run } = ctx;
    const { storage, emitter } = this.#o;
    if (!startStored) {
      if (storage.updateRunNow) storage.updateRunNow(run);
      else {
        ctx.startedNow = false;
        await storage.updateRun(run);
      }
    }
    if (emitter.listenerCount('job.started') > 0) {
      ctx.startedNow = false;
      await emitter.emit('job.started', this.#event(ctx, 'job.started'));
    }

    let error: ErrorInfo | null = null;
    // A single attempt (the default retry policy) skips the retry loop: one async layer less per run, and
    // the same outcome as the loop gives for its one attempt (see loneOutcome).
    const lone = job.retry.attempts <= 1;
    try {
      if (lone) {
        ctx.controller.throwIfAborted();
        await this.#attempts.attempt(ctx, 1, true);
        ctx.controller.throwIfAborted();
      } else {
        await this.#withRetries(ctx);
      }
    } catch (failure) {
      // Storage refused a write between attempts: another instance holds the run now and reports it.
      if (failure instanceof LostRun) throw failure.error;
      error = toErrorInfo(lone ? loneOutcome(failure, ctx.controller) : failure);
    }
    return this.#finish(ctx, error);
  }

  /**
   * The run's end: its outcome set on the run, emitted, and stored. Returns the run itself, without an await,
   * when storage writes it at once (`updateRunNow`) and nobody listens to the outcome.
   */
  #finish(ctx: RunContext, error: ErrorInfo | null): RunRecord | Promise<RunRecord> {
    const { run } = ctx;
    const { clock, storage, emitter } = this.#o;
    const now = clock.now();
    // Its lease ran out by its end (this process paused past it, or could not renew it): another instance may
    // have taken the run over and recorded it. The outcome is stored first, and emitted only once storage took
    // it; a refused write (ERR_LEASE_LOST) is thrown, and the outcome is the other instance's to report.
    const leaseRanOut =
      storage.shared === true && run.lockedUntil !== null && run.lockedUntil.getTime() <= now;
    run.finishedAt = new Date(now);
    run.durationMs = now - (run.startedAt?.getTime() ?? now);
    run.status = error === null ? 'succeeded' : 'failed';
    run.error = error;
    run.lockedUntil = null;
    const listened = emitter.listenerCount(error === null ? 'job.succeeded' : 'job.failed') > 0;
    if (leaseRanOut || listened || storage.updateRunNow === undefined)
      return this.#finishAwaiting(ctx, error, leaseRanOut);
    storage.updateRunNow(run);
    return run;
  }

  /** #finish when its outcome is to be awaited: a write, or listeners (see there). */
  async #finishAwaiting(ctx: RunContext, error: ErrorInfo | null, leaseRanOut: boolean): Promise<RunRecord> {
    const { run } = ctx;
    const { storage, emitter } = this.#o;
    if (leaseRanOut) await storage.updateRun(run);
    if (error === null) {
      if (emitter.listenerCount('job.succeeded') > 0) {
        await emitter.emit('job.succeeded', this.#event(ctx, 'job.succeeded'));
      }
    } else if (emitter.listenerCount('job.failed') > 0) {
      await emitter.emit('job.failed', { ...this.#event(ctx, 'job.failed'), error });
    }
    if (!leaseRanOut) {
      if (storage.updateRunNow) storage.updateRunNow(run);
      else await storage.updateRun(run);
    }
    return run;
  }

  /**
   * The attempts of a run: the run's abort is checked before and after each attempt and after each failure;
   * a failure with attempts left is stored on the run, emitted as `job.retrying` and followed by the backoff
   * delay on the clock.
   */
  async #withRetries(ctx: RunContext): Promise<void> {
    const { job, run } = ctx;
    // A real signal: the backoff's sleep listens to it.
    const signal = ctx.controller.signal;
    const { clock, storage, emitter } = this.#o;
    const attempts = job.retry.attempts;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        // Stored with the attempt under way counted, as the first was with the run's start (see markStarted).
        run.attempts = attempt;
        await storage.updateRun(run).catch(lostRunWrite);
      }
      let failure: unknown;
      try {
        signal.throwIfAborted();
        await this.#attempts.attempt(ctx, attempt, attempts === 1);
        signal.throwIfAborted();
        return;
      } catch (caught) {
        failure = caught;
      }
      signal.throwIfAborted();
      if (failure instanceof FinalFailure) throw failure.error;
      const error = asError(failure);
      const retriesLeft = attempts - attempt;
      if (retriesLeft > 0) {
        const delayMs = retryDelay(job, attempt);
        run.error = toErrorInfo(error);
        await storage.updateRun(run).catch(lostRunWrite);
        if (emitter.listenerCount('job.retrying') > 0) {
          void emitter.emit('job.retrying', {
            ...this.#event(ctx, 'job.retrying'),
            error: run.error,
            attempt,
            delayMs,
          });
        }
        await sleep(clock, delayMs, signal);
      }
      signal.throwIfAborted();
      if (retriesLeft <= 0) throw error;
    }
  }

  /** A run event's common part, built only once someone listens (callers check `listenerCount` first). */
  #event<T extends string>(ctx: RunContext, type: T): RunEventBase<T> {
    return runEvent(ctx, type, this.#o.clock);
  }
}
