import { describe, expect, it } from 'vitest';
import { MAX_TIMER_DELAY_MS } from '../../src/clock.js';
import { internedCount } from '../../src/schedule/schedule.js';
import { createTestScheduler } from '../helpers/scheduler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('Scheduler timing', () => {
  it('runs a day of cron occurrences on one timer in milliseconds', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    for (let i = 0; i < 50; i++) {
      await scheduler.addJob({
        id: `job-${i}`,
        schedule: `${i % 60} * * * *`,
        target: { url: `https://a.example/${i}` },
      });
    }
    await scheduler.start();
    expect(clock.pendingTimers).toBe(1);
    const started = performance.now();
    await clock.advance('1d');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(transport.requests).toHaveLength(50 * 24);
    expect(clock.pendingTimers).toBe(1);
    await scheduler.stop();
  });

  it('shares one parsed expression between jobs with the same pattern and timezone', async () => {
    const { scheduler } = createTestScheduler();
    const before = internedCount();
    for (let i = 0; i < 1000; i++) {
      await scheduler.addJob({
        id: `same-${i}`,
        schedule: { cron: '17 4 * * *', timezone: 'Asia/Kathmandu' },
        target: { handler: 'x' },
      });
    }
    expect(internedCount() - before).toBe(1);
  });

  it('never fires early when the wall clock is set back, and never arms beyond 2^31-1 ms', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    await scheduler.addJob({
      id: 'far',
      schedule: { at: '2026-06-01T00:00:00Z' },
      target: { url: 'https://a.example/far' },
    });
    await scheduler.addJob({
      id: 'soon',
      schedule: { at: '2026-01-01T00:10:00Z' },
      target: { url: 'https://a.example/soon' },
    });
    await scheduler.start();
    expect(clock.nextTimerDelay()).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
    await clock.advance('5m');
    await clock.set(T0 + 5 * 60_000 - 3_600_000); // NTP sets the clock back one hour
    await clock.advance('10m');
    expect(transport.requests).toHaveLength(0);
    await clock.advance('55m');
    expect(transport.requests.map((r) => r.url)).toEqual(['https://a.example/soon']);
    expect(transport.requests[0]!.at).toBeGreaterThanOrEqual(Date.parse('2026-01-01T00:10:00Z'));
    await scheduler.stop();
  });

  it('notices a wall clock that jumps forward within a minute and applies catch-up', async () => {
    const { scheduler, clock, transport, of } = createTestScheduler();
    await scheduler.addJob({ id: 'hourly', schedule: '0 * * * *', target: { url: 'https://a.example/h' } });
    await scheduler.start();
    await clock.set(T0 + 5 * 3_600_000 + 30 * 60_000); // jump 5.5 h forward
    await clock.advance('1m');
    expect(transport.requests).toHaveLength(1);
    expect((await scheduler.listRuns('hourly', { status: 'succeeded' }))[0]?.trigger).toBe('catch-up');
    expect(of('job.missed')).toHaveLength(4);
    await scheduler.stop();
  });

  it('spreads starts with deterministic jitter within jitterMs', async () => {
    const starts: number[][] = [];
    for (let round = 0; round < 2; round++) {
      const { scheduler, clock, transport } = createTestScheduler();
      await scheduler.addJob({
        id: 'jit',
        schedule: { every: '1m' },
        target: { url: 'https://a.example/j' },
        jitterMs: 30_000,
      });
      await scheduler.start();
      await clock.advance('5m');
      starts.push(transport.requests.map((r) => r.at - Date.parse(r.headers['x-cronhook-scheduled-at']!)));
      await scheduler.stop();
    }
    expect(starts[0]).toEqual(starts[1]);
    expect(starts[0]!.every((d) => d >= 0 && d <= 30_000)).toBe(true);
    expect(new Set(starts[0]).size).toBeGreaterThan(1);
  });

  it('honours maxRuns, endAt and one-off at jobs', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    await scheduler.addJob({
      id: 'max',
      schedule: { every: '1m' },
      target: { url: 'https://a.example/max' },
      maxRuns: 2,
    });
    await scheduler.addJob({
      id: 'end',
      schedule: { every: '1m' },
      target: { url: 'https://a.example/end' },
      endAt: '2026-01-01T00:03:30Z',
    });
    await scheduler.addJob({
      id: 'once',
      schedule: { at: '2026-01-01T00:02:00Z' },
      target: { url: 'https://a.example/once' },
    });
    await scheduler.start();
    await clock.advance('10m');
    const count = (path: string) => transport.requestsTo(`https://a.example/${path}`).length;
    expect([count('max'), count('end'), count('once')]).toEqual([2, 3, 1]);
    expect((await scheduler.getJob('max'))?.nextRunAt).toBeNull();
    expect(await scheduler.nextRuns('once', 3)).toEqual([]);
    await scheduler.stop();
  });

  it('pauses and resumes without catching up the paused period', async () => {
    const { scheduler, clock, transport, of } = createTestScheduler();
    await scheduler.addJob({ id: 'p', schedule: { every: '1m' }, target: { url: 'https://a.example/p' } });
    await scheduler.start();
    await clock.advance('2m');
    await scheduler.pauseJob('p');
    await clock.advance('10m');
    expect(transport.requests).toHaveLength(2);
    await scheduler.resumeJob('p');
    await clock.advance('1m');
    expect(transport.requests).toHaveLength(3);
    expect(of('job.missed')).toHaveLength(0);
    expect(of('job.paused')).toHaveLength(1);
    expect(of('job.resumed')).toHaveLength(1);
    await scheduler.stop();
  });

  it('nextRuns lists the coming fire times, across DST', async () => {
    const { scheduler } = createTestScheduler({ start: '2026-03-27T12:00:00Z' });
    await scheduler.addJob({
      id: 'b',
      schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
      target: { handler: 'x' },
    });
    expect((await scheduler.nextRuns('b', 3)).map((d) => d.toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('runs a 02:30 Berlin job once on the spring-forward and fall-back days', async () => {
    for (const [start, days] of [
      ['2026-03-28T00:00:00Z', 3],
      ['2026-10-24T00:00:00Z', 3],
    ] as const) {
      const { scheduler, clock, transport } = createTestScheduler({ start });
      await scheduler.addJob({
        id: 'b',
        schedule: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        target: { url: 'https://a.example/b' },
      });
      await scheduler.start();
      await clock.advance(`${days}d`);
      expect(transport.requests).toHaveLength(days);
      await scheduler.stop();
    }
  });
});
