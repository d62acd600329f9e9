import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import type { JobDefinition } from '../../src/scheduler/types.js';
import { createTestScheduler } from '../helpers/scheduler.js';

const base: JobDefinition = { id: 'j', schedule: '*/5 * * * *', target: { url: 'https://a.example/j' } };

async function rejection(promise: Promise<unknown>): Promise<CronhookError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  return error as CronhookError;
}

describe('Scheduler job management', () => {
  it('stores a job with defaults and returns it from getJob and listJobs', async () => {
    const { scheduler, of } = createTestScheduler();
    const job = await scheduler.addJob(base);
    expect(job).toMatchObject({
      id: 'j',
      schedule: { kind: 'cron', cron: '*/5 * * * *', timezone: 'UTC' },
      overlap: 'skip',
      catchUp: 'latest',
      retry: { attempts: 1 },
      enabled: true,
      nextRunAt: new Date('2026-01-01T00:05:00Z'),
    });
    expect(await scheduler.getJob('j')).toEqual(job);
    expect(await scheduler.listJobs()).toEqual([job]);
    expect(of('job.added')).toHaveLength(1);
    const generated = await scheduler.addJob({ schedule: { every: '1h' }, target: { handler: 'x' } });
    expect(generated.id).toMatch(/^job_/);
  });

  it('rejects a duplicate id with ERR_DUPLICATE_JOB and leaves the stored job unchanged', async () => {
    const { scheduler } = createTestScheduler();
    const original = await scheduler.addJob(base);
    const error = await rejection(scheduler.addJob({ ...base, schedule: '0 0 * * *', name: 'other' }));
    expect(error.code).toBe('ERR_DUPLICATE_JOB');
    expect(await scheduler.getJob('j')).toEqual(original);
  });

  it.each([
    [{ ...base, schedule: '61 * * * *' }, 'ERR_INVALID_SCHEDULE', 'schedule'],
    [
      { ...base, schedule: { cron: '0 3 * * *', timezone: 'Mars/Olympus' } },
      'ERR_INVALID_SCHEDULE',
      'schedule.timezone',
    ],
    [{ ...base, schedule: { every: '500ms' } }, 'ERR_INVALID_SCHEDULE', 'schedule.every'],
    [
      { ...base, schedule: { at: '2025-01-01T00:00:00Z' }, catchUp: 'skip' as const },
      'ERR_INVALID_SCHEDULE',
      'schedule.at',
    ],
    [{ ...base, target: { url: 'ftp://a.example/' } }, 'ERR_INVALID_JOB', 'target.url'],
    [{ ...base, target: { url: 'https://a.example', method: 'BREW' } }, 'ERR_INVALID_JOB', 'target.method'],
    [{ ...base, retry: { attempts: 0 } }, 'ERR_INVALID_JOB', 'retry.attempts'],
    [{ ...base, overlap: 'sometimes' as 'skip' }, 'ERR_INVALID_JOB', 'overlap'],
    [{ ...base, catchUp: { max: -1 } }, 'ERR_INVALID_JOB', 'catchUp.max'],
    [{ ...base, jitterMs: -5 }, 'ERR_INVALID_JOB', 'jitterMs'],
    [{ ...base, id: 'has spaces' }, 'ERR_INVALID_JOB', 'id'],
    [{ ...base, endAt: '2026-01-01', startAt: '2026-02-01' }, 'ERR_INVALID_JOB', 'endAt'],
  ])('rejects %j with %s naming %s', async (definition, code, field) => {
    const { scheduler } = createTestScheduler();
    const error = await rejection(scheduler.addJob(definition as JobDefinition));
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(await scheduler.listJobs()).toEqual([]);
  });

  it('accepts an at in the past when catchUp runs it, and runs it at once', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    await scheduler.addJob({ ...base, schedule: { at: '2025-12-31T00:00:00Z' } });
    await scheduler.start();
    await clock.advance(0);
    expect(transport.requests).toHaveLength(1);
    await scheduler.stop();
  });

  it('updateJob merges a patch, validates the whole, and keeps the job on a bad patch', async () => {
    const { scheduler, of } = createTestScheduler();
    await scheduler.addJob({ ...base, metadata: { tenant: 'acme' } });
    const updated = await scheduler.updateJob('j', { schedule: '0 * * * *', name: 'hourly' });
    expect(updated).toMatchObject({
      name: 'hourly',
      metadata: { tenant: 'acme' },
      nextRunAt: new Date('2026-01-01T01:00:00Z'),
    });
    const error = await rejection(scheduler.updateJob('j', { retry: { attempts: 1000 } }));
    expect(error.field).toBe('retry.attempts');
    expect(await scheduler.getJob('j')).toEqual(updated);
    expect((await rejection(scheduler.updateJob('nope', {}))).code).toBe('ERR_JOB_NOT_FOUND');
    expect(of('job.updated')).toHaveLength(1);
  });

  it('keeps a signing secret across updates that do not touch the target', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    await scheduler.addJob({
      ...base,
      schedule: { every: '1m' },
      target: { url: 'https://a.example/s', signingSecret: secret },
    });
    await scheduler.updateJob('j', { name: 'renamed' });
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests[0]?.headers['webhook-signature']).toMatch(/^v1,/);
    await scheduler.stop();
  });

  it('removeJob deletes the job and its runs and emits job.removed', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    await scheduler.addJob({ ...base, schedule: { every: '1m' } });
    await scheduler.start();
    await clock.advance('2m');
    await scheduler.removeJob('j');
    expect(await scheduler.getJob('j')).toBeNull();
    expect(await scheduler.listRuns('j')).toEqual([]);
    expect(of('job.removed')).toHaveLength(1);
    await clock.advance('5m');
    expect(of('job.started')).toHaveLength(2);
    await scheduler.stop();
  });

  it('validates scheduler options eagerly, naming the option', () => {
    expect(() => new Scheduler({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => new Scheduler({ timezone: 'Nowhere/Land' })).toThrow(/timezone/);
    try {
      new Scheduler({ leaseMs: 5 });
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'leaseMs' });
    }
  });

  it('checks addressPolicy when the scheduler is created: null or false no longer allow everything silently', () => {
    for (const [addressPolicy, field] of [
      [null, 'addressPolicy'],
      [false, 'addressPolicy'],
      ['strict', 'addressPolicy'],
      [{ allowPrivateNetworks: 'no' }, 'addressPolicy.allowPrivateNetworks'],
      [{ allow: ['10.0.0.0/33'] }, 'addressPolicy.allow[0]'],
    ] as const) {
      expect(() => new Scheduler({ addressPolicy: addressPolicy as never })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', field }),
      );
    }
    expect(
      () => new Scheduler({ addressPolicy: { allowPrivateNetworks: false, allow: ['10.1.0.0/16'] } }),
    ).not.toThrow();
  });

  it('stops through Symbol.asyncDispose', async () => {
    const { scheduler, clock } = createTestScheduler();
    await scheduler.addJob({ ...base, schedule: { every: '1m' } });
    {
      await using s = scheduler;
      await s.start();
    }
    expect(scheduler.stats().state).toBe('stopped');
    expect(clock.pendingTimers).toBe(0);
    await expect(scheduler.triggerJob('j')).rejects.toMatchObject({ code: 'ERR_STOPPED' });
  });
});
