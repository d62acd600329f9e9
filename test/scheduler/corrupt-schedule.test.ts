import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it, vi } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { nextOccurrence } from '../../src/schedule/schedule.js';
import type { NormalizedSchedule } from '../../src/schedule/types.js';
import type { SchedulerOptions } from '../../src/scheduler/options.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { createTestScheduler } from '../helpers/scheduler.js';
import { useTempDir } from '../helpers/test-lifecycle.js';

const MINUTE = 60_000;
/** A cron string as a hand-edited row or a faulty storage adapter might hand it back. */
const CORRUPT: NormalizedSchedule = { kind: 'cron', cron: '61 * * * *', timezone: 'UTC' };

/** A scheduler with jobs `good` and `bad` (a handler each, counting runs); `bad`'s stored cron is then corrupted. */
async function withCorruptJob(logger?: SchedulerOptions['logger']) {
  const t = createTestScheduler({ leaseMs: 30_000, ...(logger ? { logger } : {}) });
  const ran: string[] = [];
  t.scheduler.handle('count', ({ job }) => void ran.push(job.id));
  for (const id of ['bad', 'good']) {
    await t.scheduler.addJob({ id, schedule: '* * * * *', target: { handler: 'count' } });
  }
  const stored = (await t.storage.getJob('bad'))!;
  // Due a little before `good`, so that both are claimed in one batch with `bad` first.
  await t.storage.updateJob({
    ...stored,
    schedule: CORRUPT,
    nextRunAt: new Date(stored.nextRunAt!.getTime() - 1000),
  });
  const corrupted = (await t.storage.getJob('bad'))!;
  return { ...t, ran, corrupted };
}

function errorsOf(events: ReturnType<typeof createTestScheduler>['of']) {
  return events('error').map((e) => e.error);
}

describe('a stored job whose cron expression is invalid', () => {
  it('is reported as ERR_INVALID_SCHEDULE naming the job, and the other jobs of its claim still run', async () => {
    const logged: unknown[] = [];
    const { scheduler, clock, of, ran } = await withCorruptJob({
      error: (_message, data) => logged.push(data),
    });
    // Both jobs are due when the scheduler starts: its first claim takes `bad`, then `good`.
    await clock.advance(MINUTE);
    await scheduler.start();
    await clock.advance(0);
    expect(ran).toEqual(['good']);
    const errors = errorsOf(of);
    expect(errors).toHaveLength(1);
    const error = errors[0] as CronhookError;
    expect(error).toBeInstanceOf(CronhookError);
    expect(error.code).toBe('ERR_INVALID_SCHEDULE');
    expect(error.field).toBe('schedule.cron');
    expect(error.message).toContain('"bad"');
    expect(error.message).toContain('"61 * * * *"');
    expect(logged).toEqual([{ code: 'ERR_INVALID_SCHEDULE', message: error.message }]);
    await scheduler.stop();
  });

  it('keeps the scheduler running: other jobs go on, the bad one is reported again once per lease', async () => {
    const { scheduler, clock, of, ran, storage, corrupted } = await withCorruptJob();
    await scheduler.start();
    await clock.advance(MINUTE);
    // Within the lease of the failed claim, the job is not claimed (nor reported) again.
    expect(errorsOf(of)).toHaveLength(1);
    await clock.advance(2 * MINUTE);
    expect(ran).toEqual(['good', 'good', 'good']);
    // Claimed again each time its lease (30 s) runs out, and reported each time: 1 + 3 in 3 minutes at most.
    const reports = errorsOf(of).length;
    expect(reports).toBeGreaterThanOrEqual(4);
    expect(reports).toBeLessThanOrEqual(7);
    // Nothing of the bad job was changed or run: it is left for the app to fix.
    const after = (await storage.getJob('bad'))!;
    expect(after.schedule).toEqual(CORRUPT);
    expect(after.nextRunAt).toEqual(corrupted.nextRunAt);
    expect(after.runCount).toBe(0);
    expect(await scheduler.listRuns('bad')).toEqual([]);
    await scheduler.stop();
  });

  it('runs again once updateJob gives it a valid schedule', async () => {
    const { scheduler, clock, ran } = await withCorruptJob();
    await scheduler.start();
    await clock.advance(MINUTE);
    // A file with synchronous 'full': the run starts once its write is flushed, in real time.
    await vi.waitFor(() => expect(ran).toEqual(['good']), { timeout: 10_000 });
    await scheduler.updateJob('bad', { schedule: '* * * * *' });
    await clock.advance(MINUTE);
    expect(ran.filter((id) => id === 'bad')).toHaveLength(1);
    await scheduler.stop();
  });

  it('makes nextRuns, resumeJob and updateJob reject with ERR_INVALID_SCHEDULE, storing nothing', async () => {
    const { scheduler, storage, corrupted } = await withCorruptJob();
    await scheduler.pauseJob('bad');
    const paused = (await storage.getJob('bad'))!;
    for (const call of [
      () => scheduler.nextRuns('bad'),
      () => scheduler.resumeJob('bad'),
      () => scheduler.updateJob('bad', { name: 'renamed' }),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CronhookError);
      expect((error as CronhookError).code).toBe('ERR_INVALID_SCHEDULE');
      expect((error as CronhookError).field).toBe('schedule.cron');
    }
    expect(await storage.getJob('bad')).toEqual(paused);
    expect(paused.schedule).toEqual(corrupted.schedule);
  });
});

