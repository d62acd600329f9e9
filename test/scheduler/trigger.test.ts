import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/clock.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { RunRecord } from '../../src/storage/types.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import type { Transport } from '../../src/transport/types.js';
import { createTestScheduler, settledRun } from '../helpers/scheduler.js';

const job = { id: 'j', schedule: { every: '1h' }, target: { url: 'https://a.example/j' } } as const;

/** MemoryStorage whose run inserts wait until released, or fail. */
class SlowInserts extends MemoryStorage {
  pending: Array<() => void> = [];
  fail = false;
  override async insertRun(run: RunRecord): Promise<boolean> {
    if (this.fail) throw new Error('insert failed');
    await new Promise<void>((resolve) => this.pending.push(resolve));
    return super.insertRun(run);
  }
}

describe('triggerJob', () => {
  it('triggerJob runs a job now and resolves with the finished run', async () => {
    const { scheduler, transport } = createTestScheduler();
    await scheduler.addJob({ id: 'manual', schedule: '0 3 * * *', target: { url: 'https://a.example/run' } });
    const run = await scheduler.triggerJob('manual');
    expect(run).toMatchObject({ jobId: 'manual', trigger: 'manual', status: 'succeeded', attempts: 1 });
    expect(transport.requests).toHaveLength(1);
    await expect(scheduler.triggerJob('nope')).rejects.toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
  });

  it('stores a run that can start at once as running from its trigger, with one write before the call', async () => {
    const { scheduler, clock, transport, storage, of } = createTestScheduler();
    transport.reply([{ status: 200, delayMs: 1_000 }]);
    await scheduler.addJob(job);
    const writes: string[] = [];
    const insertRun = storage.insertRun.bind(storage);
    const updateRun = storage.updateRun.bind(storage);
    storage.insertRun = (run) => {
      writes.push(`insert ${run.status}`);
      return insertRun(run);
    };
    storage.updateRun = (run) => {
      writes.push(`update ${run.status}`);
      return updateRun(run);
    };
    // The scheduler writes through the *Now twins MemoryStorage has: counted as the same writes.
    const { insertRunNow, updateRunNow } = storage;
    Object.assign(storage, {
      insertRunNow: (run: RunRecord) => {
        writes.push(`insert ${run.status}`);
        return insertRunNow!(run);
      },
      updateRunNow: (run: RunRecord) => {
        writes.push(`update ${run.status}`);
        updateRunNow!(run);
      },
    });
    const triggeredAt = clock.date();
    const done = scheduler.triggerJob('j');
    await flushPromises();
    expect(transport.requests).toHaveLength(1);
    const [inFlight] = await storage.listRuns({ jobId: 'j' });
    expect(inFlight).toMatchObject({ status: 'running', trigger: 'manual', startedAt: triggeredAt });
    expect(inFlight?.lockedUntil).not.toBeNull();
    expect(of('job.started')).toHaveLength(1);
    expect(scheduler.stats()).toMatchObject({ running: 1, queued: 0 });
    await clock.advance(1_000);
    const run = await done;
    expect(run).toMatchObject({ status: 'succeeded', startedAt: triggeredAt, durationMs: 1_000 });
    expect(writes).toEqual(['insert running', 'update succeeded']);
  });

  it('stores a run queued while every slot is busy, and starts it when one frees', async () => {
    const { scheduler, clock, transport, storage } = createTestScheduler({ concurrency: 1 });
    transport.reply([{ status: 200, delayMs: 1_000 }]);
    await scheduler.addJob(job);
    const first = scheduler.triggerJob('j');
    const second = scheduler.triggerJob('j');
    await flushPromises();
    expect((await storage.listRuns({ jobId: 'j' })).map((r) => r.status).sort()).toEqual([
      'queued',
      'running',
    ]);
    expect(scheduler.stats()).toMatchObject({ running: 1, queued: 1 });
    await clock.advance(1_000);
    expect((await first).status).toBe('succeeded');
    await clock.advance(1_000);
    const run = await second;
    expect(run).toMatchObject({ status: 'succeeded', startedAt: new Date(clock.now() - 1_000) });
  });

  it('gives the slot back when the run cannot be stored', async () => {
    const storage = new SlowInserts();
    const { scheduler, clock, transport } = createTestScheduler({ concurrency: 1, storage });
    await scheduler.addJob(job);
    storage.fail = true;
    await expect(scheduler.triggerJob('j')).rejects.toThrow('insert failed');
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    storage.fail = false;
    const done = scheduler.triggerJob('j');
    await flushPromises();
    storage.pending.shift()?.();
    await clock.advance(0);
    expect((await done).status).toBe('succeeded');
    expect(transport.requests).toHaveLength(1);
  });

  it('releases a run stored as running when stop() comes before it started: queued again, no call made', async () => {
    const storage = new SlowInserts();
    const { scheduler, transport } = createTestScheduler({ storage });
    await scheduler.addJob(job);
    await scheduler.start();
    const done = scheduler.triggerJob('j');
    await flushPromises();
    expect(storage.pending).toHaveLength(1);
    await scheduler.stop();
    storage.pending.shift()?.();
    const run = await done;
    expect(run).toMatchObject({ status: 'queued', startedAt: null });
    expect(transport.requests).toHaveLength(0);
    const [stored] = await storage.listRuns({ jobId: 'j' });
    expect(stored).toMatchObject({ status: 'queued', startedAt: null, lockedUntil: new Date(0) });
  });

  // Attempts whose deadlines fall in the same millisecond share one timer: a run started at 0 alongside makes
  // an attempt that counted its timeout from the wrong instant expire with it.
  describe("a triggered run's attempt times out timeoutMs after the attempt started", () => {
    const slow = (id: string) => ({
      id,
      schedule: { every: '1h' },
      target: { url: `https://a.example/${id}`, timeoutMs: 1_000 },
    });

    it('at once: from the trigger', async () => {
      const { scheduler, clock, transport } = createTestScheduler();
      transport.reply([{ status: 200, delayMs: 5_000 }]);
      await scheduler.addJob(slow('j'));
      const done = scheduler.triggerJob('j');
      await clock.advance(999);
      expect(await settledRun(done)).toBeUndefined();
      await clock.advance(1);
      expect(await done).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    });

    it('also when an attempt with the same deadline ended just before', async () => {
      // Answers the first request at once, and the next ones never (they end only when aborted).
      let calls = 0;
      const transport: Transport = {
        send: (_request, options) =>
          calls++ === 0
            ? Promise.resolve({ status: 200, headers: {}, body: '', bodyTruncated: false, durationMs: 0 })
            : new Promise((_resolve, reject) => {
                options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
              }),
      };
      const clock = new FakeClock('2026-01-01T00:00:00.000Z');
      const scheduler = new Scheduler({ clock, transport, storage: new MemoryStorage() });
      await scheduler.addJob(slow('j'));
      expect(await scheduler.triggerJob('j')).toMatchObject({ status: 'succeeded' });
      const done = scheduler.triggerJob('j');
      await clock.advance(999);
      expect(await settledRun(done)).toBeUndefined();
      await clock.advance(1);
      expect(await done).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
      await scheduler.stop();
    });

    it('after awaited job.started listeners', async () => {
      const { scheduler, clock, transport } = createTestScheduler();
      transport.reply([{ status: 200, delayMs: 5_000 }]);
      scheduler.on('job.started', (e) => (e.job.id === 'j' ? sleep(clock, 800) : undefined), { await: true });
      await scheduler.addJob(slow('j'));
      await scheduler.addJob(slow('other'));
      const done = scheduler.triggerJob('j');
      const other = scheduler.triggerJob('other');
      await clock.advance(1_000);
      expect(await other).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
      await clock.advance(799);
      expect(await settledRun(done)).toBeUndefined();
      await clock.advance(1);
      expect(await done).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    });

    it('after an insert storage answered later', async () => {
      const storage = new SlowInserts();
      const { scheduler, clock, transport } = createTestScheduler({ storage });
      transport.reply([{ status: 200, delayMs: 5_000 }]);
      await scheduler.addJob(slow('j'));
      await scheduler.addJob(slow('other'));
      const done = scheduler.triggerJob('j');
      await flushPromises();
      const other = scheduler.triggerJob('other');
      await flushPromises();
      storage.pending.pop()?.();
      await clock.advance(500);
      storage.pending.pop()?.();
      await clock.advance(500);
      expect(await other).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
      await clock.advance(499);
      expect(await settledRun(done)).toBeUndefined();
      await clock.advance(1);
      expect(await done).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    });
  });
});
