import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelay } from '../../../src/notifier/delivery/attempt/attempt-outcome.js';

describe('retryDelay', () => {
  const schedule = [5_000, 60_000];

  it('follows the schedule by attempt number and ends after it', () => {
    expect(retryDelay(1, schedule, 0)).toBe(5_000);
    expect(retryDelay(2, schedule, 0)).toBe(60_000);
    expect(retryDelay(3, schedule, 0)).toBeNull();
  });

  it('spreads by at most ± the jitter fraction', () => {
    expect(retryDelay(1, schedule, 0.2, () => 0)).toBe(4_000);
    expect(retryDelay(1, schedule, 0.2, () => 0.5)).toBe(5_000);
    expect(retryDelay(1, schedule, 0.2, () => 0.999999)).toBe(6_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay seconds and HTTP dates, capped', () => {
    expect(parseRetryAfter('120', now, 3_600_000)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now, 3_600_000)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:05:00 GMT', now, 3_600_000)).toBe(300_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now, 3_600_000)).toBe(0);
    expect(parseRetryAfter('86400', now, 3_600_000)).toBe(3_600_000);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now, 1000)).toBeNull();
    expect(parseRetryAfter('soon', now, 1000)).toBeNull();
    expect(parseRetryAfter('-5', now, 1000)).toBeNull();
    expect(parseRetryAfter('1.5', now, 1000)).toBeNull();
    expect(parseRetryAfter('2026-01-01', now, 1000)).toBeNull();
  });
});
