import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock.js';
import { MAX_TIMER_DELAY_MS } from '../src/clock.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import { WakeTimer } from '../src/timer.js';

describe('WakeTimer', () => {
  it('keeps one timer armed for the earliest requested instant', async () => {
    const clock = new FakeClock(0);
    const wakes: number[] = [];
    const timer = new WakeTimer(clock, () => wakes.push(clock.now()));
    timer.wakeAt(5000);
    timer.wakeAt(3000);
    timer.wakeAt(9000);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10_000);
    expect(wakes).toEqual([3000]);
  });

  it('waits at most maxWaitMs per arming, and never more than 2^31-1 ms', () => {
    const clock = new FakeClock(0);
    new WakeTimer(clock, () => {}).wakeAt(10 * 86_400_000);
    expect(clock.nextTimerDelay()).toBe(60_000);
    const clock2 = new FakeClock(0);
    new WakeTimer(clock2, () => {}, { maxWaitMs: Number.MAX_SAFE_INTEGER }).wakeAt(100 * 86_400_000);
    expect(clock2.nextTimerDelay()).toBe(MAX_TIMER_DELAY_MS);
  });

  it('never fires early when the wall clock was set back while waiting', async () => {
    const clock = new FakeClock(100_000);
    const wakes: number[] = [];
    const timer = new WakeTimer(clock, () => wakes.push(clock.now()));
    timer.wakeAt(130_000);
    await clock.set(70_000);
    await clock.advance(30_000);
    expect(wakes).toEqual([]);
    await clock.advance(30_000);
    expect(wakes).toEqual([130_000]);
  });

  it('reset replaces the instant, cancel disarms, and unref is passed to the clock timer', async () => {
    const clock = new FakeClock(0);
    const wakes: number[] = [];
    const timer = new WakeTimer(clock, () => wakes.push(clock.now()));
    timer.wakeAt(1000);
    timer.reset(2000);
    await clock.advance(1500);
    expect(wakes).toEqual([]);
    timer.cancel();
    expect(clock.pendingTimers).toBe(0);
    let unrefs = 0;
    const spy: Clock = { now: () => 0, setTimeout: () => ({ cancel() {}, unref: () => void unrefs++ }) };
    new WakeTimer(spy, () => {}, { unref: true }).wakeAt(10);
    new WakeTimer(spy, () => {}).wakeAt(10);
    expect(unrefs).toBe(1);
  });
});
