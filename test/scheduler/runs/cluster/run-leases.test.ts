import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../../src/clock.js';
import { Scheduler } from '../../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import { SqliteStorage } from '../../../../src/storage/sqlite/index.js';
import type { Storage } from '../../../../src/storage/types.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../../src/testing/mock-transport.js';

/** `storage` as a store shared with other processes is: instances recover runs and check their leases. */
function sharedView(storage: MemoryStorage): Storage {
  return new Proxy(storage, {
    get(target, key) {
      if (key === 'shared') return true;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** An instance on `storage` with its own clock; what its `tick` handler ran and its errors go into `log`. */
function instance(id: string, storage: Storage, clock: FakeClock, log: string[], options = {}) {
  const transport = new MockTransport([], { clock });
  const scheduler = new Scheduler({ storage, clock, transport, instanceId: id, leaseMs: 5_000, ...options });
  scheduler.handle(
    'tick',
    ({ run }) => void log.push(`${id} ran ${run.scheduledAt.toISOString().slice(11, 19)}`),
  );
  scheduler.handle('long', ({ job }) => {
    log.push(`${id} ran ${job.id}`);
    return sleep(clock, 20_000);
  });
  scheduler.on('job.failed', (e) => void log.push(`${id} failed ${e.job.id} ${e.error.code}`));
  scheduler.on('error', (e) => void log.push(`${id} error ${(e.error as { code?: string }).code}`));
  return scheduler;
}

/**
 * `storage` whose calls of `method` that `held` picks are held on their way to it from `hold()` (at most `count`
 * calls) to `release()`.
 */
function heldCalls<M extends 'renewRunLeases' | 'getJob'>(
  storage: Storage,
  method: M,
  held: (...args: Parameters<Storage[M]>) => boolean = () => true,
) {
  let gate: Promise<void> | null = null;
  let open = () => {};
  let caught = () => {};
  let left = 0;
  const view = new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key !== method) return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<Storage[M]>) => {
        if (gate !== null && left > 0 && held(...args)) {
          left--;
          caught();
          await gate;
        }
        return (value as (...a: Parameters<Storage[M]>) => unknown).apply(target, args);
      };
    },
  });
  return {
    storage: view,
    /** Holds the next `count` calls; resolves once the first is held. */
    hold: (count = Number.POSITIVE_INFINITY): Promise<void> => {
      left = count;
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return new Promise((resolve) => {
        caught = resolve;
      });
    },
    release: () => {
      gate = null;
      open();
    },
  };
}

/**
 * Instances A and B on `storage`, each with its own clock (A's from 00:00:30, B's from `bAt`), their run events
 * logged (started, succeeded and failed) with their errors and what their handlers ran.
 */
function instancePair(storage: Storage, bAt: string) {
  const clockA = new FakeClock('2026-01-01T00:00:30.000Z');
  const clockB = new FakeClock(bAt);
  const log: string[] = [];
  const a = instance('A', storage, clockA, log);
  const b = instance('B', storage, clockB, log);
  for (const s of [a, b]) {
    s.on('job.started', (e) => void log.push(`${s.instanceId} started ${e.job.id}`));
    s.on('job.succeeded', (e) => void log.push(`${s.instanceId} succeeded ${e.job.id}`));
  }
  return { clockA, clockB, log, a, b };
}

/**
 * How the run of `long` that A started and B took over ends: B's record of it stays, and A's outcome is neither
 * stored nor emitted (the refusal reported once).
 */
async function expectTakenOverFromA(storage: Storage, log: string[]) {
  expect(log).toEqual([
    'A started long',
    'A ran long',
    'B failed long ERR_LEASE_EXPIRED',
    'A error ERR_LEASE_LOST',
  ]);
  const runs = await storage.listRuns({ jobId: 'long' });
  expect(runs).toMatchObject([{ status: 'failed', instanceId: 'B', error: { code: 'ERR_LEASE_EXPIRED' } }]);
}

