import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

/** A scheduler with no event listeners (createTestScheduler records every event). */
function quietScheduler(): { scheduler: Scheduler; clock: FakeClock } {
  const clock = new FakeClock('2026-01-01T00:00:00.000Z');
  return { scheduler: new Scheduler({ clock, storage: new MemoryStorage() }), clock };
}

// Runs of in-process handlers: what a handler is given, what its run records, and how it is aborted.
describe('Scheduler runs', () => {
  it('passes job, run, payload and attempt to handlers and stores their result', async () => {
    const { scheduler, clock } = createTestScheduler();
    const seen: unknown[] = [];
    scheduler.handle<{ n: number }>('double', ({ payload, job, run, attempt }) => {
      seen.push([job.id, run.trigger, attempt]);
      return { doubled: payload.n * 2 };
    });
    await scheduler.addJob({
      id: 'h',
      schedule: '*/5 * * * *',
      target: { handler: 'double', payload: { n: 21 } },
    });
    await scheduler.start();
    await clock.advance('5m');
    expect(seen).toEqual([['h', 'schedule', 1]]);
    expect((await scheduler.listRuns('h'))[0]).toMatchObject({
      status: 'succeeded',
      responseSnippet: '{"doubled":42}',
    });
    await scheduler.stop();
  });

  it('aborts a handler on timeout and records ERR_TIMEOUT', async () => {
    const { scheduler, clock } = createTestScheduler();
    let aborted: unknown;
    scheduler.handle(
      'slow',
      ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason);
          });
        }),
    );
    await scheduler.addJob({
      id: 'slow',
      schedule: { every: '1m' },
      target: { handler: 'slow', timeoutMs: 5000 },
    });
    await scheduler.start();
    await clock.advance('1m');
    await clock.advance(5000);
    expect(aborted).toBeInstanceOf(CronhookError);
    expect((await scheduler.listRuns('slow'))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_TIMEOUT' },
    });
    await scheduler.stop();
  });

  it('fails a run whose handler is not registered, without retrying', async () => {
    const { scheduler, clock } = createTestScheduler();
    await scheduler.addJob({
      id: 'nohandler',
      schedule: { every: '1m' },
      target: { handler: 'missing' },
      retry: { attempts: 3 },
    });
    await scheduler.start();
    await clock.advance('1m');
    expect((await scheduler.listRuns('nohandler'))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'ERR_HANDLER_NOT_FOUND' },
    });
    await scheduler.stop();
  });

  // No listeners: a run's lone attempt is followed without an await (see Runner#execute), as apps run it.
  it('fails a lone run whose handler throws synchronously, or rejects, with its error; later runs go on', async () => {
    const { scheduler, clock } = quietScheduler();
    const outcomes = [
      () => {
        throw new Error('thrown at once');
      },
      () => Promise.reject(new Error('rejected later')),
      () => 'fine',
    ];
    let call = 0;
    scheduler.handle('moody', () => outcomes[call++]!());
    await scheduler.addJob({ id: 'moody', schedule: { every: '1m' }, target: { handler: 'moody' } });
    await scheduler.start();
    const idle = clock.pendingTimers;
    for (let minute = 0; minute < 3; minute++) {
      await clock.advance('1m');
      // Each attempt's timeout went with its end: the 30 s one of a failed attempt is not left armed.
      expect(clock.pendingTimers).toBe(idle);
    }
    const runs = (await scheduler.listRuns('moody')).reverse();
    expect(runs.map((r) => [r.status, r.attempts, r.error?.message ?? r.responseSnippet])).toEqual([
      ['failed', 1, 'thrown at once'],
      ['failed', 1, 'rejected later'],
      ['succeeded', 1, 'fine'],
    ]);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    await scheduler.stop();
  });

  it('fails a lone run whose handler is not registered, with ERR_HANDLER_NOT_FOUND', async () => {
    const { scheduler, clock } = quietScheduler();
    await scheduler.addJob({ id: 'lone', schedule: { every: '1m' }, target: { handler: 'missing' } });
    await scheduler.start();
    await clock.advance('1m');
    expect((await scheduler.listRuns('lone'))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'ERR_HANDLER_NOT_FOUND' },
    });
    await scheduler.stop();
  });

  it('stop() lets runs finish within the timeout, then aborts and records the rest as ERR_STOPPED', async () => {
    const { scheduler, clock } = createTestScheduler();
    let signalSeen: AbortSignal | undefined;
    scheduler.handle('forever', ({ signal }) => {
      signalSeen = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    await scheduler.addJob({
      id: 'forever',
      schedule: { every: '1m' },
      target: { handler: 'forever', timeoutMs: 3_600_000 },
    });
    await scheduler.start();
    await clock.advance('1m');
    const stopping = scheduler.stop({ timeoutMs: 2000 });
    await clock.advance(1999);
    expect(signalSeen?.aborted).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(signalSeen?.aborted).toBe(true);
    expect((await scheduler.listRuns('forever'))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_STOPPED' },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('triggered runs hand handlers and listeners their own job: changing it reaches no later run', async () => {
    const { scheduler } = createTestScheduler();
    const seen: Array<{ team: unknown; createdAt: number; payload: unknown }> = [];
    scheduler.handle('mutate', ({ job, payload }) => {
      seen.push({
        team: job.metadata.team,
        createdAt: job.createdAt.getTime(),
        payload: structuredClone(payload),
      });
      job.metadata.team = 'changed by the handler';
      job.createdAt.setTime(0);
      (job.target as { payload: { n: number } }).payload.n = 99;
    });
    scheduler.on('job.succeeded', (e) => {
      e.job.metadata.team = 'changed by a listener';
    });
    const added = await scheduler.addJob({
      id: 'm',
      schedule: { every: '1h' },
      target: { handler: 'mutate', payload: { n: 1 } },
      metadata: { team: 'core' },
    });
    expect((await scheduler.triggerJob('m')).status).toBe('succeeded');
    expect((await scheduler.triggerJob('m')).status).toBe('succeeded');
    const first = { team: 'core', createdAt: added.createdAt.getTime(), payload: { n: 1 } };
    expect(seen).toEqual([first, first]);
    expect(await scheduler.getJob('m')).toEqual(added);
  });
});
