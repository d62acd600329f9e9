import { describe, expect, it } from 'vitest';
import type { CatchUpPolicy } from '../../src/schedule/types.js';
import type { SchedulerOptions } from '../../src/scheduler/options.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { Run, SchedulerEvents } from '../../src/scheduler/types.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { createTestScheduler } from '../helpers/scheduler.js';

// Catch-up after downtime, end to end on the fake clock: what runs, what is missed and how it is reported,
// and restarts that must not skip what is due.

const T0 = Date.parse('2026-01-01T00:00:00Z');
const time = (d: Date) => d.toISOString().slice(11, 19);
const scheduledTimes = (transport: MockTransport) =>
  transport.requests.map((r) => r.headers['x-cronhook-scheduled-at']!.slice(11, 19));

async function downFor(ms: number, catchUp: CatchUpPolicy, options: SchedulerOptions = {}) {
  const ctx = createTestScheduler(options);
  await ctx.scheduler.addJob({
    id: 'j',
    schedule: { every: '5s' },
    target: { url: 'https://a.example/j' },
    catchUp,
  });
  await ctx.clock.set(T0 + ms); // the scheduler was not running meanwhile
  await ctx.scheduler.start();
  await ctx.clock.advance(0);
  return ctx;
}

describe('catch-up', () => {
  it("'latest' runs the newest missed occurrence once after 3 minutes down, not a burst of the last minute", async () => {
    const { scheduler, transport, of } = await downFor(3 * 60_000 + 2_000, 'latest');
    expect(scheduledTimes(transport)).toEqual(['00:03:00']);
    expect(of('job.missed')).toHaveLength(35);
    expect(of('job.missed').at(-1)?.missed).toEqual({
      count: 1,
      first: new Date(T0 + 175_000),
      last: new Date(T0 + 175_000),
    });
    await scheduler.stop();
  });

  it('a backlog younger than the misfire threshold is merely late: it all runs, in order', async () => {
    const { scheduler, transport, of } = await downFor(32_000, 'latest');
    expect(scheduledTimes(transport)).toEqual([
      '00:00:05',
      '00:00:10',
      '00:00:15',
      '00:00:20',
      '00:00:25',
      '00:00:30',
    ]);
    expect(of('job.missed')).toEqual([]);
    await scheduler.stop();
    // A lower threshold makes the same downtime a misfire: 'latest' runs the newest once.
    const strict = await downFor(32_000, 'latest', { misfireThresholdMs: 10_000 });
    expect(scheduledTimes(strict.transport)).toEqual(['00:00:30']);
    expect(strict.of('job.missed')).toHaveLength(5);
    await strict.scheduler.stop();
  });

  it("'latest' finds the newest occurrence of a per-second job down for three days (current idempotency key)", async () => {
    const ctx = createTestScheduler({ missedEvents: 'summary' });
    await ctx.scheduler.addJob({ id: 's', schedule: '* * * * * *', target: { url: 'https://a.example/s' } });
    await ctx.clock.set(T0 + 3 * 86_400_000 + 400);
    await ctx.scheduler.start();
    await ctx.clock.advance(0);
    expect(ctx.transport.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      's:2026-01-04T00:00:00.000Z',
    ]);
    expect(ctx.of('job.missed').map((e) => e.missed)).toEqual([
      { count: 3 * 86_400 - 1, first: new Date(T0 + 1000), last: new Date(T0 + 3 * 86_400_000 - 1000) },
    ]);
    await ctx.scheduler.stop();
  });

  it('misfireThresholdMs is an option: a late nightly skip job still runs within it', async () => {
    const late = async (options: SchedulerOptions) => {
      const ctx = createTestScheduler(options);
      await ctx.scheduler.addJob({
        id: 'nightly',
        schedule: '0 3 * * *',
        target: { url: 'https://a.example/n' },
        catchUp: 'skip',
      });
      await ctx.clock.set(Date.parse('2026-01-01T03:04:00Z')); // started 4 minutes after 03:00
      await ctx.scheduler.start();
      await ctx.clock.advance(0);
      await ctx.scheduler.stop();
      return ctx;
    };
    expect((await late({})).transport.requests).toHaveLength(0);
    expect((await late({})).of('job.missed')).toHaveLength(1);
    expect((await late({ misfireThresholdMs: 5 * 60_000 })).transport.requests).toHaveLength(1);
    for (const bad of [999, 1.5, -1, '60s', Number.NaN]) {
      expect(() => new Scheduler({ misfireThresholdMs: bad as number })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'misfireThresholdMs' }),
      );
    }
    expect(() => new Scheduler({ missedEvents: 'some' as 'each' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'missedEvents' }),
    );
  });

  it("missedEvents 'summary' records one missed run and one job.missed with the count and range", async () => {
    const { scheduler, transport, of } = await downFor(3 * 60_000 + 2_000, 'skip', {
      missedEvents: 'summary',
    });
    expect(scheduledTimes(transport)).toEqual(['00:03:00']); // on time: it runs
    expect(of('job.missed')).toHaveLength(1);
    const event = of('job.missed')[0]!;
    expect(event.missed).toEqual({ count: 35, first: new Date(T0 + 5_000), last: new Date(T0 + 175_000) });
    expect(event.run.scheduledAt).toEqual(new Date(T0 + 175_000));
    const missed = await scheduler.listRuns('j', { status: 'missed' });
    expect(missed.map((r) => time(r.scheduledAt))).toEqual(['00:02:55']);
    await scheduler.stop();
  });

  it('maxMissedEvents caps the missed runs recorded per catch-up whatever the policy', async () => {
    const { scheduler, of } = await downFor(3 * 60_000 + 2_000, 'latest', { maxMissedEvents: 3 });
    expect(of('job.missed').map((e) => time(e.run.scheduledAt))).toEqual([
      '00:02:45',
      '00:02:50',
      '00:02:55',
    ]);
    expect(await scheduler.listRuns('j', { status: 'missed' })).toHaveLength(3);
    await scheduler.stop();
  });

  it('missed runs do not push real runs out of runRetention', async () => {
    const { scheduler, clock } = await downFor(0, 'latest', { runRetention: 3 });
    await clock.advance('20s'); // four real runs: 00:00:05 … 00:00:20
    await scheduler.stop();
    await clock.set(T0 + 5 * 60_000); // down for five minutes: 55 missed, one catch-up run
    const again = new Scheduler({
      storage: scheduler.storage,
      clock,
      transport: new MockTransport(),
      runRetention: 3,
    });
    await again.start();
    await clock.advance('1s');
    const runs = await again.listRuns('j', { limit: 100 });
    const ran = runs.filter((r) => r.status === 'succeeded').map((r) => time(r.scheduledAt));
    expect(ran).toEqual(['00:05:00', '00:00:20', '00:00:15']);
    expect(runs.filter((r) => r.status === 'missed')).toHaveLength(3);
    await again.stop();
  });
});

