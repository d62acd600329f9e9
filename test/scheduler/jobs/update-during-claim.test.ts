import { afterEach, expect, it } from 'vitest';
import type { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { JobDefinition } from '../../../src/scheduler/types.js';
import type { AdvanceJobInput, Storage } from '../../../src/storage/types.js';
import { type FakeClock, flushPromises } from '../../../src/testing/fake-clock.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { until } from '../../helpers/test-lifecycle.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

/**
 * A scheduler whose claims stop before `advanceJob` until the test lets them go, so that the test can change
 * the job (as another instance, the CLI or the dashboard would) while one of its occurrences is claimed.
 */
async function heldClaims(storage: Storage, limits: Pick<JobDefinition, 'maxRuns' | 'endAt'> = {}) {
  const advance = storage.advanceJob.bind(storage);
  const held: Array<() => void> = [];
  let holding = true;
  storage.advanceJob = async (input: AdvanceJobInput) => {
    if (holding) await new Promise<void>((resolve) => held.push(resolve));
    return advance(input);
  };
  /** Lets every claim go on from now on (before the scheduler stops, which waits for a claim under way). */
  const letGo = () => {
    holding = false;
    for (const go of held.splice(0)) go();
  };
  const t = createTestScheduler({ storage, start: new Date(START).toISOString() });
  const ran: number[] = [];
  t.scheduler.handle('h', (ctx) => void ran.push(ctx.run.scheduledAt.getTime()));
  await t.scheduler.addJob({ id: 'j', schedule: { every: '1h' }, target: { handler: 'h' }, ...limits });
  await t.scheduler.start();
  /**
   * Moves the clock to the job's first occurrence (or `early` ms before it: claims are made up to 500 ms
   * ahead) and waits until its claim is held before advancing.
   */
  const claimFirst = async (early = 0) => {
    await t.clock.advance(HOUR - early);
    // Storage work takes real time (a SQLite flush, a Postgres round trip): the loop re-arms its timer for the
    // due job after advance() returned, and the timer fires when the clock is next moved.
    await until(async () => {
      await t.clock.advance(0);
      return held.length === 1;
    });
  };
  const release = async () => {
    held.shift()!();
    await until(async () => (await storage.getJob('j'))?.lockedBy === null);
    // The run was planned ahead of its instant: its start timer fires when the clock next moves.
    await t.clock.advance(1);
    await flushPromises();
  };
  return { ...t, ran, claimFirst, release, letGo };
}

/** Advances the clock by `ms` in steps, letting real-time storage work (a SQLite flush) finish between. */
async function pass(clock: FakeClock, ms: number, steps = 10): Promise<void> {
  for (let i = 0; i < steps; i++) {
    await clock.advance(ms / steps);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Lets the claimed first occurrence reach its instant: it ran once, and the job counts it once, with its next run
 * the occurrence after it.
 */
async function expectRanOnceCountedOnce(t: Awaited<ReturnType<typeof heldClaims>>): Promise<void> {
  await pass(t.clock, 1_000);
  await until(() => t.ran.length === 1);
  expect(await t.scheduler.getJob('j')).toMatchObject({
    nextRunAt: new Date(START + 2 * HOUR),
    runCount: 1,
  });
  expect(t.ran).toEqual([START + HOUR]);
}

describeEachStorage('updating a job while its occurrence is claimed', claimUpdateTests);

function claimUpdateTests(open: () => Promise<Storage>): void {
  let started: Array<{ scheduler: Scheduler; letGo: () => void }> = [];
  const held = async (limits?: Pick<JobDefinition, 'maxRuns' | 'endAt'>) => {
    const t = await heldClaims(await open(), limits);
    started.push(t);
    return t;
  };
  afterEach(async () => {
    // A held claim is let go, so that stop() does not wait for it (the storage is closed after this).
    for (const { scheduler, letGo } of started) {
      letGo();
      await scheduler.stop();
    }
    started = [];
  });
  it('updateJob: the new schedule decides the next run; the claimed occurrence runs once', async () => {
    const t = await held();
    await t.claimFirst();
    const updated = await t.scheduler.updateJob('j', { schedule: { every: '10m' } });
    expect(updated.nextRunAt).toEqual(new Date(START + HOUR + 600_000));
    await t.release();
    expect((await t.scheduler.getJob('j'))?.nextRunAt).toEqual(new Date(START + HOUR + 600_000));
    await until(() => t.ran.length === 1);
    expect(t.ran).toEqual([START + HOUR]);
    expect((await t.scheduler.getJob('j'))?.runCount).toBe(1);
  });

  it('pauseJob: the job stays paused and runs no more', async () => {
    const t = await held();
    await t.claimFirst();
    await t.scheduler.pauseJob('j');
    await t.release();
    expect(await t.scheduler.getJob('j')).toMatchObject({ enabled: false });
    await until(() => t.ran.length === 1);
    await pass(t.clock, 3 * HOUR);
    expect(t.ran).toEqual([START + HOUR]);
    const resumed = await t.scheduler.resumeJob('j');
    expect(resumed.nextRunAt!.getTime()).toBeGreaterThan(t.clock.now());
  });

  it('upsertJob with a new schedule: the new schedule decides the next run', async () => {
    const t = await held();
    await t.claimFirst();
    const { updated } = await t.scheduler.upsertJob({
      id: 'j',
      schedule: { every: '15m' },
      target: { handler: 'h' },
    });
    expect(updated).toBe(true);
    await t.release();
    expect((await t.scheduler.getJob('j'))?.nextRunAt).toEqual(new Date(START + HOUR + 900_000));
  });

  it('a change that keeps the schedule: the claimed occurrence is not claimed again, and counts once', async () => {
    const t = await held();
    await t.claimFirst();
    await t.scheduler.updateJob('j', { name: 'renamed' });
    await t.release();
    expect(await t.scheduler.getJob('j')).toMatchObject({
      name: 'renamed',
      nextRunAt: new Date(START + 2 * HOUR),
      runCount: 1,
    });
    await until(() => t.ran.length === 1);
    expect(t.ran).toEqual([START + HOUR]);
  });

  it('a change made after the advance of a claim ahead of the instant, before it: that occurrence runs once, and counts once', async () => {
    const t = await held();
    await t.claimFirst(400);
    await t.release();
    // Advanced past the occurrence, which waits for its instant: computed from now, the next run would be it.
    expect(t.clock.now()).toBeLessThan(START + HOUR);
    const updated = await t.scheduler.updateJob('j', { name: 'renamed' });
    expect(updated.nextRunAt).toEqual(new Date(START + 2 * HOUR));
    await expectRanOnceCountedOnce(t);
  });

  it('a change made after a claim ahead of the instant: that occurrence runs once, and counts once', async () => {
    const t = await held();
    await t.claimFirst(400);
    // Computed from now, the next run would be the occurrence the claim holds.
    const updated = await t.scheduler.updateJob('j', { name: 'renamed' });
    expect(updated.nextRunAt).toEqual(new Date(START + 2 * HOUR));
    await t.release();
    await expectRanOnceCountedOnce(t);
  });

  it.each([
    ['maxRuns', { maxRuns: 1 }, { maxRuns: 3 }],
    ['endAt', { endAt: new Date(START + HOUR) }, { endAt: new Date(START + 3 * HOUR) }],
  ] as const)(
    'raising %s just after a claim ahead took the last allowed run: that occurrence runs once, and counts once',
    async (_name, limits, raised) => {
      const t = await held(limits);
      await t.claimFirst(400);
      await t.release();
      expect(t.clock.now()).toBeLessThan(START + HOUR);
      expect(await t.scheduler.getJob('j')).toMatchObject({ nextRunAt: null, runCount: 1 });
      // The job's next run is null: computed from now, the new next run would be the occurrence the claim took.
      const updated = await t.scheduler.updateJob('j', raised);
      expect(updated.nextRunAt).toEqual(new Date(START + 2 * HOUR));
      await expectRanOnceCountedOnce(t);
      // Three runs in all, as the raised limit allows: the claimed one, then two more.
      expect(await t.scheduler.nextRuns('j', 4)).toEqual([
        new Date(START + 2 * HOUR),
        new Date(START + 3 * HOUR),
      ]);
    },
  );
}
