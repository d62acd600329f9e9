import { afterEach, describe, expect, it } from 'vitest';
import { newRunRecord } from '../../../src/scheduler/runs/run-records.js';
import type { Scheduler } from '../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { JobRecord, Storage } from '../../../src/storage/types.js';
import { describePostgres, dropSchema, postgresUrl, uniqueSchema } from '../../helpers/postgres.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const temp = useTempDir('stale-update');
const START = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const LEASE_MS = 30_000;

/** What happens to the job between the change's read and its write, and after its write. */
interface Interleaving {
  beforeWrite?: () => Promise<void>;
  afterWrite?: () => Promise<void>;
}

/**
 * `storage` whose job writes (`updateJob`, `replaceJob`) first run `next().beforeWrite` and afterwards
 * `next().afterWrite`, as long as `next()` gives one: what another instance does between a change's read and
 * its write, made to happen there every time instead of by chance.
 */
function interleaved(storage: Storage, next: () => Interleaving | undefined): Storage {
  const wrap =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const step = next();
      await step?.beforeWrite?.();
      const result = await write(...args);
      await step?.afterWrite?.();
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
  return { claim, advance };
}

describe('a job change read before another instance claims the job (MemoryStorage)', () => {
  staleUpdateTests(() => new MemoryStorage());
});

describe('a job change read before another instance claims the job (SqliteStorage)', () => {
  staleUpdateTests(() => new SqliteStorage({ path: temp.file('jobs.db') }));
});

describePostgres('a job change read before another instance claims the job (PostgresStorage)', () => {
  staleUpdateTests(
    async () => new PostgresStorage({ connectionString: await postgresUrl(), schema: uniqueSchema('stale') }),
    (storage) => dropSchema((storage as PostgresStorage).schema),
  );
});

type Change = [name: string, change: (scheduler: Scheduler) => Promise<unknown>];

const CHANGES: Change[] = [
  ['updateJob', (s) => s.updateJob('j', { name: 'renamed' })],
  ['pauseJob', (s) => s.pauseJob('j')],
  ['resumeJob', (s) => s.resumeJob('j')],
  [
    'upsertJob (a config applied at start-up)',
    (s) => s.upsertJob({ id: 'j', schedule: { every: '1h' }, target: { handler: 'other' }, maxRuns: 1 }),
  ],
];

function staleUpdateTests(
  make: () => Storage | Promise<Storage>,
  cleanup?: (storage: Storage) => Promise<void>,
): void {
  let opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened) {
      await cleanup?.(storage);
      await storage.close?.();
    }
    opened = [];
  });

  /**
   * A scheduler that is never started (as the CLI's or the dashboard's) on storage where another instance
   * claims job 'j' (every hour, at most `maxRuns` runs) at its first occurrence, now.
   */
  const setUp = async (
    maxRuns: number | undefined,
    steps: () => Interleaving | undefined,
    early = 0,
  ) => {
    const inner = await make();
    opened.push(inner);
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
    '%s between the claim and the advance of the last allowed run: the job runs no more',
    async (_name, change) => {
      let first = true;
      const t = await setUp(1, () => {
        if (!first) return undefined;
        first = false;
        return { beforeWrite: async () => (await t.other.claim(), await t.other.advance()) };
      });
      await change(t.scheduler);
      const job = await t.inner.getJob('j');
      // Written back as read, the run count would go back to 0 and the job be due again in an hour.
      expect(job).toMatchObject({ runCount: 1, nextRunAt: null });
      expect(await t.scheduler.nextRuns('j', 3)).toEqual([]);
    },
  );

  it.each(CHANGES)('%s: the run count never goes back', async (_name, change) => {
    let first = true;
    const t = await setUp(undefined, () => {
      if (!first) return undefined;
      first = false;
      return { beforeWrite: async () => (await t.other.claim(), await t.other.advance()) };
    });
    await change(t.scheduler);
    const job = await t.inner.getJob('j');
    expect(job?.runCount).toBe(1);
    // The occurrence the other instance ran is not due again.
    if (job?.enabled) expect(job.nextRunAt).toEqual(new Date(START + 2 * HOUR));
  });

  it('a change written between another instance claim ahead of the instant and its advance', async () => {
    let first = true;
    const t = await setUp(undefined, () => {
      if (!first) return undefined;
      first = false;
      return { beforeWrite: t.other.claim, afterWrite: t.other.advance };
    }, 400); // the job is claimed 400 ms ahead of its instant
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
