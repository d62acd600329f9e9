import type { Clock, ClockTimer } from './clock.js';
import { MAX_TIMER_DELAY_MS } from './clock.js';

/** Options of {@link WakeTimer}. */
export interface WakeTimerOptions {
  /**
   * Longest a single arming may wait. Real timers run on monotonic time, so a wall clock that jumps forward
   * is only noticed when the timer next fires; capping the wait bounds how late that can be.
   * @default 60_000
   */
  maxWaitMs?: number;
  /** Let the process exit while only this timer is pending. @default false */
  unref?: boolean;
}

/**
 * One clock timer for many wake-ups: the scheduler's claim loop (one timer for all jobs), its runs waiting for
 * their instant and the notifier's dispatcher each hold one. At most one clock timer is armed: for the
 * earliest instant anyone asked to be woken at. It never fires early: on wake it re-reads the clock and re-arms if the
 * wall clock says the instant has not come (the clock was set back).
 */
export class WakeTimer {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  readonly #maxWaitMs: number;
  readonly #unref: boolean;
  #timer: ClockTimer | null = null;
  /** Wall-clock instant we want to wake at, or null when idle. */
  #target: number | null = null;

  constructor(clock: Clock, onWake: () => void, options: WakeTimerOptions = {}) {
    this.#clock = clock;
    this.#onWake = onWake;
    this.#maxWaitMs = Math.min(options.maxWaitMs ?? 60_000, MAX_TIMER_DELAY_MS);
    this.#unref = options.unref ?? false;
  }

  /** The instant the timer will wake for, or null. */
  get target(): number | null {
    return this.#target;
  }

  /** Wakes at `at` (epoch ms) unless already armed for an earlier instant. */
  wakeAt(at: number): void {
    if (this.#target !== null && this.#target <= at) return;
    this.#arm(at);
  }

  /** Replaces the wake-up instant, later or earlier; null disarms. */
  reset(at: number | null): void {
    this.cancel();
    if (at !== null) this.#arm(at);
  }

  cancel(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#target = null;
  }

  #arm(at: number): void {
    this.#timer?.cancel();
    this.#target = at;
    const delay = Math.max(0, Math.min(at - this.#clock.now(), this.#maxWaitMs));
    this.#timer = this.#clock.setTimeout(() => this.#fire(), delay);
    if (this.#unref) this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = null;
    const target = this.#target;
    if (target === null) return;
    if (this.#clock.now() < target) {
      this.#arm(target);
      return;
    }
    this.#target = null;
    this.#onWake();
  }
}
