import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Run, SchedulerEvents } from '../../src/scheduler/types.js';
import { createTestScheduler } from '../helpers/scheduler.js';

// The scheduler's lifecycle events: their types, and listeners that throw or are awaited.
describe('Scheduler events', () => {
  it('a listener that throws becomes an error event and never breaks the run', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    scheduler.on('job.started', () => {
      throw new Error('listener bug');
    });
    scheduler.on(
      'job.succeeded',
      async () => {
        throw new Error('async listener bug');
      },
      { await: true },
    );
    await scheduler.addJob({ id: 'ok', schedule: { every: '1m' }, target: { url: 'https://a.example/ok' } });
    await scheduler.start();
    await clock.advance('2m');
    expect(of('job.succeeded')).toHaveLength(2);
    expect(of('error').map((e) => (e.error as Error).message)).toEqual([
      'listener bug',
      'async listener bug',
      'listener bug',
      'async listener bug',
    ]);
    await scheduler.stop();
  });

  it('awaited listeners finish before the run is stored as finished', async () => {
    const { scheduler, clock, storage } = createTestScheduler();
    const statusDuringListener: string[] = [];
    scheduler.on(
      'job.succeeded',
      async (e) => {
        statusDuringListener.push((await storage.getRun(e.run.id))!.status);
      },
      { await: true },
    );
    await scheduler.addJob({ id: 'ok', schedule: { every: '1m' }, target: { url: 'https://a.example/ok' } });
    await scheduler.start();
    await clock.advance('1m');
    expect(statusDuringListener).toEqual(['running']);
    expect((await scheduler.listRuns('ok'))[0]?.status).toBe('succeeded');
    await scheduler.stop();
  });

  it('types events: payload shapes per name, unknown names rejected', () => {
    const { scheduler } = createTestScheduler();
    scheduler.on('job.failed', (e) => {
      expectTypeOf(e.error.code).toEqualTypeOf<string>();
      expectTypeOf(e.run).toEqualTypeOf<Run>();
    });
    expectTypeOf<SchedulerEvents['job.retrying']['delayMs']>().toEqualTypeOf<number>();
    // @ts-expect-error unknown event name
    scheduler.on('job.exploded', () => {});
    // @ts-expect-error job.added carries no run
    scheduler.on('job.added', (e) => e.run);
  });
});
