import { describe, expect, it } from 'vitest';
import { newRunRecord } from '../../../src/scheduler/runs/records/run-records.js';
import type { Scheduler } from '../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { JobRecord, Storage } from '../../../src/storage/types.js';
import { describeEachStorage } from '../../helpers/each-storage.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { withoutMethods } from '../../helpers/storage.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const LEASE_MS = 30_000;

/** What another instance does to the job before a change's write, and after the change is written. */
interface Interleaving {
  beforeWrite?: () => Promise<void>;
  /** Run after the first write that is done (a `replaceJob` resolving false is none). */
  afterWrite?: () => Promise<void>;
}

/**
 * `storage` whose job writes (`updateJob`, `replaceJob`) first run `next().beforeWrite`, as long as `next()`
 * gives one, and run its `afterWrite` once a write is done: what another instance does between a change's
 * read and its write, made to happen there every time instead of by chance.
 */
function interleaved(storage: Storage, next: () => Interleaving | undefined): Storage {
  let after: (() => Promise<void>) | undefined;
  const wrap =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const step = next();
      await step?.beforeWrite?.();
      after ??= step?.afterWrite;
      const result = await write(...args);
      if (result !== false && after !== undefined) {
        const run = after;
        after = undefined;
        await run();
      }
      return result;
    };
  return new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const bound = value.bind(target);
      return key === 'updateJob' || key === 'replaceJob' ? wrap(bound) : bound;
    },
  });
}

/**
 * Another instance's claim of job `id`'s due occurrence (at `now`, or up to `aheadMs` before it, leased to
 * 'other'), and its advance: the occurrence recorded as a run, the run counted, the next run planned, as the
 * scheduler's claim does.
 */
function otherInstance(storage: Storage, id: string, now: () => number, aheadMs = 500) {
  let claimed: JobRecord | undefined;
  const claim = async () => {
    const jobs = await storage.claimDueJobs({
      now: new Date(now() + aheadMs),
      limit: 10,
      instanceId: 'other',
      leaseMs: LEASE_MS,
    });
    claimed = jobs.find((job) => job.id === id);
    expect(claimed).toBeDefined();
  };
  const advance = async () => {
    const job = claimed!;
    const scheduledAt = job.nextRunAt!;
    expect(scheduledAt).toEqual(new Date(START + HOUR));
    const runCount = job.runCount + 1;
    const everyMs = job.schedule.kind === 'every' ? job.schedule.everyMs : HOUR;
    const done = job.maxRuns !== null && runCount >= job.maxRuns;
    await storage.advanceJob({
      jobId: id,
      instanceId: 'other',
      nextRunAt: done ? null : new Date(scheduledAt.getTime() + everyMs),
      runCount,
      runs: [
        newRunRecord(job, scheduledAt.getTime(), 'schedule', 'queued', {
          instanceId: 'other',
          until: now() + LEASE_MS,
          now: now(),
        }),
      ],
      claimedUpdatedAt: job.updatedAt,
    });
  };
  const claimAndAdvance = async () => {
    await claim();
    await advance();
  };
  return { claim, advance, claimAndAdvance };
}

/** The steps of {@link interleaved}: `step` at the first write, nothing after. */
function once(step: () => Interleaving): () => Interleaving | undefined {
  let taken = false;
  return () => {
    if (taken) return undefined;
    taken = true;
    return step();
  };
}

describeEachStorage('a job change read before another instance claims the job', staleUpdateTests);

