import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { JobDefinition } from '../../../src/scheduler/types.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import type { Storage } from '../../../src/storage/types.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { createTestScheduler } from '../../helpers/scheduler.js';
import { withoutMethods } from '../../helpers/storage.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const sync: JobDefinition & { id: string } = {
  id: 'sync',
  schedule: { every: '15m' },
  target: {
    url: 'https://billing.example.com/sync',
    method: 'POST',
    headers: { authorization: 'Bearer one', 'x-team': 'ops' },
    body: { full: false, scope: ['a', 'b'] },
  },
  retry: { attempts: 3 },
  metadata: { tenant: 'acme', tier: 2 },
};

/** The same definition as written by someone else: lower-case method, no trailing slash, other key order. */
const syncRewritten: JobDefinition & { id: string } = {
  metadata: { tier: 2, tenant: 'acme' },
  retry: { attempts: 3, factor: 2, minDelayMs: 1_000 },
  target: {
    body: { scope: ['a', 'b'], full: false },
    headers: { 'x-team': 'ops', authorization: 'Bearer one' },
    method: 'post',
    url: 'https://billing.example.com/sync',
  },
  schedule: { every: 900_000 },
  overlap: 'skip',
  id: 'sync',
};

describe('scheduler.upsertJob', () => {
  it('creates a job, then leaves the same definition, however written, alone: no write, no event', async () => {
    const { scheduler, clock, storage, of } = createTestScheduler();
    const first = await scheduler.upsertJob(sync);
    expect(first).toMatchObject({ created: true, updated: false, job: { id: 'sync' } });
    expect(of('job.added')).toHaveLength(1);
    const stored = await storage.getJob('sync');
    await clock.advance('7m');
    const again = await scheduler.upsertJob(syncRewritten);
    expect(again).toEqual({ job: first.job, created: false, updated: false });
    expect(await storage.getJob('sync')).toEqual(stored);
    expect(of('job.updated')).toHaveLength(0);
  });

  it('keeps an unchanged job’s catch-up: after downtime, the restarted instance runs what was missed', async () => {
    const storage = new MemoryStorage();
    const { scheduler, clock, transport } = createTestScheduler({ storage });
    await scheduler.upsertJob({ ...sync, schedule: { every: '5m' } });
    await scheduler.start();
    await clock.advance('5m');
    expect(transport.requests).toHaveLength(1);
    await scheduler.stop();
    await clock.advance('32m'); // down: six occurrences missed
    const restarted = new Scheduler({ storage, clock, transport });
    const result = await restarted.upsertJob({ ...syncRewritten, schedule: { every: '5m' } });
    expect(result).toMatchObject({ created: false, updated: false });
    await restarted.start();
    await clock.advance('1s');
    const runs = await restarted.listRuns('sync', { limit: 20 });
    expect(runs.filter((r) => r.trigger === 'catch-up' && r.status === 'succeeded')).toHaveLength(1);
    expect(transport.requests).toHaveLength(2);
    await restarted.stop();
  });

  it('updates a changed target keeping the next run, and moves the next run for a changed schedule', async () => {
    const { scheduler, clock, storage, of } = createTestScheduler();
    await scheduler.upsertJob(sync);
    const nextRunAt = (await storage.getJob('sync'))?.nextRunAt;
    await clock.advance('5m');
    const changed = await scheduler.upsertJob({
      ...sync,
      target: { ...sync.target, url: 'https://billing.example.com/v2/sync' },
    });
    expect(changed).toMatchObject({ created: false, updated: true });
    expect(changed.job).toMatchObject({ nextRunAt, updatedAt: clock.date() });
    expect(of('job.updated')).toHaveLength(1);
    const rescheduled = await scheduler.upsertJob({ ...sync, schedule: { every: '10m' } });
    expect(rescheduled.updated).toBe(true);
    expect(rescheduled.job.nextRunAt).toEqual(new Date(clock.now() + 10 * 60_000));
  });

  it('compares header values and the signing secret from the stored record, never returning them', async () => {
    const { scheduler } = createTestScheduler();
    const signed = { ...sync, target: { ...sync.target, signingSecret: SECRET } };
    await scheduler.upsertJob(signed);
    expect((await scheduler.upsertJob(signed)).updated).toBe(false);
    const rotated = await scheduler.upsertJob({
      ...signed,
      target: { ...signed.target, headers: { authorization: 'Bearer two', 'x-team': 'ops' } },
    });
    expect(rotated.updated).toBe(true);
    expect(JSON.stringify(rotated)).not.toContain('Bearer');
    expect(JSON.stringify(rotated)).not.toContain(SECRET);
    const unsigned = await scheduler.upsertJob(sync);
    expect(unsigned.updated).toBe(true);
  });

  it('compares enabled only when the definition gives it: a paused job stays paused', async () => {
    const { scheduler, clock } = createTestScheduler();
    await scheduler.upsertJob(sync);
    await scheduler.pauseJob('sync');
    expect(await scheduler.upsertJob(sync)).toMatchObject({ updated: false, job: { enabled: false } });
    await clock.advance('1h');
    const resumed = await scheduler.upsertJob({ ...sync, enabled: true });
    expect(resumed).toMatchObject({ updated: true, job: { enabled: true } });
    expect(resumed.job.nextRunAt).toEqual(new Date(clock.now() + 15 * 60_000));
    const paused = await scheduler.upsertJob({ ...sync, enabled: false });
    expect(paused).toMatchObject({ updated: true, job: { enabled: false } });
  });

  it('validates before anything is stored: an id is required, and a bad field is named', async () => {
    const { scheduler, storage } = createTestScheduler();
    const { id: _id, ...noId } = sync;
    await expect(scheduler.upsertJob(noId as typeof sync)).rejects.toMatchObject({
      code: 'ERR_INVALID_JOB',
      field: 'id',
    });
    await expect(scheduler.upsertJob({ ...sync, schedule: '61 * * * *' })).rejects.toMatchObject({
      code: 'ERR_INVALID_SCHEDULE',
      field: 'schedule',
    });
    await scheduler.upsertJob(sync);
    await expect(scheduler.upsertJob({ ...sync, retry: { attempts: 0 } })).rejects.toMatchObject({
      code: 'ERR_INVALID_JOB',
      field: 'retry.attempts',
    });
    expect((await storage.getJob('sync'))?.retry.attempts).toBe(3);
  });

  it('keeps declaring a one-off job whose instant has passed, but refuses a new past instant with catchUp skip', async () => {
    const { scheduler, clock } = createTestScheduler();
    const once = { id: 'once', schedule: { at: '2026-01-01T00:10:00Z' }, target: { handler: 'h' } };
    await scheduler.upsertJob({ ...once, catchUp: 'skip' });
    await clock.advance('1h');
    expect((await scheduler.upsertJob({ ...once, catchUp: 'skip' })).updated).toBe(false);
    await expect(
      scheduler.upsertJob({ ...once, catchUp: 'skip', schedule: { at: '2026-01-01T00:20:00Z' } }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_SCHEDULE', field: 'schedule.at' });
    const caughtUp = await scheduler.upsertJob({ ...once, schedule: { at: '2026-01-01T00:20:00Z' } });
    expect(caughtUp.updated).toBe(true);
  });

  it.each([
    ['with replaceJob', (s: MemoryStorage): Storage => s],
    ['without replaceJob (a custom adapter)', (s: MemoryStorage) => withoutMethods(s, 'replaceJob')],
  ])('lets concurrent callers end with one job, one of them creating it (%s)', async (_name, wrap) => {
    const storage = wrap(new MemoryStorage());
    const schedulers = Array.from(
      { length: 5 },
      () => new Scheduler({ storage, transport: new MockTransport() }),
    );
    const created = await Promise.all(schedulers.map((s) => s.upsertJob(sync)));
    expect(created.filter((r) => r.created)).toHaveLength(1);
    expect(created.filter((r) => r.updated)).toHaveLength(0);
    expect(await storage.listJobs()).toHaveLength(1);
    const changed = await Promise.all(schedulers.map((s) => s.upsertJob({ ...sync, name: 'Sync' })));
    expect(changed.some((r) => r.updated)).toBe(true);
    expect((await storage.getJob('sync'))?.name).toBe('Sync');
  });

  it('applies a change once when concurrent callers read the same job (replaceJob)', async () => {
    const storage = new MemoryStorage();
    const schedulers = Array.from(
      { length: 5 },
      () => new Scheduler({ storage, transport: new MockTransport() }),
    );
    await schedulers[0]!.upsertJob(sync);
    const changed = await Promise.all(schedulers.map((s) => s.upsertJob({ ...sync, name: 'Sync' })));
    expect(changed.filter((r) => r.updated)).toHaveLength(1);
    expect(changed.filter((r) => !r.updated).map((r) => r.job.name)).toEqual([
      'Sync',
      'Sync',
      'Sync',
      'Sync',
    ]);
  });
});
