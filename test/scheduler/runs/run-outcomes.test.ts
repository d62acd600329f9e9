import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { Run, SchedulerEvents } from '../../../src/scheduler/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { RunRecord } from '../../../src/storage/types.js';
import { FakeClock, flushPromises } from '../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { settledRun } from '../../helpers/scheduler.js';

// With in-process storage and nobody listening to a run's lifecycle, a triggered run is followed from its
// start to its stored outcome without an await of its own (Runner, StartedRuns, runNow); with listeners it
// takes the awaited path. Both must end a run alike: stored, retention applied, slot given back, errors told.

const job = (timeoutMs = 1_000) =>
  ({ id: 'j', schedule: { every: '1h' }, target: { url: 'https://a.example/j', timeoutMs } }) as const;

function setUp(listened: boolean, options: { concurrency?: number; runRetention?: number } = {}) {
  const clock = new FakeClock('2026-01-01T00:00:00.000Z');
  const transport = new MockTransport([], { clock });
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ clock, transport, storage, ...options });
  const errors: unknown[] = [];
  scheduler.on('error', (e) => void errors.push(e.error));
  const lifecycle: string[] = [];
  if (listened) {
    const names = ['job.started', 'job.succeeded', 'job.failed'] as const;
    for (const name of names)
      scheduler.on(
        name,
        (e: SchedulerEvents[typeof name]) => void lifecycle.push(`${e.type} ${e.run.status}`),
      );
  }
  return { clock, transport, storage, scheduler, errors, lifecycle };
}

describe.each([false, true])('a triggered run, lifecycle listeners: %s', (listened) => {
  it('succeeds: stored finished with its response before triggerJob resolves, slot given back', async () => {
    const { scheduler, transport, storage, errors, lifecycle } = setUp(listened);
    transport.reply([{ status: 200, body: 'ok' }]);
    await scheduler.addJob(job());
    const run = await scheduler.triggerJob('j');
    expect(run).toMatchObject({ status: 'succeeded', statusCode: 200, responseSnippet: 'ok', attempts: 1 });
    expect(await storage.getRun(run.id)).toMatchObject({
      status: 'succeeded',
      statusCode: 200,
      responseSnippet: 'ok',
      finishedAt: run.finishedAt,
      durationMs: 0,
      lockedUntil: null,
    });
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    expect(errors).toEqual([]);
    if (listened) expect(lifecycle).toEqual(['job.started running', 'job.succeeded succeeded']);
  });

  it('fails on a failing status, stored failed with ERR_HTTP_STATUS', async () => {
    const { scheduler, transport, storage, errors, lifecycle } = setUp(listened);
    transport.reply([{ status: 503, body: 'busy' }]);
    await scheduler.addJob(job());
    const run = await scheduler.triggerJob('j');
    expect(run).toMatchObject({ status: 'failed', statusCode: 503, error: { code: 'ERR_HTTP_STATUS' } });
    expect(await storage.getRun(run.id)).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_HTTP_STATUS' },
    });
    expect(errors).toEqual([]);
    if (listened) expect(lifecycle).toEqual(['job.started running', 'job.failed failed']);
  });

  it('fails at its timeout, on the clock, and is stored so', async () => {
    const { scheduler, clock, transport, storage } = setUp(listened);
    transport.reply([{ status: 200, delayMs: 5_000 }]);
    await scheduler.addJob(job(1_000));
    const done = scheduler.triggerJob('j');
    await clock.advance(999);
    expect(await settledRun(done)).toBeUndefined();
    await clock.advance(1);
    const run = await done;
    expect(run).toMatchObject({ status: 'failed', durationMs: 1_000, error: { code: 'ERR_TIMEOUT' } });
    expect(await storage.getRun(run.id)).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('fails with ERR_STOPPED when stop() aborts it during its attempt', async () => {
    const { scheduler, clock, transport, storage, errors } = setUp(listened);
    transport.reply([{ status: 200, delayMs: 60_000 }]);
    await scheduler.addJob(job(120_000));
    await scheduler.start();
    const done = scheduler.triggerJob('j');
    await flushPromises();
    const stopped = scheduler.stop({ timeoutMs: 1_000 });
    await clock.advance(1_000);
    await stopped;
    const run = await done;
    expect(run).toMatchObject({ status: 'failed', error: { code: 'ERR_STOPPED' } });
    expect(await storage.getRun(run.id)).toMatchObject({ status: 'failed', error: { code: 'ERR_STOPPED' } });
    expect(errors).toEqual([]);
  });

  it('ends quietly when its job is removed during its attempt', async () => {
    const { scheduler, transport, storage, errors } = setUp(listened);
    transport.reply([{ status: 200, delayMs: 60_000 }]);
    await scheduler.addJob(job(120_000));
    const done = scheduler.triggerJob('j');
    await flushPromises();
    await scheduler.removeJob('j');
    const run = await done;
    expect(run.status).toBe('failed');
    expect(await storage.getRun(run.id)).toBeNull();
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    expect(errors).toEqual([]);
  });

  it('applies the retention after each run', async () => {
    const { scheduler, storage } = setUp(listened, { runRetention: 2 });
    await scheduler.addJob(job());
    const runs: Run[] = [];
    for (let i = 0; i < 4; i++) runs.push(await scheduler.triggerJob('j'));
    const kept = await storage.listRuns({ jobId: 'j' });
    expect(kept.map((r) => r.id).sort()).toEqual(
      runs
        .slice(2)
        .map((r) => r.id)
        .sort(),
    );
  });

  it('gives its slot back when storage refuses its insert at once', async () => {
    const { scheduler, storage } = setUp(listened, { concurrency: 1 });
    await scheduler.addJob(job());
    const insertRunNow = storage.insertRunNow!;
    Object.assign(storage, {
      insertRunNow: () => {
        throw new CronhookError('ERR_STORAGE', 'insert refused');
      },
    });
    await expect(scheduler.triggerJob('j')).rejects.toThrow('insert refused');
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    Object.assign(storage, { insertRunNow });
    expect((await scheduler.triggerJob('j')).status).toBe('succeeded');
  });

  it('reports a retention that fails as an error, and still resolves with the finished run', async () => {
    const { scheduler, storage, errors } = setUp(listened, { concurrency: 1 });
    await scheduler.addJob(job());
    const pruneRunsNow = storage.pruneRunsNow!;
    Object.assign(storage, {
      pruneRunsNow: () => {
        throw new CronhookError('ERR_STORAGE', 'prune refused');
      },
    });
    const run = await scheduler.triggerJob('j');
    expect(run.status).toBe('succeeded');
    expect(errors).toEqual([expect.objectContaining({ message: 'prune refused' })]);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    Object.assign(storage, { pruneRunsNow });
    expect((await scheduler.triggerJob('j')).status).toBe('succeeded');
  });

  it('reports a finished run storage refused to store, and still resolves with it', async () => {
    const { scheduler, storage, errors } = setUp(listened);
    await scheduler.addJob(job());
    const updateRunNow = storage.updateRunNow!;
    Object.assign(storage, {
      updateRunNow: (run: RunRecord) => {
        if (run.status !== 'running') throw new CronhookError('ERR_LEASE_LOST', 'update refused');
        updateRunNow(run);
      },
    });
    const run = await scheduler.triggerJob('j');
    expect(run.status).toBe('succeeded');
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_LEASE_LOST' })]);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
  });
});
