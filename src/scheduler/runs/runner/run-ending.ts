import type { RunRecord } from '../../../storage/types.js';
import type { AttemptEnded } from '../attempts/attempt-runner.js';
import type { RunContext } from './run-context.js';

/** What becomes of a run once the Runner is done with it: `ran`, finished and stored; or `failed` with `error`. */
export interface RunEnd<C extends RunContext, R> {
  ran(ctx: C, finished: RunRecord): R | PromiseLike<R>;
  failed(ctx: C, error: unknown): R | PromiseLike<R>;
}

/**
 * How a run's end reaches whoever started it ({@link RunEnd}, StartedRuns'): for a run whose lone attempt
 * ends it (see Runner.#execute), as that attempt's end, so that the outcome is set and stored and `end` called
 * in the one continuation that follows the attempt, not in a second one on the run's own promise (at a burst
 * of thousands of runs due at one instant, a promise and two closures fewer per run there); for any other
 * run, by following its promise.
 */
export class RunEnding<C extends RunContext, R> implements AttemptEnded<R | PromiseLike<R>, C> {
  readonly #runner: AttemptEnded<RunRecord | Promise<RunRecord>>;
  readonly #end: RunEnd<C, R>;

  /** `runner`: the Runner, which sets and stores a run's outcome from its lone attempt's end. */
  constructor(runner: AttemptEnded<RunRecord | Promise<RunRecord>>, end: RunEnd<C, R>) {
    this.#runner = runner;
    this.#end = end;
  }

  attemptEnded(ctx: C, failure: unknown): R | PromiseLike<R> {
    let finished: RunRecord | Promise<RunRecord>;
    try {
      finished = this.#runner.attemptEnded(ctx, failure);
    } catch (error) {
      return this.#end.failed(ctx, error);
    }
    return finished instanceof Promise ? this.follow(ctx, finished) : this.#end.ran(ctx, finished);
  }

  /** The run of `ctx` ends as `finished` settles. */
  follow(ctx: C, finished: Promise<RunRecord>): Promise<R> {
    return finished.then(
      (run) => this.#end.ran(ctx, run),
      (error: unknown) => this.#end.failed(ctx, error),
    );
  }
}

/** A run's end as the run itself: a promise that follows it settles as the run finished, or rejects. */
export const FINISHED: RunEnd<RunContext, RunRecord> = {
  ran: (_ctx, finished) => finished,
  failed: (_ctx, error) => {
    throw error;
  },
};
