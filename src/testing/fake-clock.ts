import type { Clock, ClockTimer } from '../clock.js';
import { MAX_TIMER_DELAY_MS } from '../clock.js';
import { parseDuration } from '../schedule/normalize.js';

interface FakeTimer {
  id: number;
  /** Monotonic due time: wall-clock jumps (`set`) do not move it, as with real Node timers. */
  due: number;
  callback: () => void;
}

/** Lets pending promise chains (storage calls, listeners) settle before time moves on. */
export async function flushPromises(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A manual clock for tests: the scheduler runs on it with no real waiting, so a day of cron occurrences
 * takes milliseconds.
 *
 * @example
 * const clock = new FakeClock('2026-03-29T00:00:00Z');
 * const scheduler = new Scheduler({ clock, transport: new MockTransport() });
 * await scheduler.start();
 * await clock.advance('1h'); // fires every timer due in the next hour, in order
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono = 0;
  #nextId = 1;
  #timers: FakeTimer[] = [];

  /** @param start the wall-clock time to begin at. @default '2026-01-01T00:00:00.000Z' */
  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.#wall = toMs(start);
  }

  now(): number {
    return this.#wall;
  }

  /** The current time as a Date. */
  date(): Date {
    return new Date(this.#wall);
  }

  setTimeout(callback: () => void, delayMs: number): ClockTimer {
    const delay = Math.min(Math.max(0, Number.isFinite(delayMs) ? delayMs : 0), MAX_TIMER_DELAY_MS);
    const timer: FakeTimer = { id: this.#nextId++, due: this.#mono + delay, callback };
    this.#timers.push(timer);
    return {
      cancel: () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
      },
      unref: () => {},
    };
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Milliseconds until the next timer fires, or null when none is armed. */
  nextTimerDelay(): number | null {
    const next = this.#earliest();
    return next === undefined ? null : next.due - this.#mono;
  }

  /**
   * Jumps the wall clock (NTP correction, VM resume) without letting time pass for timers, as a real clock
   * jump does. Then lets pending promises settle.
   */
  async set(time: Date | string | number): Promise<void> {
    this.#wall = toMs(time);
    await flushPromises();
  }

  /**
   * Lets `duration` pass (ms or `'90s'`, `'15m'`, `'2h'`, `'1d'`): fires every timer due on the way, in order,
   * letting promises settle after each.
   */
  async advance(duration: number | string): Promise<void> {
    const ms = parseDuration(duration);
    if (Number.isNaN(ms) || ms < 0) throw new TypeError(`FakeClock: invalid duration ${String(duration)}`);
    const target = this.#mono + ms;
    await flushPromises();
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.due > target) break;
      this.#moveTo(next.due);
      this.#timers = this.#timers.filter((t) => t !== next);
      next.callback();
      await flushPromises();
    }
    this.#moveTo(target);
    await flushPromises();
  }

  /** Advances to the next timer and fires it (and any due at the same instant). False when none is armed. */
  async advanceToNextTimer(): Promise<boolean> {
    const delay = this.nextTimerDelay();
    if (delay === null) return false;
    await this.advance(delay);
    return true;
  }

  /** Advances until `condition()` holds, one timer at a time; throws after `maxTimers` timers. */
  async advanceUntil(condition: () => boolean, maxTimers = 10_000): Promise<void> {
    for (let i = 0; i < maxTimers; i++) {
      await flushPromises();
      if (condition()) return;
      if (!(await this.advanceToNextTimer())) break;
    }
    await flushPromises();
    if (!condition()) throw new Error('FakeClock.advanceUntil: condition not met');
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers)
      if (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }

  #moveTo(mono: number): void {
    this.#wall += mono - this.#mono;
    this.#mono = mono;
  }
}

function toMs(time: Date | string | number): number {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
  if (!Number.isFinite(ms)) throw new TypeError(`FakeClock: invalid time ${String(time)}`);
  return ms;
}