describe('a restart skips nothing that is due', () => {
  /** An instance stops while its run of 00:00:10 is claimed ahead (queued); another starts `downMs` later. */
  async function restart(
    storage: Storage,
    catchUp: CatchUpPolicy,
    downMs: number,
    options: SchedulerOptions = {},
    thenMs = 0,
  ) {
    const clock = new FakeClock(T0);
    await storage.migrate();
    const first = new Scheduler({ storage, clock, transport: new MockTransport([], { clock }), ...options });
    first.handle('work', () => undefined);
    await first.addJob({ id: 'j', schedule: { every: '5s' }, target: { handler: 'work' }, catchUp });
    await first.start();
    await clock.advance(9_600); // 00:00:05 ran; 00:00:10 is claimed ahead, waiting for its instant
    expect((await first.listRuns('j')).map((r) => `${time(r.scheduledAt)} ${r.status}`)).toEqual([
      '00:00:10 queued',
      '00:00:05 succeeded',
    ]);
    await first.stop();
    await clock.set(clock.now() + downMs);
    const second = new Scheduler({ storage, clock, transport: new MockTransport([], { clock }), ...options });
    const ran: string[] = [];
    second.handle('work', ({ run }) => void ran.push(`${time(run.scheduledAt)} ${run.trigger}`));
    const events: Array<SchedulerEvents['job.missed'] | SchedulerEvents['job.skipped']> = [];
    second.on('job.missed', (e) => void events.push(e));
    second.on('job.skipped', (e) => void events.push(e));
    await second.start();
    await clock.advance(thenMs);
    await flushPromises(5);
    const runs = await second.listRuns('j', { limit: 200 });
    await second.stop();
    const byStatus = (status: Run['status']) =>
      runs.filter((r) => r.status === status).map((r) => time(r.scheduledAt));
    return { ran, events, byStatus };
  }

  const storages: Array<[string, () => Storage]> = [
    ['MemoryStorage', () => new MemoryStorage()],
    ['shared SQLite', () => new SqliteStorage({ path: ':memory:', shared: true })],
  ];

  for (const [name, storage] of storages) {
    describe(name, () => {
      it("3 minutes later, 'latest': the newest runs once, the released occurrence is missed, nothing skipped", async () => {
        const { ran, events, byStatus } = await restart(storage(), 'latest', 180_000);
        expect(ran).toEqual(['00:03:05 schedule']);
        expect(byStatus('skipped')).toEqual([]);
        expect(byStatus('missed')).toHaveLength(35); // 00:00:10 … 00:03:00
        expect(byStatus('missed').at(-1)).toBe('00:00:10');
        expect(events.every((e) => e.type === 'job.missed')).toBe(true);
      });

      it("3 minutes later, 'summary': one job.missed counts the released occurrence too", async () => {
        const { events, byStatus } = await restart(storage(), 'latest', 180_000, { missedEvents: 'summary' });
        expect(events.map((e) => e.type === 'job.missed' && e.missed)).toEqual([
          { count: 35, first: new Date(T0 + 10_000), last: new Date(T0 + 180_000) },
        ]);
        expect(byStatus('skipped')).toEqual([]);
      });

      it('10 seconds later, { max: 3 }: the released occurrence runs, then those after it, in order', async () => {
        const { ran, byStatus } = await restart(storage(), { max: 3 }, 10_000, {}, 1_000);
        expect(ran).toEqual(['00:00:10 schedule', '00:00:15 schedule', '00:00:20 schedule']);
        expect(byStatus('skipped')).toEqual([]);
        expect(byStatus('missed')).toEqual([]);
      });

      it("10 seconds later, 'latest': the released occurrence runs, then those due after it, none skipped", async () => {
        const { ran, byStatus } = await restart(storage(), 'latest', 10_000, {}, 1_000);
        expect(ran).toEqual(['00:00:10 schedule', '00:00:15 schedule', '00:00:20 schedule']);
        expect(byStatus('missed')).toEqual([]);
        expect(byStatus('skipped')).toEqual([]);
      });

      it('0.2 s later: the released occurrence simply runs, on time', async () => {
        const { ran, byStatus } = await restart(storage(), 'skip', 200, {}, 500);
        expect(ran).toEqual(['00:00:10 schedule']);
        expect(byStatus('missed')).toEqual([]);
        expect(byStatus('skipped')).toEqual([]);
      });
    });
  }
});

describe('nextRuns', () => {
  it('lists the occurrence already claimed ahead right after start()', async () => {
    const { scheduler, clock } = createTestScheduler({ start: '2026-01-01T00:00:04.700Z' });
    await scheduler.addJob({ id: 'j', schedule: '*/5 * * * * *', target: { url: 'https://a.example/j' } });
    await scheduler.start(); // 00:00:05 is due within the fire-ahead window: claimed now, run at its instant
    expect((await scheduler.getJob('j'))?.nextRunAt).toEqual(new Date('2026-01-01T00:00:10Z'));
    expect((await scheduler.nextRuns('j', 3)).map(time)).toEqual(['00:00:05', '00:00:10', '00:00:15']);
    await clock.advance('1s');
    expect((await scheduler.nextRuns('j', 2)).map(time)).toEqual(['00:00:10', '00:00:15']);
    await scheduler.stop();
  });
});
