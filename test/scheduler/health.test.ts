import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { JobRecord } from '../../src/storage/types.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

function schedulerOn(storage: MemoryStorage, clock = new FakeClock('2026-01-01T00:00:00Z')) {
  const scheduler = new Scheduler({ storage, clock, leaseMs: 30_000 });
  cleanups.push(() => scheduler.stop({ timeoutMs: 0 }));
  return { scheduler, clock };
}

describe('Scheduler.health()', () => {
  it('is ready only while started: not before start, not once stopping', async () => {
    const { scheduler } = schedulerOn(new MemoryStorage());
    expect(await scheduler.health()).toMatchObject({ ready: false, state: 'idle', storage: { ok: true } });
    await scheduler.start();
    const started = await scheduler.health();
    expect(started).toMatchObject({
      ready: true,
      state: 'started',
      storage: { ok: true, error: null },
      claimLoop: { ok: true, overdueMs: 0, error: null },
    });
    expect(started.claimLoop.lastTickAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    await scheduler.stop();
    expect(await scheduler.health()).toMatchObject({ ready: false, state: 'stopped' });
  });

  it('is not ready while the storage fails or does not answer within 5 s', async () => {
    const storage = new MemoryStorage();
    const { scheduler, clock } = schedulerOn(storage);
    await scheduler.start();
    let mode: 'ok' | 'fail' | 'hang' = 'fail';
    const nextDueAt = storage.nextDueAt.bind(storage);
    storage.nextDueAt = () =>
      mode === 'fail'
        ? Promise.reject(new Error('connection refused'))
        : mode === 'hang'
          ? new Promise<never>(() => {})
          : nextDueAt();
    expect(await scheduler.health()).toMatchObject({
      ready: false,
      storage: { ok: false, error: 'ERR_STORAGE' },
    });
    mode = 'hang';
    const probe = scheduler.health();
    await flushPromises();
    await clock.advance(5_000);
    expect(await probe).toMatchObject({ ready: false, storage: { ok: false, error: 'ERR_TIMEOUT' } });
    mode = 'ok';
    expect((await scheduler.health()).ready).toBe(true);
  });

  it('is not ready while the claim loop fails, or is stuck for a lease', async () => {
    const storage = new MemoryStorage();
    const { scheduler, clock } = schedulerOn(storage);
    await scheduler.start();
    const claim = storage.claimDueJobs.bind(storage);
    let mode: 'fail' | 'hang' | 'ok' = 'fail';
    storage.claimDueJobs = (options): Promise<JobRecord[]> =>
      mode === 'fail'
        ? Promise.reject(new Error('deadlock'))
        : mode === 'hang'
          ? new Promise<never>(() => {})
          : claim(options);
    let claims = 0;
    const failing = storage.claimDueJobs;
    storage.claimDueJobs = (options) => {
      claims++;
      return failing(options);
    };
    await scheduler.addJob({ id: 'a', schedule: { every: '1m' }, target: { url: 'http://127.0.0.1/' } });
    await clock.advance('1m');
    expect(await scheduler.health()).toMatchObject({
      ready: false,
      claimLoop: { ok: false, error: 'ERR_STORAGE' },
    });
    // A failing claim is retried every poll interval (1 s by default), not in a busy loop.
    claims = 0;
    await clock.advance('10s');
    expect(claims).toBeGreaterThanOrEqual(9);
    expect(claims).toBeLessThanOrEqual(11);
    mode = 'hang';
    await clock.advance('1s');
    await flushPromises();
    expect((await scheduler.health()).claimLoop.ok).toBe(false);
    await clock.advance('10s');
    await flushPromises();
    // Still inside its lease: late, not yet behind.
    const late = await scheduler.health();
    expect(late.claimLoop.overdueMs).toBeGreaterThan(0);
    await clock.advance('30s');
    expect(await scheduler.health()).toMatchObject({ ready: false, claimLoop: { ok: false } });
    // stop() gives up on the hung pass after its timeout, on the clock.
    const stopping = scheduler.stop({ timeoutMs: 0 });
    await clock.advance(1);
    await stopping;
  });
});
