/** A timer created by a {@link Clock}. */
export interface ClockTimer {
  /** Cancels the timer; calling it twice is harmless. */
  cancel(): void;
  /** Lets the process exit while only this timer is pending (real clock only). */
  unref?(): void;
}

/**
 * The only source of time in cronhook. Everything that reads the time or waits takes a Clock, so tests
 * can drive the scheduler with {@link FakeClock} and never sleep.
 */
export interface Clock {
  /** Current wall-clock time in epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `delayMs` (clamped to 0..2^31-1). */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
}

/** Largest delay Node's timers accept; longer ones fire at once, so they are never armed. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The real clock: `Date.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    return {
      cancel: () => clearTimeout(handle),
      unref: () => {
        handle.unref();
      },
    };
  },
};

/**
 * Waits `ms` on `clock`, rejecting with the signal's reason when it aborts first.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
