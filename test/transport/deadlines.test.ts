import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Deadlined, Deadlines } from '../../src/transport/deadlines.js';

function entry(): Deadlined & { expired: number } {
  return {
    deadlineGroup: null,
    expired: 0,
    expire() {
      this.expired++;
    },
  };
}

describe('Deadlines (the transport’s shared request deadlines)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each request of a shared millisecond at its deadline, also after another one ended', () => {
    const deadlines = new Deadlines();
    const [a, b, c] = [entry(), entry(), entry()];
    const now = performance.now();
    deadlines.add(a, now, 100);
    deadlines.add(b, now, 100);
    deadlines.add(c, now, 200);
    deadlines.release(a);
    vi.advanceTimersByTime(99);
    expect([a.expired, b.expired, c.expired]).toEqual([0, 0, 0]);
    vi.advanceTimersByTime(1);
    expect([a.expired, b.expired, c.expired]).toEqual([0, 1, 0]);
    vi.advanceTimersByTime(100);
    expect([a.expired, b.expired, c.expired]).toEqual([0, 1, 1]);
  });

  it('gives a request of a millisecond whose earlier requests all ended a timer of its own', () => {
    const deadlines = new Deadlines();
    const [a, b] = [entry(), entry()];
    const now = performance.now();
    deadlines.add(a, now, 100);
    deadlines.release(a);
    deadlines.add(b, now, 100);
    vi.advanceTimersByTime(100);
    expect([a.expired, b.expired]).toEqual([0, 1]);
  });

  it('never expires a request before its timeout: a deadline within a millisecond is rounded up', () => {
    const deadlines = new Deadlines();
    const late = entry();
    vi.advanceTimersByTime(0.4);
    deadlines.add(late, performance.now(), 100);
    vi.advanceTimersByTime(100);
    expect(late.expired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(late.expired).toBe(1);
  });

  it('arms no timer once every request of a deadline has ended', () => {
    const deadlines = new Deadlines();
    const [a, b] = [entry(), entry()];
    const now = performance.now();
    deadlines.add(a, now, 50);
    deadlines.add(b, now, 50);
    deadlines.release(b);
    deadlines.release(a);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect([a.expired, b.expired]).toEqual([0, 0]);
  });
});
