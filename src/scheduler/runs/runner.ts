import type { Clock } from '../../clock.js';
import { sleep } from '../../clock.js';
import { type ErrorInfo, toErrorInfo } from '../../errors.js';
import type { Emitter } from '../../events.js';
import { cloneJson } from '../../storage/clone.js';
import type { JobRecord, RunRecord, Storage } from '../../storage/types.js';
import type { RunHook, SchedulerHooks } from '../../telemetry/hooks.js';
import type { AddressPolicy, Transport, TransportResponse } from '../../transport/types.js';
import { toPublicJob } from '../jobs/record.js';
import type { HandlerTarget, HttpTarget, Job, JobHandler, RunEventBase, SchedulerEvents } from '../types.js';
import { ArmedAttempt, attemptFailure } from './armed-attempt.js';
import { asError, FinalFailure, LostRun, loneOutcome, lostRunWrite, retryDelay } from './attempt-outcome.js';
import { AttemptTimeouts } from './attempt-timeouts.js';
import { callHandler } from './handler-call.js';
import { checkResponse } from './http-call.js';
import { HttpJobSender } from './http-job-sender.js';
import { markStarted, toPublicRun } from './run-records.js';

export { SNIPPET_BYTES, truncateUtf8 } from './http-call.js';

const DEFAULT_TIMEOUT_MS = 30_000;

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

/** What one run's attempts share: the job, the run, its controller and the job's public view (made once). */
interface RunContext {
  job: JobRecord;
  /** `job` is the storage's own read-only record: its public view is made from a copy. */
  sharedJob: boolean;
  run: RunRecord;
  /** Aborted by `stop()` and `removeJob()` (forwarded by the tracker), and by the timeout of a lone attempt. */
  controller: AbortController;
  /** `controller.signal`, read once (the getter is not free at thousands of runs per instant). */
  signal: AbortSignal;
  publicJob: Job | undefined;
  /** The run's telemetry; null when telemetry is off. */
  telemetry: RunHook | null;
  /**
   * `run.startedAt` was read from the clock in this same tick, with nothing awaited since: the first attempt
   * starts then (its timeout counts from it) without another clock read. Cleared at the first await.
   */
  startedNow: boolean;
}

/**
 * Executes one run: marks it running, makes the attempts (delays on the injected clock), records the outcome,
 * and emits `job.started`, `job.retrying`, and `job.succeeded` or `job.failed`. Awaited listeners (such as the
 * notifier storing its messages) finish before the run is stored as finished, unless its lease ran out by then
 * (see #execute). A run write storage refuses with `ERR_LEASE_LOST` (another instance took the run over) ends
 * the run with that error: no further attempt and no outcome event. Event payloads are only built when someone
 * listens.
 */
