import { describe, expect, it } from 'vitest';
import { createTestScheduler } from '../helpers/scheduler.js';

// The catchUp policies side by side on one job down for 65 minutes, and maxMissedEvents. The policies'
// edges (misfire threshold, restarts, summaries) are in catch-up.test.ts.

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('catch-up after downtime', () => {
  async function downtime(catchUp: 'skip' | 'latest' | { max: number }) {
    const ctx = createTestScheduler();
    await ctx.scheduler.addJob({
      id: 'j',
      schedule: '*/10 * * * *',
      target: { url: 'https://a.example/j' },
      catchUp,
    });
    await ctx.clock.set(T0 + 60 * 60_000 + 5 * 60_000); // down for 65 minutes: 6 occurrences missed
    await ctx.scheduler.start();
    await ctx.clock.advance(0);
    return ctx;
  }

  it("'skip' emits job.missed for each missed occurrence and waits for the next", async () => {
    const { scheduler, transport, of, clock } = await downtime('skip');
    expect(transport.requests).toHaveLength(0);
    expect(of('job.missed').map((e) => e.run.scheduledAt.toISOString().slice(11, 16))).toEqual([
      '00:10',
      '00:20',
      '00:30',
      '00:40',
      '00:50',
      '01:00',
    ]);
    await clock.advance('5m');
    expect(transport.requests.map((r) => r.headers['x-cronhook-scheduled-at'])).toEqual([
      '2026-01-01T01:10:00.000Z',
    ]);
    await scheduler.stop();
  });

  it("'latest' runs the newest missed occurrence once, now", async () => {
    const { scheduler, transport, of } = await downtime('latest');
    expect(transport.requests.map((r) => r.headers['x-cronhook-scheduled-at'])).toEqual([
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(of('job.missed')).toHaveLength(5);
    await scheduler.stop();
  });

  it('{ max: n } runs the last n missed occurrences in order', async () => {
    const { scheduler, transport, clock } = await downtime({ max: 3 });
    await clock.advance(0);
    expect(transport.requests.map((r) => r.headers['x-cronhook-scheduled-at'])).toEqual([
      '2026-01-01T00:40:00.000Z',
      '2026-01-01T00:50:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    await scheduler.stop();
  });

  it('caps job.missed events with maxMissedEvents', async () => {
    const ctx = createTestScheduler({ maxMissedEvents: 2 });
    await ctx.scheduler.addJob({
      id: 'j',
      schedule: '*/10 * * * *',
      target: { url: 'https://a.example/j' },
      catchUp: 'skip',
    });
    await ctx.clock.set(T0 + 3 * 3_600_000);
    await ctx.scheduler.start();
    expect(ctx.of('job.missed').map((e) => e.run.scheduledAt.toISOString())).toEqual([
      '2026-01-01T02:40:00.000Z',
      '2026-01-01T02:50:00.000Z',
    ]);
    // The 03:00 occurrence is due at the moment of start: on time, so it runs.
    expect(ctx.transport.requests).toHaveLength(1);
    await ctx.scheduler.stop();
  });
});