describe('a cron expression edited by hand in a SQLite file', () => {
  const dir = useTempDir('corrupt').path;

  it('is reported for its job while the other jobs run', async () => {
    const path = join(dir, 'jobs.db');
    const storage = new SqliteStorage({ path });
    const { scheduler, clock, of } = createTestScheduler({ storage });
    const ran: string[] = [];
    scheduler.handle('count', ({ job }) => void ran.push(job.id));
    await storage.migrate();
    for (const id of ['bad', 'good']) {
      await scheduler.addJob({ id, schedule: '* * * * *', target: { handler: 'count' } });
    }
    const db = new DatabaseSync(path);
    db.prepare(
      `UPDATE cronhook_jobs SET schedule = json_set(schedule, '$.cron', '61 * * * *') WHERE id = 'bad'`,
    ).run();
    db.close();
    await scheduler.start();
    await clock.advance(MINUTE);
    // A file with synchronous 'full': the run starts once its write is flushed, in real time.
    await vi.waitFor(() => expect(ran).toEqual(['good']), { timeout: 10_000 });
    const errors = errorsOf(of) as CronhookError[];
    expect(errors.map((e) => [e.code, e.field])).toEqual([['ERR_INVALID_SCHEDULE', 'schedule.cron']]);
    expect(errors[0]!.message).toContain('Job "bad"');
    await scheduler.stop();
    await storage.close();
  });
});

describe('nextOccurrence of an invalid schedule', () => {
  it.each([
    [{ kind: 'every', everyMs: 0, anchor: '2026-01-01T00:00:00.000Z' }, 'schedule.everyMs'],
    [{ kind: 'every', everyMs: 60_000, anchor: 'yesterday' }, 'schedule.anchor'],
    [{ kind: 'at', at: 'soon' }, 'schedule.at'],
    [{ kind: 'weekly' }, 'schedule'],
    [{ kind: 'cron', cron: 42, timezone: 'UTC' }, 'schedule.cron'],
  ])('throws ERR_INVALID_SCHEDULE for %o, naming %s', (schedule, field) => {
    let thrown: unknown;
    try {
      nextOccurrence(schedule as unknown as NormalizedSchedule, 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CronhookError);
    expect((thrown as CronhookError).code).toBe('ERR_INVALID_SCHEDULE');
    expect((thrown as CronhookError).field).toBe(field);
  });

  it('throws ERR_INVALID_SCHEDULE naming schedule.cron, the value and why', () => {
    let thrown: unknown;
    try {
      nextOccurrence(CORRUPT, Date.parse('2026-01-01T00:00:00Z'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CronhookError);
    expect((thrown as CronhookError).code).toBe('ERR_INVALID_SCHEDULE');
    expect((thrown as CronhookError).field).toBe('schedule.cron');
    expect((thrown as CronhookError).message).toMatch(/"61 \* \* \* \*".*minute field/);
  });

  it('throws ERR_INVALID_SCHEDULE naming schedule.timezone for a timezone that does not exist', () => {
    let thrown: unknown;
    try {
      nextOccurrence({ kind: 'cron', cron: '0 3 * * *', timezone: 'Mars/Olympus' }, 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CronhookError);
    expect((thrown as CronhookError).code).toBe('ERR_INVALID_SCHEDULE');
    expect((thrown as CronhookError).field).toBe('schedule.timezone');
  });
});
