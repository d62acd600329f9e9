import type { Clock, ClockTimer } from '../../clock.js';
import { CronhookError } from '../../errors.js';
import { FreshMap } from '../../fresh-collections.js';

/** One attempt's timeout, expired at its deadline unless released first. */
export interface Expiring {
  /** Set by {@link AttemptTimeouts.start}. */
  deadline: number;
  expire(): void;
}

interface Group {
  timer: ClockTimer;
  members: Set<Expiring>;
}

/**
 * Attempt timeouts that share a deadline share one clock timer. A burst of runs starting within the same
 * millisecond with the same `timeoutMs` (thousands of jobs due at one instant) then arms one timer instead of
 * one per attempt, and an attempt that ends is a `Set` delete rather than a timer cancel. Each group's timer
 * is an ordinary `clock.setTimeout`, so timeouts stay on the clock's monotonic timers (wall-clock jumps do not
 * move them), as with a timer per attempt.
 */
export class AttemptTimeouts {
  readonly #clock: Clock;
  /** Fresh (see FreshMap): a group per millisecond of deadlines comes and goes. */
  readonly #groups = new FreshMap<number, Group>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Expires `entry` after `timeoutMs` unless it is {@link release}d first. */
  start(entry: Expiring, timeoutMs: number): void {
    const deadline = this.#clock.now() + timeoutMs;
    entry.deadline = deadline;
    const group = this.#groups.get(deadline);
    if (group) {
      group.members.add(entry);
      return;
    }
    const members = new Set<Expiring>([entry]);
    const timer = this.#clock.setTimeout(() => this.#expire(deadline, members), timeoutMs);
    this.#groups.set(deadline, { timer, members });
  }

  /** The attempt ended before its deadline. */
  release(entry: Expiring): void {
    const group = this.#groups.get(entry.deadline);
    if (!group?.members.delete(entry) || group.members.size > 0) return;
    group.timer.cancel();
    this.#groups.delete(entry.deadline);
  }

  #expire(deadline: number, members: Set<Expiring>): void {
    if (this.#groups.get(deadline)?.members === members) this.#groups.delete(deadline);
    const expired = [...members];
    members.clear();
    for (const entry of expired) entry.expire();
  }
}

/** Aborts an attempt with `ERR_TIMEOUT` when its deadline passes. */
export class AttemptTimeout implements Expiring {
  deadline = 0;
  constructor(
    readonly controller: AbortController,
    readonly jobId: string,
    readonly attempt: number,
    readonly timeoutMs: number,
  ) {}

  expire(): void {
    const message = `Job ${this.jobId} attempt ${this.attempt} timed out after ${this.timeoutMs} ms`;
    this.controller.abort(new CronhookError('ERR_TIMEOUT', message));
  }
}
