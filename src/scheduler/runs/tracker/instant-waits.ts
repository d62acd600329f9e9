import type { Clock } from '../../../clock.js';
import { MinHeap } from '../../../heap.js';
import { WakeTimer } from '../../../timer.js';

/**
 * Items waiting for an instant, grouped by it, with one {@link WakeTimer} armed for the earliest group: every
 * item due at one instant is handed to `onDue` from one timer callback, in the order it was added.
 */
export class InstantWaits<T> {
  readonly #clock: Clock;
  readonly #onDue: (item: T) => void;
  readonly #groups = new Map<number, T[]>();
  readonly #instants = new MinHeap();
  readonly #timer: WakeTimer;

  constructor(clock: Clock, onDue: (item: T) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
    this.#timer = new WakeTimer(clock, () => this.#fire());
  }

  /** Hands `item` to `onDue` once the clock reaches `at`. */
  add(item: T, at: number): void {
    let group = this.#groups.get(at);
    if (!group) {
      group = [];
      this.#groups.set(at, group);
      this.#instants.push(at, '');
      this.#timer.wakeAt(at);
    }
    group.push(item);
  }

  /** Forgets every waiting item and disarms the timer. */
  clear(): void {
    this.#groups.clear();
    this.#instants.clear();
    this.#timer.cancel();
  }

  /** Hands over every group whose instant has come, then re-arms for the next one. */
  #fire(): void {
    const now = this.#clock.now();
    for (;;) {
      const at = this.#instants.peekTime();
      if (at === undefined) return;
      if (at > now) {
        this.#timer.wakeAt(at);
        return;
      }
      this.#instants.pop();
      const group = this.#groups.get(at);
      this.#groups.delete(at);
      if (group === undefined) continue;
      // Indexed: this loop runs once per instant, mostly before it is optimized, where each step of an
      // iterator allocates its result (thousands per burst, at the instant).
      for (let i = 0; i < group.length; i++) this.#onDue(group[i]!);
    }
  }
}
