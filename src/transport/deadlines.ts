import { FreshMap } from '../fresh-collections.js';

/** Something that ends at a deadline unless it is released first. */
export interface Deadlined {
  /** The deadline's key, set by {@link Deadlines.add}. */
  deadlineKey: number;
  expire(): void;
}

interface Group {
  timer: NodeJS.Timeout;
  members: Set<Deadlined>;
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
  readonly #groups = new FreshMap<number, Group>();

  /** Calls `entry.expire()` once `timeoutMs` have passed since `now` (a `performance.now()` reading). */
  add(entry: Deadlined, now: number, timeoutMs: number): void {
    const key = Math.ceil(now + timeoutMs);
    entry.deadlineKey = key;
    const group = this.#groups.get(key);
    if (group !== undefined) {
      group.members.add(entry);
      return;
    }
    const members = new Set<Deadlined>([entry]);
    // Whole milliseconds: Node keeps a timer list per distinct delay.
    const timer = setTimeout(() => this.#expire(key, members), Math.ceil(key - performance.now()));
    this.#groups.set(key, { timer, members });
  }

  /** `entry` ended before its deadline. */
  release(entry: Deadlined): void {
    const group = this.#groups.get(entry.deadlineKey);
    if (group === undefined || !group.members.delete(entry) || group.members.size > 0) return;
    clearTimeout(group.timer);
    this.#groups.delete(entry.deadlineKey);
  }

  #expire(key: number, members: Set<Deadlined>): void {
    if (this.#groups.get(key)?.members === members) this.#groups.delete(key);
    const expired = [...members];
    members.clear();
    for (const entry of expired) entry.expire();
  }
}
