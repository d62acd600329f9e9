import { describe, expect, it } from 'vitest';
import { createTestScheduler } from '../helpers/scheduler.js';

// The overlap policies: what happens to an occurrence due while the job's previous run is still going.

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('overlap', () => {
  async function overlapping(overlap: 'skip' | 'allow' | 'queue') {
    const ctx = createTestScheduler();
    const started: number[] = [];
    ctx.scheduler.handle('slow', async ({ signal }) => {
      started.push(ctx.clock.now() - T0);
      await new Promise<void>((resolve) => {
        const t = ctx.clock.setTimeout(resolve, 90_000);
        signal.addEventListener('abort', () => t.cancel());
      });
    });
    await ctx.scheduler.addJob({
      id: 'o',
      schedule: { every: '1m' },
      target: { handler: 'slow', timeoutMs: 600_000 },
      overlap,
    });
    await ctx.scheduler.start();
    await ctx.clock.advance('4m');
    return { ...ctx, started };
  }

  it("'skip' skips an occurrence due while the previous run is going, with job.skipped", async () => {
    const { scheduler, started, of } = await overlapping('skip');
    // Each run takes 90 s: 1m starts, 2m is skipped, 3m starts, 4m is skipped.
    expect(started).toEqual([60_000, 180_000]);
    expect(of('job.skipped').map((e) => e.run.scheduledAt.getTime() - T0)).toEqual([120_000, 240_000]);
    expect((await scheduler.listRuns('o', { status: 'skipped' })).length).toBe(2);
    await scheduler.stop({ timeoutMs: 0 });
  });

  it("'allow' starts every occurrence", async () => {
    const { scheduler, started } = await overlapping('allow');
    expect(started).toEqual([60_000, 120_000, 180_000, 240_000]);
    await scheduler.stop({ timeoutMs: 0 });
  });

  it("'queue' starts each occurrence when the previous one finishes", async () => {
    const { scheduler, started } = await overlapping('queue');
    expect(started).toEqual([60_000, 150_000, 240_000]);
    await scheduler.stop({ timeoutMs: 0 });
  });
});
