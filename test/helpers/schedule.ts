/**
 * Set-up for tests of `normalizeSchedule` and the occurrence functions (test/schedule/): the options a job
 * added at NOW would normalize its schedule with, the fire times of a schedule, and the error a bad input gets.
 */
import { expect } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { type NormalizeOptions, normalizeSchedule } from '../../src/schedule/normalize.js';
import { nextOccurrence } from '../../src/schedule/schedule.js';
import type { NormalizedSchedule, ScheduleInput } from '../../src/schedule/types.js';

export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Normalize options of job "job-1" added at NOW in UTC, with `over` applied. */
export const opts = (over: Partial<NormalizeOptions> = {}): NormalizeOptions => ({
  jobId: 'job-1',
  timezone: 'UTC',
  now: NOW,
  allowPastAt: false,
  ...over,
});

/** The next n fire times after `from`, as ISO strings. */
export function fires(schedule: NormalizedSchedule, from: string, n: number): string[] {
  const out: string[] = [];
  let cursor = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = nextOccurrence(schedule, cursor);
    if (next === null) break;
    out.push(new Date(next).toISOString());
    cursor = next;
  }
  return out;
}

/** The CronhookError normalizeSchedule throws for `input`; fails the test when it accepts it. */
export function rejection(input: unknown, over: Partial<NormalizeOptions> = {}): CronhookError {
  try {
    normalizeSchedule(input as ScheduleInput, opts(over));
  } catch (error) {
    expect(error).toBeInstanceOf(CronhookError);
    return error as CronhookError;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}