describe('run leases', () => {
  it('a run that waited longer than its lease is stored running with the lease as renewed', async () => {
    const clock = new FakeClock('2026-01-01T00:00:30.000Z');
    const storage = sharedView(new MemoryStorage());
    const log: string[] = [];
    const a = instance('A', storage, clock, log, { concurrency: 1 });
    await a.addJob({ id: 'first', schedule: '* * * * *', target: { handler: 'long' } });
    await a.addJob({ id: 'second', schedule: '* * * * *', target: { handler: 'long' } });
    await a.start();
    // 00:01:21: `first` ran 20 s; `second` waited for the slot (its lease renewed meanwhile), then started.
    await clock.advance(51_000);
    const [second] = await storage.listRuns({ jobId: 'second' });
    expect(second?.status).toBe('running');
    expect(second!.lockedUntil!.getTime()).toBeGreaterThan(clock.now());
    // Another instance starting now finds no expired lease: the run is not taken over while it runs.
    const b = instance('B', storage, clock, log);
    await b.start();
    await clock.advance(20_000);
    expect(log).toEqual(['A ran first', 'A ran second']);
    expect((await storage.listRuns({ jobId: 'second' })).map((r) => [r.status, r.instanceId])).toEqual([
      ['succeeded', 'A'],
    ]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('an instance paused past the lease of a run it claimed ahead does not start it once another took it over', async () => {
    // Each instance has its own clock: A's wall time jumps while it is paused (no timer of it fires meanwhile).
    const clockA = new FakeClock('2026-01-01T00:00:30.000Z');
    const clockB = new FakeClock('2026-01-01T00:01:10.000Z');
    const storage = sharedView(new MemoryStorage());
    const log: string[] = [];
    const a = instance('A', storage, clockA, log);
    await a.addJob({ id: 'j', schedule: '* * * * *', target: { handler: 'tick' } });
    await a.start();
    await clockA.advance(29_600); // 00:00:59.6: A claimed the run of 00:01 ahead (leased 5 s) and waits for it
    await clockA.set('2026-01-01T00:01:10.000Z'); // A is paused 10 s
    const b = instance('B', storage, clockB, log);
    await b.start(); // B takes the expired run over and runs it
    await clockB.advance(100);
    await clockA.advance(1_000); // A resumes: the start instant of its run has passed
    expect(log).toEqual(['B ran 00:01:00', 'A error ERR_LEASE_LOST']);
    expect((await storage.listRuns({ jobId: 'j' })).map((r) => [r.status, r.instanceId])).toEqual([
      ['succeeded', 'B'],
    ]);
    await Promise.all([a.stop(), b.stop()]);
  });
});

/** Stores shared with other instances: a run under way can be taken over, and its writes are fenced. */
const sharedStores: Array<[string, () => Storage]> = [
  ['MemoryStorage (as if shared)', () => sharedView(new MemoryStorage())],
  ['shared SQLite', () => new SqliteStorage({ path: ':memory:', shared: true })],
];

for (const [name, openStore] of sharedStores) {
  describe(`runs taken over while under way, ${name}`, () => {
    const opened: Storage[] = [];
    const open = () => {
      const storage = openStore();
      opened.push(storage);
      return storage;
    };
    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close?.();
    });
    it('an instance paused past the lease of a run under way: its late outcome is refused and not emitted; the taker’s stays', async () => {
      const storage = open();
      const { clockA, clockB, log, a, b } = instancePair(storage, '2026-01-01T00:01:30.000Z');
      await a.addJob({ id: 'long', schedule: '* * * * *', target: { handler: 'long' } });
      await a.start();
      await clockA.advance(31_000); // 00:01:01: A runs `long` (20 s), its lease renewed as it goes
      await clockA.set('2026-01-01T00:01:30.000Z'); // A is paused 29 s mid-run
      await b.start(); // B finds the run's lease expired: recorded failed, B's to report
      await clockB.advance(100);
      await clockA.advance(21_000); // A resumes; its handler returns
      await expectTakenOverFromA(storage, log);
      await Promise.all([a.stop(), b.stop()]);
    });

    it('an instance paused past a run’s lease between attempts makes no further attempt once another took the run over', async () => {
      const storage = open();
      const { clockA, clockB, log, a, b } = instancePair(storage, '2026-01-01T00:01:30.000Z');
      for (const s of [a, b]) {
        s.handle('flaky', ({ attempt }) => {
          log.push(`${s.instanceId} attempt ${attempt}`);
          throw new Error('upstream down');
        });
      }
      const retry = { attempts: 2, minDelayMs: 10_000 };
      await a.addJob({ id: 'flaky', schedule: '* * * * *', target: { handler: 'flaky' }, retry });
      await a.start();
      await clockA.advance(31_000); // 00:01:01: attempt 1 failed; A waits 10 s to retry
      await clockA.set('2026-01-01T00:01:30.000Z'); // A is paused during the backoff
      await b.start(); // B records the run failed and, with an attempt left, retries it itself
      await clockB.advance(11_000);
      await clockA.advance(11_000); // A resumes: its backoff ends
      expect(log).toEqual([
        'A started flaky',
        'A attempt 1',
        'B failed flaky ERR_LEASE_EXPIRED',
        'B started flaky',
        'B attempt 1',
        'B attempt 2',
        'B failed flaky ERR_HANDLER_FAILED',
        'A error ERR_LEASE_LOST',
      ]);
      const runs = await storage.listRuns({ jobId: 'flaky' });
      expect(runs.map((r) => [r.trigger, r.status, r.instanceId, r.attempts])).toEqual([
        ['retry-after-crash', 'failed', 'B', 2],
        ['schedule', 'failed', 'B', 1],
      ]);
      await Promise.all([a.stop(), b.stop()]);
    });

    it('a renewal on its way while another instance takes the run over does not extend the run’s lease here', async () => {
      const renewals = heldCalls(open(), 'renewRunLeases', (input) => input.instanceId === 'A');
      const { storage } = renewals;
      const { clockA, clockB, log, a, b } = instancePair(storage, '2026-01-01T00:01:10.000Z');
      await a.addJob({ id: 'long', schedule: '* * * * *', target: { handler: 'long' } });
      await a.start();
      await clockA.advance(31_000); // 00:01:01: A runs `long` (20 s); its lease runs to ~00:01:05 as last renewed
      void renewals.hold();
      await clockA.advance(2_000); // A's next renewal is sent, and held on its way
      await b.start(); // 00:01:10 on B's clock: the stored lease ran out; B takes the run over
      await clockB.advance(100);
      renewals.release(); // the renewal reaches storage now: the run is B's, so it is not renewed
      await clockA.advance(19_000); // A's handler returns
      await expectTakenOverFromA(storage, log);
      await Promise.all([a.stop(), b.stop()]);
    });

    it('an instance paused while it recovers a run does not report it once a third took the run over from it', async () => {
      const reads = heldCalls(open(), 'getJob');
      const { storage } = reads;
      const { clockA, clockB, log, a, b } = instancePair(storage, '2026-01-01T00:01:10.000Z');
      const clockC = new FakeClock('2026-01-01T00:01:20.000Z');
      const c = instance('C', storage, clockC, log);
      await a.addJob({ id: 'long', schedule: '* * * * *', target: { handler: 'long' } });
      await a.start();
      await clockA.advance(31_000); // 00:01:01: A runs `long` (20 s), then is paused: its lease runs out
      const held = reads.hold(1);
      const bStarted = b.start(); // 00:01:10: B takes the run over (until 00:01:15) and reads its job: held
      await held;
      await clockB.set('2026-01-01T00:01:20.000Z'); // B is paused in turn
      await c.start(); // C takes the run over from B and records it
      await clockC.advance(100);
      reads.release(); // B resumes its recovery of the run
      await bStarted;
      await clockB.advance(100);
      expect(log).toEqual([
        'A started long',
        'A ran long',
        'C failed long ERR_LEASE_EXPIRED',
        'B error ERR_LEASE_LOST',
      ]);
      const runs = await storage.listRuns({ jobId: 'long' });
      expect(runs).toMatchObject([
        { status: 'failed', instanceId: 'C', error: { code: 'ERR_LEASE_EXPIRED' } },
      ]);
      await clockA.advance(20_000); // A resumes: its handler returns, and the run is not its own any more
      expect(log.slice(4)).toEqual(['A error ERR_LEASE_LOST']);
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    });
  });
}
