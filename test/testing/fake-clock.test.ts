import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/clock.js';
import { FakeClock } from '../../src/testing/fake-clock.js';

describe('FakeClock', () => {
  it('fires timers in order as time passes, at their due time', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.date().toISOString()}`), 2000);
    clock.setTimeout(() => fired.push(`a@${clock.date().toISOString()}`), 1000);
    await clock.advance('1.5s');
    expect(fired).toEqual(['a@2026-01-01T00:00:01.000Z']);
    await clock.advance(500);
    expect(fired).toEqual(['a@2026-01-01T00:00:01.000Z', 'b@2026-01-01T00:00:02.000Z']);
  });

  it('fires timers armed by timers within the same advance, and settles promises in between', async () => {
    const clock = new FakeClock(0);
    const order: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 1000);
        order.push(clock.now());
      }
    })();
    await clock.advance(3000);
    expect(order).toEqual([1000, 2000, 3000]);
  });

  it('set jumps the wall clock without moving timers', async () => {
    const clock = new FakeClock(10_000);
    let firedAt = -1;
    clock.setTimeout(() => (firedAt = clock.now()), 1000);
    await clock.set(500_000);
    expect(firedAt).toBe(-1);
    await clock.advance(1000);
    expect(firedAt).toBe(501_000);
  });

  it('advanceToNextTimer, advanceUntil, cancel and the timer count', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const t = clock.setTimeout(() => n++, 50);
    clock.setTimeout(() => n++, 70);
    t.cancel();
    expect(clock.pendingTimers).toBe(1);
    expect(await clock.advanceToNextTimer()).toBe(true);
    expect([n, clock.now()]).toEqual([1, 70]);
    expect(await clock.advanceToNextTimer()).toBe(false);
    await expect(clock.advanceUntil(() => n > 5, 3)).rejects.toThrow('condition not met');
    expect(() => new FakeClock('not a date')).toThrow(TypeError);
    await expect(clock.advance('soon')).rejects.toThrow(TypeError);
  });
});
