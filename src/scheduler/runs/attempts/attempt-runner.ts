import type { Clock } from '../../../clock.js';
import type { AddressPolicy, Transport, TransportResponse } from '../../../transport/types.js';
import type { HandlerTarget, HttpTarget, JobHandler } from '../../types.js';
import { handlerArgument, type RunContext } from '../runner/run-context.js';
import { RunController } from '../runner/run-controller.js';
import { ArmedAttempt, attemptFailure } from './armed-attempt.js';
import { AttemptTimeouts } from './attempt-timeouts.js';
import { callHandler } from './handler-call.js';
import { checkResponse } from './http-call.js';
import { HttpJobSender } from './http-job-sender.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** What an attempt that succeeded ends with, in place of a failure (see {@link AttemptEnded}). */
export const SUCCEEDED: unique symbol = Symbol('succeeded');

/** Takes the end of an attempt: `failure` is what it failed with (see attemptFailure), or {@link SUCCEEDED}. */
export interface AttemptEnded<T, C extends RunContext = RunContext> {
  attemptEnded(ctx: C, failure: unknown): T;
}

/** {@link AttemptRunner.attempt}'s end: its promise fulfils, or rejects with the failure. */
const THROWN: AttemptEnded<void> = {
  attemptEnded(_ctx, failure) {
    if (failure !== SUCCEEDED) throw failure;
  },
};

/** What making attempts needs from the scheduler's options. */
export interface AttemptRunnerOptions {
  transport: Transport;
  clock: Clock;
  handlers: ReadonlyMap<string, JobHandler>;
  /** Address policy for HTTP jobs; undefined leaves it to the transport. */
  addressPolicy: AddressPolicy | undefined;
  userAgent: string;
}

/**
 * One attempt of a run under its timeout: armed (its timeout, the signal it runs under, its telemetry), made
 * (the handler called, or the HTTP request sent and its answer checked on the run), and disarmed. What comes
 * of it, a retry or the run's outcome, is the Runner's.
 */
export class AttemptRunner {
  readonly #o: AttemptRunnerOptions;
  readonly #timeouts: AttemptTimeouts;
  readonly #http: HttpJobSender;

  constructor(options: AttemptRunnerOptions) {
    this.#o = options;
    this.#timeouts = new AttemptTimeouts(options.clock);
    this.#http = new HttpJobSender(options);
  }

  /**
   * Makes attempt `attempt` of the run. A lone attempt (no retries) times out through the run's own
   * controller; with retries each attempt gets a controller of its own, to which the run's abort is forwarded
   * by hand.
   */
  attempt(ctx: RunContext, attempt: number, lone: boolean): Promise<void> {
    const target = ctx.job.target;
    return 'handler' in target
      ? this.#handlerAttempt(ctx, target, attempt, lone)
      : this.#httpAttempt(ctx, target, attempt, lone, THROWN);
  }

  /**
   * The run's only attempt (see {@link attempt}), whose end is handed to `ended` in the continuation that ends
   * it: an HTTP attempt's response is checked and the run goes on to its outcome from one `.then` on the
   * transport's promise, not two.
   */
  loneAttempt<T, C extends RunContext>(ctx: C, ended: AttemptEnded<T | PromiseLike<T>, C>): Promise<T> {
    const target = ctx.job.target;
    if (!('handler' in target)) return this.#httpAttempt(ctx, target, 1, true, ended);
    if (ctx.telemetry === null) return this.#loneHandlerAttempt(ctx, target, ended);
    return this.#handlerAttempt(ctx, target, 1, true).then(
      () => ended.attemptEnded(ctx, SUCCEEDED),
      (failure: unknown) => ended.attemptEnded(ctx, failure),
    );
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
      const argument = handlerArgument(ctx, target, attempt, signal);
      const call = () => callHandler(this.#o.handlers, target, argument, ctx.run);
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
   * A run's only attempt of a handler job, without telemetry: the handler is called in this tick, and the
   * attempt's end (disarmed, handed to `ended`) follows from one `.then` on its outcome. Not an async
   * function: of a burst of runs due at one instant, each run's work up to its handler's call is all that
   * comes before the next run's handler (see callHandler), and a run costs two promises fewer.
   */
  #loneHandlerAttempt<T, C extends RunContext>(
    ctx: C,
    target: HandlerTarget,
    ended: AttemptEnded<T | PromiseLike<T>, C>,
  ): Promise<T> {
    const armed = this.#arm(ctx, 1, true);
    let called: Promise<void>;
    try {
      called = callHandler(this.#o.handlers, target, handlerArgument(ctx, target, 1, armed.signal), ctx.run);
    } catch (failure) {
      called = Promise.reject(failure);
    }
    return called.then(
      () => {
        this.#disarm(ctx, armed);
        return ended.attemptEnded(ctx, SUCCEEDED);
      },
      (failure: unknown) => {
        const error = attemptFailure(armed, failure);
        this.#disarm(ctx, armed);
        return ended.attemptEnded(ctx, error);
      },
    );
  }

  /**
   * An HTTP attempt: its request sent, its answer checked on the run (a failing status fails it). Not an async
   * function: the transport's promise is followed once, with the attempt's end on either side.
   */
  #httpAttempt<T, C extends RunContext>(
    ctx: C,
    target: HttpTarget,
    attempt: number,
    lone: boolean,
    ended: AttemptEnded<T | PromiseLike<T>, C>,
  ): Promise<T> {
    const armed = this.#arm(ctx, attempt, lone);
    const failed = (failure: unknown): T | PromiseLike<T> => {
      const error = attemptFailure(armed, failure);
      this.#disarm(ctx, armed);
      return ended.attemptEnded(ctx, error);
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
        return failed(failure);
      }
      armed.hook?.end(null);
      this.#disarm(ctx, armed);
      return ended.attemptEnded(ctx, SUCCEEDED);
    }, failed);
  }

  /** Starts attempt `attempt`: its timeout, its signal (see {@link attempt}) and its telemetry. */
  #arm(ctx: RunContext, attempt: number, lone: boolean): ArmedAttempt {
    const { job, run } = ctx;
    run.attempts = attempt;
    // The first attempt of a run started in this tick starts at the run's start (no clock read).
    const startedAt = ctx.startedNow ? run.startedAt!.getTime() : undefined;
    ctx.startedNow = false;
    const timeoutMs = job.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = lone ? ctx.controller : new RunController();
    const forward = lone ? null : () => controller.abort(ctx.controller.reason);
    if (forward) ctx.controller.signal.addEventListener('abort', forward, { once: true });
    const armed = new ArmedAttempt(controller, job.id, attempt, timeoutMs);
    armed.forward = forward;
    this.#timeouts.start(armed, timeoutMs, startedAt);
    armed.hook = ctx.telemetry?.attempt(attempt) ?? null;
    return armed;
  }

  /** The attempt is over: its timeout and the forwarding of the run's abort go. */
  #disarm(ctx: RunContext, armed: ArmedAttempt): void {
    this.#timeouts.release(armed);
    if (armed.forward) ctx.controller.signal.removeEventListener('abort', armed.forward);
  }
}