export class Runner {
  readonly #o: RunnerOptions;
  readonly #timeouts: AttemptTimeouts;
  readonly #http: HttpJobSender;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#timeouts = new AttemptTimeouts(options.clock);
    this.#http = new HttpJobSender(options);
  }

  /**
   * Runs `run` of `job` to its end and stores it. `sharedJob`: `job` is the storage's own read-only record
   * (`peekJob`); handlers and listeners then get a copy, so nothing they do can reach it. `startStored`: the
   * run was stored `running` (with its `startedAt`) already, so its start is not written again; `startedNow`:
   * and its `startedAt` was read in this tick (see RunContext.startedNow).
   */
  execute(
    job: JobRecord,
    run: RunRecord,
    controller: AbortController,
    sharedJob = false,
    startStored = false,
    startedNow = false,
  ): Promise<RunRecord> {
    const ctx: RunContext = {
      job,
      sharedJob,
      run,
      controller,
      signal: controller.signal,
      publicJob: undefined,
      telemetry: null,
      startedNow: startStored ? startedNow : true,
    };
    if (!startStored) markStarted(run, this.#o.clock.now());
    const hook = this.#o.telemetry?.runStarted(job, run) ?? null;
    if (hook === null) return this.#execute(ctx, startStored);
    ctx.telemetry = hook;
    return this.#traced(ctx, startStored, hook);
  }

  /**
   * A run inside its span, active throughout: the handler's spans and its listeners' work (the notifier
   * storing its messages) nest under it. The span ends once the outcome is stored.
   */
  async #traced(ctx: RunContext, startStored: boolean, hook: RunHook): Promise<RunRecord> {
    try {
      const finished = await hook.within(() => this.#execute(ctx, startStored));
      hook.end(finished, null);
      return finished;
    } catch (error) {
      hook.end(ctx.run, error);
      throw error;
    }
  }

  async #execute(ctx: RunContext, startStored: boolean): Promise<RunRecord> {
    const { job, run } = ctx;
    const { clock, storage, emitter } = this.#o;
    // In-process storage writes the run's start and end before answering (updateRunNow): no await each.
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
        ctx.signal.throwIfAborted();
        await this.#attempt(ctx, 1, true);
        ctx.signal.throwIfAborted();
      } else {
        await this.#attempts(ctx);
      }
    } catch (failure) {
      // Storage refused a write between attempts: another instance holds the run now and reports it.
      if (failure instanceof LostRun) throw failure.error;
      error = toErrorInfo(lone ? loneOutcome(failure, ctx.signal) : failure);
    }

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
  async #attempts(ctx: RunContext): Promise<void> {
    const { job, run, signal } = ctx;
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
        await this.#attempt(ctx, attempt, attempts === 1);
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

  /**
   * One attempt under its timeout. A lone attempt (no retries) times out through the run's own controller;
   * with retries each attempt gets a controller of its own, to which the run's abort is forwarded by hand.
   */
  #attempt(ctx: RunContext, attempt: number, lone: boolean): Promise<void> {
    const target = ctx.job.target;
    return 'handler' in target
      ? this.#handlerAttempt(ctx, target, attempt, lone)
      : this.#httpAttempt(ctx, target, attempt, lone);
  }

  async #handlerAttempt(
    ctx: RunContext,
    target: HandlerTarget,
    attempt: number,
    lone: boolean,
  ): Promise<void> {
    const armed = this.#arm(ctx, attempt, lone);
    try {
      const { hook, signal } = armed;
      const call = () => callHandler(this.#o.handlers, target, publicJob(ctx), ctx.run, attempt, signal);
      if (hook === null) await call();
      else await hook.within(call);
      armed.hook?.end(null);
    } catch (failure) {
      throw attemptFailure(armed, failure);
    } finally {
      this.#disarm(ctx, armed);
    }
  }

  /**
   * An HTTP attempt: its request sent, its answer checked on the run (a failing status fails it). Not an async
   * function: the transport's promise is followed once, with the attempt's end on either side.
   */
  #httpAttempt(ctx: RunContext, target: HttpTarget, attempt: number, lone: boolean): Promise<void> {
    const armed = this.#arm(ctx, attempt, lone);
    const failed = (failure: unknown): never => {
      const error = attemptFailure(armed, failure);
      this.#disarm(ctx, armed);
      throw error;
    };
    let sent: Promise<TransportResponse>;
    try {
      sent = this.#http.send(ctx.job, target, ctx.run, ctx.sharedJob, armed);
    } catch (failure) {
      sent = Promise.reject(failure);
    }
    return sent.then((response) => {
      try {
        checkResponse(ctx.job, target, ctx.run, armed.method, armed.secrets, response);
      } catch (failure) {
        failed(failure);
      }
      armed.hook?.end(null);
      this.#disarm(ctx, armed);
    }, failed);
  }

  /** Starts attempt `attempt`: its timeout, its signal (see {@link #attempt}) and its telemetry. */
  #arm(ctx: RunContext, attempt: number, lone: boolean): ArmedAttempt {
    const { job, run } = ctx;
    const runSignal = ctx.signal;
    run.attempts = attempt;
    // The first attempt of a run started in this tick starts at the run's start (no clock read).
    const startedAt = ctx.startedNow ? run.startedAt!.getTime() : undefined;
    ctx.startedNow = false;
    const timeoutMs = job.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = lone ? ctx.controller : new AbortController();
    const forward = lone ? null : () => controller.abort(runSignal.reason);
    if (forward) runSignal.addEventListener('abort', forward, { once: true });
    const armed = new ArmedAttempt(
      controller,
      job.id,
      attempt,
      timeoutMs,
      lone ? runSignal : controller.signal,
    );
    armed.forward = forward;
    this.#timeouts.start(armed, timeoutMs, startedAt);
    armed.hook = ctx.telemetry?.attempt(attempt) ?? null;
    return armed;
  }

  /** The attempt is over: its timeout and the forwarding of the run's abort go. */
  #disarm(ctx: RunContext, armed: ArmedAttempt): void {
    this.#timeouts.release(armed);
    if (armed.forward) ctx.signal.removeEventListener('abort', armed.forward);
  }

  /** A run event's common part, built only once someone listens (callers check `listenerCount` first). */
  #event<T extends string>(ctx: RunContext, type: T): RunEventBase<T> {
    return { type, at: new Date(this.#o.clock.now()), job: publicJob(ctx), run: toPublicRun(ctx.run) };
  }
}

function publicJob(ctx: RunContext): Job {
  if (ctx.publicJob === undefined) ctx.publicJob = toPublicJob(ctx.sharedJob ? cloneJson(ctx.job) : ctx.job);
  return ctx.publicJob;
}
