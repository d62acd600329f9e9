import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { FIRE_AHEAD_MS } from '../../src/scheduler/claim-loop.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { createTestScheduler } from '../helpers/scheduler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

describe('claiming ahead of the due time (fire-ahead window)', () => {
  it('records the run queued before its time, leased past it, and starts it exactly at the scheduled time', async () => {
    const { scheduler, clock, storage } = createTestScheduler();
    const startedAt: number[] = [];
    scheduler.handle('h', () => void startedAt.push(clock.now()));
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'h' } });
    await scheduler.start();

    await clock.advance(MINUTE - FIRE_AHEAD_MS - 1);
    expect(await storage.listRuns({ jobId: 'j' })).toEqual([]);

    await clock.advance(1);
    const [queued] = await storage.listRuns({ jobId: 'j' });
    expect(queued).toMatchObject({ status: 'queued', scheduledAt: new Date(T0 + MINUTE) });
    expect(queued!.lockedUntil!.getTime()).toBeGreaterThan(T0 + MINUTE);
    expect((await scheduler.getJob('j'))?.nextRunAt).toEqual(new Date(T0 + 2 * MINUTE));
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 1 });

    await clock.advance(FIRE_AHEAD_MS - 1);
    expect(startedAt).toEqual([]);
    await clock.advance(1);
    expect(startedAt).toEqual([T0 + MINUTE]);
    expect((await scheduler.listRuns('j'))[0]?.status).toBe('succeeded');
    await scheduler.stop();
  });

  it('hands the handler of a run claimed ahead the run as it started, not as it was when claimed', async () => {
    const { scheduler, clock } = createTestScheduler();
    const seen: unknown[] = [];
    scheduler.handle('h', ({ run, attempt, signal }) => {
      seen.push({ ...run, attempt, aborted: signal.aborted });
    });
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'h' } });
    await scheduler.start();
    await clock.advance(MINUTE - FIRE_AHEAD_MS);
    expect(scheduler.stats()).toMatchObject({ queued: 1 });
    await clock.advance(FIRE_AHEAD_MS);
    await clock.advance(MINUTE);
    const [first, second] = (await scheduler.listRuns('j')).reverse();
    const started = (run: typeof first) => ({
      ...run,
      status: 'running',
      finishedAt: null,
      durationMs: null,
      responseSnippet: null,
      attempt: 1,
      aborted: false,
    });
    expect(seen).toEqual([started(first), started(second)]);
    expect(first).toMatchObject({ startedAt: new Date(T0 + MINUTE), attempts: 1 });
    await scheduler.stop();
  });

  it('starts the runs of many jobs due at one instant together, from one timer', async () => {
    const { scheduler, clock } = createTestScheduler({ concurrency: 100 });
    const startedAt: number[] = [];
    scheduler.handle('h', () => void startedAt.push(clock.now()));
    for (let i = 0; i < 60; i++) {
      await scheduler.addJob({ id: `j${i}`, schedule: '* * * * *', target: { handler: 'h' } });
    }
    await scheduler.start();
    await clock.advance(MINUTE - FIRE_AHEAD_MS);
    // The claim loop's timer and the one start timer for the instant; no timer per run.
    expect(clock.pendingTimers).toBe(2);
    await clock.advance(FIRE_AHEAD_MS);
    expect(startedAt).toHaveLength(60);
    expect(new Set(startedAt)).toEqual(new Set([T0 + MINUTE]));
    await scheduler.stop();
  });

  it('calls the handlers of the runs due at one instant within that timer callback, none deferred', async () => {
    // A run's start is not queued behind the other runs of its instant as a promise continuation: the burst's
    // handlers are called one after another as the timer fires (a scheduler without listeners: `job.started`
    // listeners are awaited before each handler).
    const fake = new FakeClock('2026-01-01T00:00:00.000Z');
    let inTimer = false;
    const clock: Clock = {
      now: () => fake.now(),
      setTimeout: (callback, delayMs) =>
        fake.setTimeout(() => {
          inTimer = true;
          try {
            callback();
          } finally {
            inTimer = false;
          }
        }, delayMs),
    };
    const scheduler = new Scheduler({ clock, storage: new MemoryStorage(), concurrency: 100 });
    const calledInTimer: boolean[] = [];
    scheduler.handle('h', () => void calledInTimer.push(inTimer));
    for (let i = 0; i < 60; i++) {
      await scheduler.addJob({ id: `j${i}`, schedule: '* * * * *', target: { handler: 'h' } });
    }
    await scheduler.start();
    await fake.advance(MINUTE);
    expect(calledInTimer).toEqual(new Array(60).fill(true));
    expect((await scheduler.listRuns('j59'))[0]?.status).toBe('succeeded');
    await scheduler.stop();
  });

  it('removeJob aborts a run waiting for its time: it never starts', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    let calls = 0;
    scheduler.handle('h', () => void calls++);
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'h' } });
    await scheduler.start();
    await clock.advance(MINUTE - FIRE_AHEAD_MS / 2);
    expect(scheduler.stats().queued).toBe(1);
    await scheduler.removeJob('j');
    await clock.advance(MINUTE);
    expect(calls).toBe(0);
    expect(of('job.started')).toHaveLength(0);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    // Its run went with the job: nothing is left to release, and no error is reported for it.
    expect(of('error')).toEqual([]);
    await scheduler.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('removeJob aborts a running run without reporting its deleted record as an error', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    let signal: AbortSignal | undefined;
    scheduler.handle('h', (ctx) => {
      signal = ctx.signal;
      return new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
      );
    });
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { handler: 'h' } });
    await scheduler.start();
    await clock.advance(MINUTE);
    expect(scheduler.stats().running).toBe(1);
    await scheduler.removeJob('j');
    await clock.advance(0);
    expect(signal?.reason).toMatchObject({ code: 'ERR_ABORTED' });
    expect(of('job.failed').map((e) => e.error.code)).toEqual(['ERR_ABORTED']);
    expect(of('error')).toEqual([]);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    await scheduler.stop();
  });

  it('stop() releases a run waiting for its time; the next start runs it, at its time', async () => {
    const first = createTestScheduler();
    await first.scheduler.addJob({
      id: 'j',
      schedule: { every: '1m' },
      target: { url: 'https://a.example/j' },
    });
    await first.scheduler.start();
    await first.clock.advance(MINUTE - FIRE_AHEAD_MS / 2);
    const [waiting] = await first.storage.listRuns({ jobId: 'j' });
    await first.scheduler.stop();
    expect(first.clock.pendingTimers).toBe(0);
    expect(first.transport.requests).toHaveLength(0);
    expect(await first.storage.getRun(waiting!.id)).toMatchObject({
      status: 'queued',
      lockedUntil: new Date(0),
    });

    const second = createTestScheduler({ storage: first.storage, clock: first.clock, instanceId: 'next' });
    await second.scheduler.start();
    expect(second.transport.requests).toHaveLength(0);
    await second.clock.advance(FIRE_AHEAD_MS / 2);
    expect(second.transport.requests.map((r) => [r.at, r.headers['x-cronhook-scheduled-at']])).toEqual([
      [T0 + MINUTE, '2026-01-01T00:01:00.000Z'],
    ]);
    expect(await second.storage.getRun(waiting!.id)).toMatchObject({
      status: 'succeeded',
      instanceId: 'next',
    });
    await second.scheduler.stop();
  });

  describe("overlap 'skip' is judged at the start instant, not at the early claim", () => {
    async function slowJob(runMs: number) {
      const ctx = createTestScheduler();
      const started: number[] = [];
      ctx.scheduler.handle('slow', async ({ signal }) => {
        started.push(ctx.clock.now() - T0);
        await new Promise<void>((resolve) => {
          const t = ctx.clock.setTimeout(resolve, runMs);
          signal.addEventListener('abort', () => t.cancel());
        });
      });
      await ctx.scheduler.addJob({
        id: 'o',
        schedule: { every: '1m' },
        target: { handler: 'slow', timeoutMs: 600_000 },
        overlap: 'skip',
      });
      await ctx.scheduler.start();
      await ctx.clock.advance('2m');
      return { ...ctx, started };
    }

    it('runs the occurrence when the previous run ends inside the window', async () => {
      // The 1m run ends 100 ms before 2m: still going at the early claim, done at the instant.
      const { scheduler, started, of } = await slowJob(MINUTE - 100);
      expect(started).toEqual([MINUTE, 2 * MINUTE]);
      expect(of('job.skipped')).toHaveLength(0);
      await scheduler.stop({ timeoutMs: 0 });
    });

    it('skips it, with job.skipped at the instant, when the previous run is still going', async () => {
      const { scheduler, started, of, clock } = await slowJob(MINUTE + 100);
      expect(started).toEqual([MINUTE]);
      expect(of('job.skipped').map((e) => [e.at.getTime(), e.run.scheduledAt.getTime()])).toEqual([
        [T0 + 2 * MINUTE, T0 + 2 * MINUTE],
      ]);
      expect((await scheduler.listRuns('o', { status: 'skipped' }))[0]?.scheduledAt).toEqual(
        new Date(T0 + 2 * MINUTE),
      );
      expect(clock.now()).toBe(T0 + 2 * MINUTE);
      await scheduler.stop({ timeoutMs: 0 });
    });
  });

  it('keeps the window within a tenth of leaseMs, so the lease covers the wait', async () => {
    const { scheduler, clock, storage } = createTestScheduler({ leaseMs: 1000 });
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { url: 'https://a.example/j' } });
    await scheduler.start();
    await clock.advance(MINUTE - 101);
    expect(await storage.listRuns({ jobId: 'j' })).toEqual([]);
    await clock.advance(1);
    const [queued] = await storage.listRuns({ jobId: 'j' });
    expect(queued?.lockedUntil?.getTime()).toBe(T0 + MINUTE - 100 + 1000);
    await scheduler.stop();
  });

  it('never starts a waiting run early when the wall clock is set back', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    await scheduler.addJob({ id: 'j', schedule: { every: '1m' }, target: { url: 'https://a.example/j' } });
    await scheduler.start();
    await clock.advance(MINUTE - FIRE_AHEAD_MS / 2);
    await clock.set(clock.now() - 10_000);
    await clock.advance(FIRE_AHEAD_MS);
    expect(transport.requests).toHaveLength(0);
    await clock.advance(10_000);
    expect(transport.requests.map((r) => r.at)).toEqual([T0 + MINUTE]);
    await scheduler.stop();
  });
});

describe('attempt timeouts', () => {
  it('runs started at one instant share one timeout timer, and each still times out with ERR_TIMEOUT', async () => {
    const { scheduler, clock } = createTestScheduler({ concurrency: 50 });
    scheduler.handle(
      'stuck',
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    for (let i = 0; i < 20; i++) {
      await scheduler.addJob({
        id: `s${i}`,
        schedule: { every: '1m' },
        target: { handler: 'stuck', timeoutMs: 5000 },
      });
    }
    await scheduler.start();
    await clock.advance(MINUTE);
    expect(scheduler.stats().running).toBe(20);
    // The claim loop's timer and one timeout timer for the 20 attempts.
    expect(clock.pendingTimers).toBe(2);
    await clock.advance(5000);
    const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => scheduler.listRuns(`s${i}`)));
    expect(runs.map((r) => r[0]?.error?.code)).toEqual(new Array(20).fill('ERR_TIMEOUT'));
    expect(scheduler.stats().running).toBe(0);
    await scheduler.stop();
  });
});