describe('a job change that keeps losing to other writes', () => {
  it('is applied again to what is stored each time, then refused with ERR_CONCURRENT_CHANGE, nothing written', async () => {
    const inner = new MemoryStorage();
    let tries = 0;
    // Another writer changes the job between each read and write: every conditional write reports it.
    const storage = new Proxy(inner, {
      get(target, key) {
        if (key === 'replaceJob') {
          return async () => {
            tries++;
            return false;
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { scheduler } = createTestScheduler({ storage });
    await scheduler.addJob({ id: 'j', schedule: { every: '1h' }, target: { handler: 'h' } });
    const before = await inner.getJob('j');
    for (const change of [
      () => scheduler.updateJob('j', { name: 'renamed' }),
      () => scheduler.pauseJob('j'),
      () => scheduler.upsertJob({ id: 'j', schedule: { every: '2h' }, target: { handler: 'h' } }),
    ]) {
      tries = 0;
      await expect(change()).rejects.toMatchObject({
        code: 'ERR_CONCURRENT_CHANGE',
        message: expect.stringMatching(/^(updateJob|pauseJob|upsertJob)\("j"\): .* each of 10 /),
      });
      expect(tries).toBe(10);
    }
    expect(await inner.getJob('j')).toEqual(before);
  });

  it('on storage without replaceJob (a custom adapter) is written with updateJob', async () => {
    const storage = withoutMethods(new MemoryStorage(), 'replaceJob');
    const { scheduler } = createTestScheduler({ storage });
    await scheduler.addJob({ id: 'j', schedule: { every: '1h' }, target: { handler: 'h' } });
    await scheduler.updateJob('j', { name: 'renamed' });
    await scheduler.pauseJob('j');
    expect(await storage.getJob('j')).toMatchObject({ name: 'renamed', enabled: false });
  });
});

type Change = [name: string, change: (scheduler: Scheduler, maxRuns?: number) => Promise<unknown>];

const CHANGES: Change[] = [
  ['updateJob', (s) => s.updateJob('j', { name: 'renamed' })],
  ['pauseJob', (s) => s.pauseJob('j')],
  ['resumeJob', (s) => s.resumeJob('j')],
  [
    'upsertJob (a config applied at start-up)',
    (s, maxRuns) =>
      s.upsertJob({
        id: 'j',
        schedule: { every: '1h' },
        target: { handler: 'other' },
        ...(maxRuns === undefined ? {} : { maxRuns }),
      }),
  ],
];

/** Changes raising job 'j''s maxRuns to 3. */
const RAISES: Change[] = [
  ['updateJob raising maxRuns', (s) => s.updateJob('j', { maxRuns: 3 })],
  [
    'upsertJob raising maxRuns',
    (s) => s.upsertJob({ id: 'j', schedule: { every: '1h' }, target: { handler: 'h' }, maxRuns: 3 }),
  ],
];

function staleUpdateTests(open: () => Promise<Storage>): void {
  /**
   * A scheduler that is never started (as the CLI's or the dashboard's) on storage where another instance
   * claims job 'j' (every hour, at most `maxRuns` runs) at its first occurrence, now.
   */
  const setUp = async (maxRuns: number | undefined, steps: () => Interleaving | undefined, early = 0) => {
    const inner = await open();
    let now = () => START;
    const storage = interleaved(inner, steps);
    const t = createTestScheduler({ storage, start: new Date(START).toISOString() });
    now = () => t.clock.now();
    await t.scheduler.addJob({
      id: 'j',
      schedule: { every: '1h' },
      target: { handler: 'h' },
      ...(maxRuns === undefined ? {} : { maxRuns }),
    });
    await t.clock.advance(HOUR - early);
    return { ...t, inner, other: otherInstance(inner, 'j', () => now()) };
  };

  it.each(CHANGES)(
    '%s read before another instance claims and advances the last allowed run: the job runs no more',
    async (_name, change) => {
      const t = await setUp(
        1,
        once(() => ({ beforeWrite: t.other.claimAndAdvance })),
      );
      await change(t.scheduler, 1);
      const job = await t.inner.getJob('j');
      // Written back as read, the run count would go back to 0 and the job be due again in an hour.
      expect(job).toMatchObject({ runCount: 1, nextRunAt: null });
      // Only the occurrence the other instance claimed is still to run.
      expect(await t.scheduler.nextRuns('j', 3)).toEqual([new Date(START + HOUR)]);
    },
  );

  it.each(CHANGES)('%s: the run count never goes back', async (_name, change) => {
    const t = await setUp(
      undefined,
      once(() => ({ beforeWrite: t.other.claimAndAdvance })),
    );
    await change(t.scheduler);
    const job = await t.inner.getJob('j');
    expect(job?.runCount).toBe(1);
    // The occurrence the other instance ran is not due again.
    if (job?.enabled) expect(job.nextRunAt).toEqual(new Date(START + 2 * HOUR));
  });

  it.each(RAISES)(
    '%s after another instance claimed the last allowed run ahead of its instant: that run is not planned again',
    async (_name, raise) => {
      const t = await setUp(1, () => undefined, 400); // the job is claimed 400 ms ahead of its instant
      await t.other.claimAndAdvance();
      expect(await t.inner.getJob('j')).toMatchObject({ runCount: 1, nextRunAt: null });
      await raise(t.scheduler);
      // Planned from now, the next run would be the occurrence the claim took (its run waits for its instant):
      // claimed again, it would be counted twice.
      expect(await t.inner.getJob('j')).toMatchObject({
        maxRuns: 3,
        runCount: 1,
        nextRunAt: new Date(START + 2 * HOUR),
      });
      // Three runs in all: the one waiting for its instant, then two more.
      expect(await t.scheduler.nextRuns('j', 4)).toEqual([
        new Date(START + HOUR),
        new Date(START + 2 * HOUR),
        new Date(START + 3 * HOUR),
      ]);
    },
  );

  it('a change read before another instance claims the job ahead of its instant, written before its advance', async () => {
    const t = await setUp(
      undefined,
      once(() => ({ beforeWrite: t.other.claim, afterWrite: t.other.advance })),
      400,
    ); // the job is claimed 400 ms ahead of its instant
    const updated = await t.scheduler.updateJob('j', { name: 'renamed' });
    // Computed from the job as read (not leased), the next run would be the occurrence the claim holds.
    expect(updated.nextRunAt).toEqual(new Date(START + 2 * HOUR));
    expect(await t.inner.getJob('j')).toMatchObject({
      name: 'renamed',
      runCount: 1,
      nextRunAt: new Date(START + 2 * HOUR),
    });
  });
}
