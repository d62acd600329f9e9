import { describe, expect, it } from 'vitest';
import {
  MAX_ON_TIME_RUNS,
  type OccurrenceBounds,
  type PlanOptions,
  planOccurrences,
  planTakenOver,
} from '../../src/schedule/occurrences.js';
import type { CatchUpPolicy, NormalizedSchedule } from '../../src/schedule/types.js';

// The pure catch-up plan: which due occurrences of a claimed job run, which are missed, and how the
// missed ones are recorded. The scheduler-level behaviour is in test/scheduler/catch-up.test.ts.

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SECOND = 1000;
const EVERY_5S: NormalizedSchedule = { kind: 'every', everyMs: 5000, anchor: new Date(T0).toISOString() };
const OPTIONS: PlanOptions = { misfireThresholdMs: 60_000, missedRows: 100 };

function job(over: Partial<OccurrenceBounds> & { catchUp?: CatchUpPolicy } = {}): OccurrenceBounds {
  return {
    schedule: EVERY_5S,
    nextRunAt: new Date(T0 + 5 * SECOND),
    startAt: null,
    endAt: null,
    maxRuns: null,
    runCount: 0,
    enabled: true,
    catchUp: 'latest',
    ...over,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe('planOccurrences', () => {
  it('runs one on-time occurrence as scheduled, and nothing before it is due', () => {
    expect(planOccurrences(job(), T0 + 4999, OPTIONS).runs).toEqual([]);
    const plan = planOccurrences(job(), T0 + 5 * SECOND + 200, OPTIONS);
    expect(plan.runs).toEqual([{ at: T0 + 5 * SECOND, trigger: 'schedule' }]);
    expect(plan.missed).toBeNull();
    expect(plan.nextRunAt?.getTime()).toBe(T0 + 10 * SECOND);
    expect(plan.runCount).toBe(1);
  });

  it("'latest' after 3 minutes down runs the newest occurrence once and counts the other 35 as missed", () => {
    const now = T0 + 3 * 60 * SECOND + 2 * SECOND; // 00:03:02; due: 00:00:05 … 00:03:00 (36)
    const plan = planOccurrences(job(), now, OPTIONS);
    expect(plan.runs).toEqual([{ at: T0 + 180 * SECOND, trigger: 'schedule' }]);
    expect(plan.missed).toEqual({ count: 35, first: T0 + 5 * SECOND, last: T0 + 175 * SECOND });
    expect(plan.missedRows).toHaveLength(35);
    expect(plan.missedRows.map(iso).slice(0, 2)).toEqual(['00:00:05', '00:00:10']);
    expect(plan.nextRunAt?.getTime()).toBe(T0 + 185 * SECOND);
  });

  it('runs every due occurrence, in order, while the oldest is within the misfire threshold', () => {
    const plan = planOccurrences(job(), T0 + 30 * SECOND, OPTIONS); // 6 due, the oldest 25 s late
    expect(plan.runs.map((r) => `${iso(r.at)} ${r.trigger}`)).toEqual(
      ['00:00:05', '00:00:10', '00:00:15', '00:00:20', '00:00:25', '00:00:30'].map((at) => `${at} schedule`),
    );
    expect(plan.missed).toBeNull();
    expect(plan.nextRunAt?.getTime()).toBe(T0 + 35 * SECOND);
    // With a lower threshold the same backlog is a misfire: 'latest' runs the newest once.
    const strict = planOccurrences(job(), T0 + 30 * SECOND, { ...OPTIONS, misfireThresholdMs: 10_000 });
    expect(strict.runs.map((r) => iso(r.at))).toEqual(['00:00:30']);
    expect(strict.missed?.count).toBe(5);
  });

  it('runs a long on-time backlog a bounded batch at a time', () => {
    const perSecond: NormalizedSchedule = { kind: 'cron', cron: '* * * * * *', timezone: 'UTC' };
    const bounds = job({ schedule: perSecond, nextRunAt: new Date(T0 + SECOND) });
    const plan = planOccurrences(bounds, T0 + 3_000 * SECOND, { ...OPTIONS, misfireThresholdMs: 3_600_000 });
    expect(plan.runs).toHaveLength(MAX_ON_TIME_RUNS);
    expect(plan.runs.at(-1)?.at).toBe(T0 + MAX_ON_TIME_RUNS * SECOND);
    expect(plan.nextRunAt?.getTime()).toBe(T0 + (MAX_ON_TIME_RUNS + 1) * SECOND); // claimed again at once
    expect(plan.missed).toBeNull();
  });

  it("'latest' marks the run catch-up when even the newest due occurrence is late", () => {
    const daily: NormalizedSchedule = { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' };
    const plan = planOccurrences(
      job({ schedule: daily, nextRunAt: new Date('2026-01-01T03:00:00Z') }),
      Date.parse('2026-01-03T09:00:00Z'),
      OPTIONS,
    );
    expect(plan.runs).toEqual([{ at: Date.parse('2026-01-03T03:00:00Z'), trigger: 'catch-up' }]);
    expect(plan.missed).toEqual({
      count: 2,
      first: Date.parse('2026-01-01T03:00:00Z'),
      last: Date.parse('2026-01-02T03:00:00Z'),
    });
  });

  it("'skip' runs the newest only when it is on time; a single late occurrence is missed", () => {
    const onTime = planOccurrences(job({ catchUp: 'skip' }), T0 + 182 * SECOND, OPTIONS);
    expect(onTime.runs.map((r) => iso(r.at))).toEqual(['00:03:00']);
    expect(onTime.missed?.count).toBe(35);
    const late = planOccurrences(job({ catchUp: 'skip' }), T0 + 67_500, {
      ...OPTIONS,
      misfireThresholdMs: 1000,
    });
    expect(late.runs).toEqual([]);
    expect(late.missed).toEqual({ count: 13, first: T0 + 5 * SECOND, last: T0 + 65 * SECOND });
  });

  it('the misfire threshold decides whether one late occurrence is still on time', () => {
    const lateBy90s = T0 + 95 * SECOND;
    const hourly: NormalizedSchedule = { kind: 'cron', cron: '0 * * * *', timezone: 'UTC' };
    const bounds = job({ schedule: hourly, nextRunAt: new Date(T0), catchUp: 'skip' });
    expect(planOccurrences(bounds, lateBy90s, OPTIONS).runs).toEqual([]);
    expect(planOccurrences(bounds, lateBy90s, { ...OPTIONS, misfireThresholdMs: 120_000 }).runs).toEqual([
      { at: T0, trigger: 'schedule' },
    ]);
  });

  it('{ max: n } runs the newest n in order and misses the rest; maxRuns caps the runs', () => {
    const plan = planOccurrences(job({ catchUp: { max: 3 } }), T0 + 181 * SECOND, OPTIONS);
    expect(plan.runs.map((r) => `${iso(r.at)} ${r.trigger}`)).toEqual([
      '00:02:50 schedule',
      '00:02:55 schedule',
      '00:03:00 schedule',
    ]);
    expect(plan.missed).toEqual({ count: 33, first: T0 + 5 * SECOND, last: T0 + 165 * SECOND });
    const capped = planOccurrences(
      job({ catchUp: { max: 3 }, maxRuns: 2, runCount: 1 }),
      T0 + 181 * SECOND,
      OPTIONS,
    );
    expect(capped.runs.map((r) => iso(r.at))).toEqual(['00:02:50']);
    expect(capped.runCount).toBe(2);
    expect(capped.nextRunAt).toBeNull();
  });

  it('records only the newest `missedRows` missed occurrences, and still counts them all', () => {
    const plan = planOccurrences(job(), T0 + 181 * SECOND, { ...OPTIONS, missedRows: 1 });
    expect(plan.missedRows.map(iso)).toEqual(['00:02:55']);
    expect(plan.missed?.count).toBe(35);
  });

  it('finds the newest occurrence of a per-second cron job down for three days, with bounded work', () => {
    const perSecond: NormalizedSchedule = { kind: 'cron', cron: '* * * * * *', timezone: 'Europe/Berlin' };
    const now = Date.parse('2026-01-04T00:00:00.400Z');
    const plan = planOccurrences(
      job({ schedule: perSecond, nextRunAt: new Date('2026-01-01T00:00:01Z') }),
      now,
      OPTIONS,
    );
    expect(plan.runs).toEqual([{ at: now - 400, trigger: 'schedule' }]);
    expect(plan.missed).toEqual({
      count: 3 * 86_400 - 1,
      first: Date.parse('2026-01-01T00:00:01Z'),
      last: now - 1400,
    });
    expect(plan.missedRows).toHaveLength(100);
  });

  it('stops at endAt: nothing after it runs, and the job has no next occurrence', () => {
    const plan = planOccurrences(job({ endAt: new Date(T0 + 12 * SECOND) }), T0 + 90 * SECOND, OPTIONS);
    expect(plan.runs.map((r) => iso(r.at))).toEqual(['00:00:10']);
    expect(plan.missed?.count).toBe(1);
    expect(plan.nextRunAt).toBeNull();
    const onTime = planOccurrences(job({ endAt: new Date(T0 + 12 * SECOND) }), T0 + 30 * SECOND, OPTIONS);
    expect(onTime.runs.map((r) => iso(r.at))).toEqual(['00:00:05', '00:00:10']);
    expect(onTime.nextRunAt).toBeNull();
  });
});

describe('planTakenOver (an occurrence claimed before a stop, taken over at restart)', () => {
  const released = T0 + 10 * SECOND; // claimed ahead, never started; the job moved on to 00:00:15
  const bounds = (catchUp: CatchUpPolicy) => job({ catchUp, nextRunAt: new Date(T0 + 15 * SECOND) });

  it('runs as scheduled when taken over within the misfire threshold, whatever is due after it', () => {
    for (const catchUp of ['skip', 'latest', { max: 1 }] as const) {
      expect(planTakenOver(bounds(catchUp), released, T0 + 50 * SECOND, 3, OPTIONS)).toEqual({
        at: released,
        trigger: 'schedule',
      });
    }
  });

  it("later, 'latest' and 'skip' miss it when newer occurrences are due, or ran already", () => {
    const late = T0 + 3 * 60 * SECOND;
    expect(planTakenOver(bounds('latest'), released, late, 0, OPTIONS)).toBeNull();
    expect(planTakenOver(bounds('skip'), released, late, 0, OPTIONS)).toBeNull();
    const advanced = job({ nextRunAt: new Date(late + 5 * SECOND) }); // another instance ran up to now
    expect(planTakenOver(advanced, released, late, 1, OPTIONS)).toBeNull();
  });

  it('later, { max: n } runs it while it is among the newest n due', () => {
    const daily: NormalizedSchedule = { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' };
    const at = Date.parse('2026-01-01T03:00:00Z');
    const now = Date.parse('2026-01-02T05:00:00Z'); // 03:00 on the 2nd is due too
    const bounds2 = (max: number) =>
      job({ schedule: daily, catchUp: { max }, nextRunAt: new Date('2026-01-02T03:00:00Z') });
    expect(planTakenOver(bounds2(2), at, now, 0, OPTIONS)).toEqual({ at, trigger: 'catch-up' });
    expect(planTakenOver(bounds2(1), at, now, 0, OPTIONS)).toBeNull();
  });

  it("alone and late: 'latest' catches it up, 'skip' misses it", () => {
    const daily: NormalizedSchedule = { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' };
    const at = Date.parse('2026-01-01T03:00:00Z');
    const now = Date.parse('2026-01-01T05:00:00Z');
    const alone = (catchUp: CatchUpPolicy) =>
      job({ schedule: daily, catchUp, nextRunAt: new Date('2026-01-02T03:00:00Z') });
    expect(planTakenOver(alone('latest'), at, now, 0, OPTIONS)).toEqual({ at, trigger: 'catch-up' });
    expect(planTakenOver(alone('skip'), at, now, 0, OPTIONS)).toBeNull();
  });
});
