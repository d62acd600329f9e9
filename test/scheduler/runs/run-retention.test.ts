import { describe, expect, it, vi } from 'vitest';
import type { JobDefinition } from '../../../src/scheduler/types.js';
import type { Storage } from '../../../src/storage/types.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

const base: JobDefinition = { id: 'j', schedule: '*/5 * * * *', target: { url: 'https://a.example/j' } };

// runRetention: the scheduler keeps the latest runs of each job and prunes the rest.
describe('run retention', () => {
  it('prunes run history beyond runRetention', async () => {
    const { scheduler, clock } = createTestScheduler({ runRetention: 5 });
    await scheduler.addJob({ id: 'r', schedule: { every: '1m' }, target: { url: 'https://a.example/r' } });
    await scheduler.start();
    await clock.advance('20m');
    const runs = await scheduler.listRuns('r', { limit: 100 });
    expect(runs).toHaveLength(5);
    expect(runs[0]!.scheduledAt.toISOString()).toBe('2026-01-01T00:20:00.000Z');
    const page2 = await scheduler.listRuns('r', { limit: 2, before: runs[1]!.id });
    expect(page2.map((r) => r.id)).toEqual([runs[2]!.id, runs[3]!.id]);
    await scheduler.stop();
  });

  it('prunes manual runs too, so "run now" cannot grow the history without bound', async () => {
    const { scheduler } = createTestScheduler({ runRetention: 3 });
    await scheduler.addJob(base);
    for (let i = 0; i < 6; i++) await scheduler.triggerJob('j');
    expect(await scheduler.listRuns('j', { limit: 100 })).toHaveLength(3);
  });

  it('lists runs triggered within one millisecond newest first, and keeps the latest ones', async () => {
    // The FakeClock does not move: every run has the same scheduledAt, so only their ids order them.
    const { scheduler } = createTestScheduler({ runRetention: 4 });
    await scheduler.addJob(base);
    const triggered: string[] = [];
    for (let i = 0; i < 10; i++) triggered.push((await scheduler.triggerJob('j')).id);
    const listed = (await scheduler.listRuns('j', { limit: 100 })).map((r) => r.id);
    expect(listed).toEqual(triggered.slice(-4).reverse());
  });
});

/** `storage` whose run prunes wait for `release()` (`pruneRunsNow` gone, so that they take that path). */
function heldPrunes(storage: Storage) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = { pruning: 0, release };
  const proxy = new Proxy(storage, {
    get(target, key) {
      if (key === 'pruneRunsNow') return undefined;
      if (key === 'pruneRuns')
        return async (input: Parameters<Storage['pruneRuns']>[0]) => {
          held.pruning++;
          await released;
          return target.pruneRuns(input);
        };
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { storage: proxy, held };
}

describeEachStorage('stats() while a finished run’s retention is written', (open) => {
  it('counts the run neither running nor queued', async () => {
    const { storage, held } = heldPrunes(await open());
    const { scheduler } = createTestScheduler({ storage, runRetention: 3 });
    await scheduler.addJob(base);
    const done = scheduler.triggerJob('j');
    await vi.waitFor(() => expect(held.pruning).toBe(1), { timeout: 10_000 });
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    held.release();
    expect(await done).toMatchObject({ status: 'succeeded' });
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
    await scheduler.stop();
  });
});
