import type { Clock, ClockTimer } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import { FreshMap } from '../../../fresh-collections.js';

/** One attempt's timeout, expired at its deadline unless released first. */
export interface Expiring {
  /** The group of its deadline, set by {@link AttemptTimeouts.start} (its release needs no lookup). */
  timeoutGroup: TimeoutGroup | null;
  /** Its place in its group's `members`. */
  timeoutSlot: number;
  expire(): void;
}

/** The attempts that share a deadline, and its timer. */
export interface TimeoutGroup {
  readonly deadline: number;
  readonly timer: ClockTimer;
  /**
   * Its attempts in the order they joined; a released one leaves null in its slot. A list, not a Set: a burst
   * of thousands of runs joins one group each millisecond, at the instant, and a Set's table grows by copying
   * (and shrinks again as they end) where a list only grows.
   */
  readonly members: (Expiring | null)[];
  /** Members not released. */
  live: number;
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
  readonly #groups = new FreshMap<number, TimeoutGroup>();
  /** The group joined or made last, while it is in #groups: the attempts of a busy millisecond share it. */
  #last: TimeoutGroup | null = null;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Expires `entry` after `timeoutMs` unless it is {@link release}d first; `now`: the clock's time, when the
   * caller has just read it.
   */
  start(entry: Expiring, timeoutMs: number, now = this.#clock.now()): void {
    const deadline = now + timeoutMs;
    const last = this.#last;
    const group = last !== null && last.deadline === deadline ? last : this.#groups.get(deadline);
    if (group) {
      entry.timeoutSlot = group.members.push(entry) - 1;
      group.live++;
      entry.timeoutGroup = group;
      this.#last = group;
      return;
    }
    const members: (Expiring | null)[] = [entry];
    const timer = this.#clock.setTimeout(() => this.#expire(deadline, members), timeoutMs);
    const created: TimeoutGroup = { deadline, timer, members, live: 1 };
    this.#groups.set(deadline, created);
    entry.timeoutGroup = created;
    entry.timeoutSlot = 0;
    this.#last = created;
  }

  /** The attempt ended before its deadline. */
  release(entry: Expiring): void {
    const group = entry.timeoutGroup;
    entry.timeoutGroup = null;
    // Not in it (any more): it expired, or was released already.
    if (group === null || group.members[entry.timeoutSlot] !== entry) return;
    group.members[entry.timeoutSlot] = null;
    if (--group.live > 0) return;
    group.timer.cancel();
    if (this.#last === group) this.#last = null;
    if (this.#groups.get(group.deadline) === group) this.#groups.delete(group.deadline);
  }

  #expire(deadline: number, members: (Expiring | null)[]): void {
    if (this.#last?.members === members) this.#last = null;
    if (this.#groups.get(deadline)?.members === members) this.#groups.delete(deadline);
    const expired = members.splice(0);
    for (const entry of expired) entry?.expire();
  }
}

/** Aborts an attempt with `ERR_TIMEOUT` when its deadline passes. */
export class AttemptTimeout implements Expiring {
  timeoutGroup: TimeoutGroup | null = null;
  timeoutSlot = -1;
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
