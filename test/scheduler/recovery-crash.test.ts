import { describe, expect, it } from 'vitest';
import { newRunRecord } from '../../src/scheduler/runs/records/run-records.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

/**
 * The same store as seen by an instance that dies (every call fails from then on): `die()` kills it, and so
 * does a call of a method `diesAfter` names, once made.
 */
function mortal(base: MemoryStorage, diesAfter: (method: PropertyKey) => boolean = () => false) {
  let dead = false;
  const storage: Storage = new Proxy(base, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dead) return Promise.reject(new Error('this instance died'));
        const result = value.apply(target, args);
        if (diesAfter(prop)) dead = true;
        return result;
      };
    },
  });
  return {
    storage,
    die: () => {
      dead = true;
    },
  };
}

/** The same store as seen by an instance that dies right after its first run write. */
const dyingAfterFirstRunWrite = (base: MemoryStorage): Storage =>
  mortal(base, (method) => method === 'insertRun' || method === 'updateRun').storage;

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

describe('a run whose instance died during an attempt', () => {
  // The crashed run's stored attempts decide whether its retry policy allows another run: the attempt that was
  // under way when the instance died counts, whether the run ran to the handler once or failed before.
  it.each([
    { attempts: 1, diesIn: 1, runsAgain: false },
    { attempts: 2, diesIn: 1, runsAgain: true },
    { attempts: 2, diesIn: 2, runsAgain: false },
    { attempts: 3, diesIn: 2, runsAgain: true },
  ])(
    'retry attempts $attempts, died in attempt $diesIn: runs again $runsAgain',
    async ({ attempts, diesIn, runsAgain }) => {
      const clock = new FakeClock('2026-01-01T00:00:30.000Z');
      const transport = new MockTransport([], { clock });
      const storage = new MemoryStorage();
      const instance = (id: string, store: Storage) =>
        new Scheduler({ storage: store, clock, transport, instanceId: id, leaseMs: 5_000 });
      const dying = mortal(storage);
      const crashing = instance('crashing', dying.storage);
      crashing.on('error', () => {});
      // Attempts before the last fail; in attempt `diesIn` the process dies, so the handler never returns.
      crashing.handle('report', ({ attempt }) => {
        if (attempt < diesIn) throw new Error(`attempt ${attempt} failed`);
        dying.die();
        return new Promise(() => {});
      });
      await crashing.addJob({
        id: 'report',
        schedule: '* * * * *',
        target: { handler: 'report' },
        retry: { attempts, minDelayMs: 1_000, maxDelayMs: 1_000 },
      });
      await crashing.start();
      // The run of 00:01 starts, and its attempts up to the one the instance dies in.
      await clock.advance(30_000 + (diesIn - 1) * 1_000);
      // Its lease expires; another instance starts and takes the run over.
      await clock.advance(10_000);
      const ran: string[] = [];
      const survivor = instance('survivor', storage);
      survivor.handle('report', ({ run }) => void ran.push(run.trigger));
      await survivor.start();
      await clock.advance(5_000);
      await survivor.stop();

      const runs = await storage.listRuns({ jobId: 'report' });
      const crashed = runs.find((r) => r.trigger === 'schedule');
      expect(ran).toEqual(runsAgain ? ['retry-after-crash'] : []);
      expect([crashed?.status, crashed?.error?.code, crashed?.attempts]).toEqual([
        'failed',
        'ERR_LEASE_EXPIRED',
        diesIn,
      ]);
      expect(runs).toHaveLength(runsAgain ? 2 : 1);
    },
  );
});
