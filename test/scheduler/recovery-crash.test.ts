import { describe, expect, it } from 'vitest';
import { newRunRecord } from '../../src/scheduler/runs/run-records.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

/** The same store as seen by an instance that dies (every call fails) right after its first run write. */
function dyingAfterFirstRunWrite(base: MemoryStorage): Storage {
  let dead = false;
  return new Proxy(base, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dead) return Promise.reject(new Error('this instance died'));
        const result = value.apply(target, args);
        if (prop === 'insertRun' || prop === 'updateRun') dead = true;
        return result;
      };
    },
  });
}

describe('taking over a run whose instance died, when the taker dies too', () => {
  it('still runs the occurrence again, once, when the taker dies right after its first write', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00.000Z');
    const transport = new MockTransport([], { clock });
    const storage = new MemoryStorage();
    const instance = (id: string, store: Storage) =>
      new Scheduler({ storage: store, clock, transport, instanceId: id, leaseMs: 5_000 });
    const job = await instance('setup', storage).addJob({
      id: 'report',
      schedule: '0 0 1 1 *',
      target: { handler: 'record' },
      retry: { attempts: 2, minDelayMs: 1_000 },
    });
    // An instance died while running the job: its run is running, with a lease that has expired.
    const record = await storage.getJob(job.id);
    const running = newRunRecord(record!, clock.now(), 'schedule', 'running', {
      instanceId: 'dead',
      until: clock.now() + 1_000,
    });
    await storage.insertRun({ ...running, attempts: 1, startedAt: clock.date(), lockedUntil: clock.date() });
    await clock.advance(2_000);

    const taker = instance('taker', dyingAfterFirstRunWrite(storage));
    taker.handle('record', () => undefined);
    await taker.start();
    await taker.stop();

    await clock.advance(6_000);
    const ran: string[] = [];
    const survivor = instance('survivor', storage);
    survivor.handle('record', ({ run }) => void ran.push(run.trigger));
    await survivor.start();
    await clock.advance(2_000);
    await survivor.stop();

    const runs = await storage.listRuns({ jobId: job.id });
    expect(ran).toEqual(['retry-after-crash']);
    expect(runs.map((r) => [r.trigger, r.status, r.error?.code ?? null]).sort()).toEqual([
      ['retry-after-crash', 'succeeded', null],
      ['schedule', 'failed', 'ERR_LEASE_EXPIRED'],
    ]);
  });
});
