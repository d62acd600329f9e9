import { FreshMap } from '../fresh-collections.js';

/** Something that ends at a deadline unless it is released first. */
export interface Deadlined {
  /** The group of its deadline, set by {@link Deadlines.add} (its release needs no lookup). */
  deadlineGroup: DeadlineGroup | null;
  expire(): void;
}

/** The entries that share a millisecond of deadlines, and its timer. */
export interface DeadlineGroup {
  readonly key: number;
  readonly timer: NodeJS.Timeout;
  readonly members: Set<Deadlined>;
}

/**
 * Deadlines on the monotonic clock (`performance.now()`), rounded up to the next millisecond, that share one
 * Node timer per millisecond: requests sent within the same millisecond with the same timeout (every request
 * of a busy sender) arm one timer between them instead of one each, and a request that ends in time is a
 * `Set` delete instead of a timer cancel. A deadline is never rounded down; the shared timer is an ordinary
 * Node timer for the whole milliseconds left, so it fires as a timer per request would, at most a
 * millisecond later.
 */
export class Deadlines {
  /** Fresh (see FreshMap): a group per millisecond of deadlines comes and goes. */
  readonly #groups = new FreshMap<number, DeadlineGroup>();
  /** The group joined or made last, while it is in #groups: the requests of a busy millisecond share it. */
  #last: DeadlineGroup | null = null;

  /** Calls `entry.expire()` once `timeoutMs` have passed since `now` (a `performance.now()` reading). */
  add(entry: Deadlined, now: number, timeoutMs: number): void {
    const key = Math.ceil(now + timeoutMs);
    const last = this.#last;
    const group = last !== null && last.key === key ? last : this.#groups.get(key);
    if (group !== undefined) {
      group.members.add(entry);
      entry.deadlineGroup = group;
      this.#last = group;
      return;
    }
    const members = new Set<Deadlined>([entry]);
    // Whole milliseconds: Node keeps a timer list per distinct delay.
    const timer = setTimeout(() => this.#expire(key, members), Math.ceil(key - now));
    const created = { key, timer, members };
    this.#groups.set(key, created);
    entry.deadlineGroup = created;
    this.#last = created;
  }

  /** `entry` ended before its deadline. */
  release(entry: Deadlined): void {
    const group = entry.deadlineGroup;
    entry.deadlineGroup = null;
    // Not in it (any more): it expired, or was released already.
    if (group === null || !group.members.delete(entry) || group.members.size > 0) return;
    clearTimeout(group.timer);
    if (this.#last === group) this.#last = null;
    if (this.#groups.get(group.key) === group) this.#groups.delete(group.key);
  }

  #expire(key: number, members: Set<Deadlined>): void {
    if (this.#last?.members === members) this.#last = null;
    if (this.#groups.get(key)?.members === members) this.#groups.delete(key);
    const expired = [...members];
    members.clear();
    for (const entry of expired) entry.expire();
  }
}
