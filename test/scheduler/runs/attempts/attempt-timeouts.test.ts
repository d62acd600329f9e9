import { describe, expect, it } from 'vitest';
import { AttemptTimeouts, type Expiring } from '../../../../src/scheduler/runs/attempts/attempt-timeouts.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';

function entry(name: string, expired: string[]): Expiring {
  return { timeoutGroup: null, timeoutSlot: -1, expire: () => expired.push(name) };
}

// Attempt timeouts that share a deadline share one timer: what expires, and when the timer goes.
describe('AttemptTimeouts', () => {
  it('expires the attempts of a deadline still under way, in the order they started, and no released one', async () => {
    const clock = new FakeClock();
    const timeouts = new AttemptTimeouts(clock);
    const expired: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => entry(name, expired)) as [
      Expiring,
      Expiring,
      Expiring,
      Expiring,
    ];
    for (const e of [a, b, c, d]) timeouts.start(e, 1000);
    expect(clock.pendingTimers).toBe(1);
    timeouts.release(b);
    timeouts.release(b);
    timeouts.release(d);
    await clock.advance(999);
    expect(expired).toEqual([]);
    await clock.advance(1);
    expect(expired).toEqual(['a', 'c']);
    // Released after it expired: nothing left to do.
    timeouts.release(a);
    await clock.advance(5000);
    expect(expired).toEqual(['a', 'c']);
  });

  it("cancels a deadline's timer once all of its attempts are released, and starts a new group after", async () => {
    const clock = new FakeClock();
    const timeouts = new AttemptTimeouts(clock);
    const expired: string[] = [];
    const a = entry('a', expired);
    const b = entry('b', expired);
    timeouts.start(a, 1000);
    timeouts.start(b, 1000);
    timeouts.release(a);
    expect(clock.pendingTimers).toBe(1);
    timeouts.release(b);
    expect(clock.pendingTimers).toBe(0);
    const c = entry('c', expired);
    timeouts.start(c, 1000);
    timeouts.start(a, 1000);
    expect(clock.pendingTimers).toBe(1);
    timeouts.release(c);
    await clock.advance(1000);
    expect(expired).toEqual(['a']);
  });
});
