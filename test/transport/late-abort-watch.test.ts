import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LateAbortWatch, type LateWatched, WATCH_AFTER_MS } from '../../src/transport/late-abort-watch.js';

describe('LateAbortWatch', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function entry(log: string[], name: string): LateWatched {
    return { watch: () => log.push(`${name}@${performance.now()}`) };
  }

  it(`hands each request over ${WATCH_AFTER_MS} ms after it was sent, in sending order, from one timer`, () => {
    const watch = new LateAbortWatch();
    const log: string[] = [];
    watch.add(entry(log, 'a'), performance.now());
    vi.advanceTimersByTime(1);
    watch.add(entry(log, 'b'), performance.now());
    watch.add(entry(log, 'c'), performance.now());
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(WATCH_AFTER_MS - 1);
    expect(log).toEqual([`a@${WATCH_AFTER_MS}`]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual([`a@${WATCH_AFTER_MS}`, `b@${WATCH_AFTER_MS + 1}`, `c@${WATCH_AFTER_MS + 1}`]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps going under a steady flow (the queue is trimmed as it is passed)', () => {
    const watch = new LateAbortWatch();
    let watched = 0;
    const counted: LateWatched = { watch: () => watched++ };
    for (let ms = 0; ms < 500; ms++) {
      for (let i = 0; i < 10; i++) watch.add(counted, performance.now());
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(WATCH_AFTER_MS);
    expect(watched).toBe(5_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
