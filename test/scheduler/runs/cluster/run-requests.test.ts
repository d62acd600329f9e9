import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../../../src/scheduler/scheduler.js';
import type { JobContext, SchedulerEvents } from '../../../../src/scheduler/types.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import type { Storage } from '../../../../src/storage/types.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { MockTransport } from '../../../../src/testing/mock-transport.js';
import { withoutMethods } from '../../../helpers/storage.js';

const build = { id: 'build', schedule: { every: '1d' }, target: { handler: 'build', payload: { n: 1 } } };
const ping = { id: 'ping', schedule: { every: '1d' }, target: { url: 'https://svc.example/ping' } };

/** Schedulers of several "instances" on one storage and one fake clock. */
function cluster(storage: Storage = new MemoryStorage()) {
  const clock = new FakeClock('2026-01-01T00:00:00.000Z');
  const transport = new MockTransport([], { clock });
  const handled: Array<{ instance: string; ctx: JobContext }> = [];
  const skipped: Array<SchedulerEvents['job.skipped']> = [];
  const instance = (instanceId: string, handlers: string[] = []) => {
    const scheduler = new Scheduler({ storage, clock, transport, instanceId });
    for (const name of handlers)
      scheduler.handle(name, (ctx) => void handled.push({ instance: instanceId, ctx }));
    scheduler.on('job.skipped', (e) => void skipped.push(e));
    return scheduler;
  };
  return { storage, clock, transport, handled, skipped, instance };
}

describe('run requests (requestRun, waitForRun)', () => {
  it('a scheduler that never starts asks; a started instance with the handler runs it at once; waitForRun gives the outcome', async () => {
    const { clock, handled, instance } = cluster();
    const cli = instance('cli');
    const worker = instance('worker', ['build']);
    await cli.upsertJob(build);
    await worker.start();
    const requested = await cli.requestRun('build');
    expect(requested).toMatchObject({
      jobId: 'build',
      status: 'queued',
      trigger: 'manual',
      instanceId: null,
    });
    const outcome = cli.waitForRun(requested.id);
    await clock.advance(0);
    expect(handled).toEqual([
      { instance: 'worker', ctx: expect.objectContaining({ payload: { n: 1 }, attempt: 1 }) },
    ]);
    expect(handled[0]?.ctx.run).toMatchObject({ id: requested.id, trigger: 'manual' });
    await clock.advance(250);
    expect(await outcome).toMatchObject({ id: requested.id, status: 'succeeded', instanceId: 'worker' });
    await worker.stop();
  });

  it('an instance without the handler leaves the request to one that has it; an HTTP job goes to any', async () => {
    const { clock, handled, transport, instance, storage } = cluster();
    const other = instance('other', ['something-else']);
    await other.upsertJob(build);
    await other.upsertJob(ping);
    await other.start();
    const requested = await other.requestRun('build');
    const http = await other.requestRun('ping');
    await clock.advance('5s');
    expect(await other.waitForRun(http.id)).toMatchObject({ status: 'succeeded', instanceId: 'other' });
    expect(transport.requests.map((r) => r.url)).toEqual(['https://svc.example/ping']);
    expect(await storage.getRun(requested.id)).toMatchObject({ status: 'queued', instanceId: null });
    const worker = instance('worker', ['build']);
    await worker.start();
    await clock.advance(0);
    expect(handled.map((h) => h.instance)).toEqual(['worker']);
    expect((await storage.listRuns({ jobId: 'build' })).map((r) => [r.status, r.instanceId])).toEqual([
      ['succeeded', 'worker'],
    ]);
    await Promise.all([other.stop(), worker.stop()]);
  });

  it('a request none takes in time never runs: waitForRun reports ERR_REQUEST_EXPIRED, and the next instance records it skipped', async () => {
    const { clock, handled, skipped, instance, storage } = cluster();
    const cli = instance('cli');
    await cli.upsertJob(build);
    const requested = await cli.requestRun('build', { expiresInMs: 5_000 });
    const outcome = cli.waitForRun(requested.id);
    await clock.advance('6s');
    const expired = {
      status: 'skipped',
      error: { code: 'ERR_REQUEST_EXPIRED', message: expect.stringContaining('with handler "build"') },
    };
    expect(await outcome).toMatchObject(expired);
    expect(await storage.getRun(requested.id)).toMatchObject({ status: 'queued', instanceId: null });
    const late = instance('late', ['build']);
    await late.start();
    expect(handled).toEqual([]);
    expect(await storage.getRun(requested.id)).toMatchObject({
      ...expired,
      instanceId: 'late',
      lockedUntil: null,
    });
    expect(skipped).toEqual([
      expect.objectContaining({ reason: 'expired', run: expect.objectContaining(expired) }),
    ]);
    await late.stop();
  });

  it('waitForRun gives up after timeoutMs or on abort, leaving the run; an unknown run is ERR_RUN_NOT_FOUND', async () => {
    const { clock, instance, storage } = cluster();
    const cli = instance('cli');
    await cli.upsertJob(build);
    const requested = await cli.requestRun('build');
    const timedOut = cli.waitForRun(requested.id, { timeoutMs: 2_000 }).catch((e: unknown) => e);
    await clock.advance('2s');
    expect(await timedOut).toMatchObject({
      code: 'ERR_TIMEOUT',
      field: 'timeoutMs',
      message: expect.stringContaining('waiting for an instance to take it'),
    });
    const abort = new AbortController();
    const aborted = cli.waitForRun(requested.id, { signal: abort.signal }).catch((e: unknown) => e);
    abort.abort(new Error('user gave up'));
    expect(await aborted).toMatchObject({ message: 'user gave up' });
    expect(await storage.getRun(requested.id)).toMatchObject({ status: 'queued' });
    await expect(cli.waitForRun('run_nope')).rejects.toMatchObject({
      code: 'ERR_RUN_NOT_FOUND',
      field: 'runId',
    });
    await expect(cli.waitForRun(requested.id, { pollIntervalMs: 1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      field: 'pollIntervalMs',
    });
  });

  it('requestRun validates before storing: the job, expiresInMs, and a storage that can hand runs over', async () => {
    const { instance, storage } = cluster();
    const cli = instance('cli');
    await cli.upsertJob(build);
    await expect(cli.requestRun('nope')).rejects.toMatchObject({ code: 'ERR_JOB_NOT_FOUND', field: 'id' });
    for (const expiresInMs of [999, 86_400_001, 1.5, Number.NaN]) {
      await expect(cli.requestRun('build', { expiresInMs })).rejects.toMatchObject({
        code: 'ERR_INVALID_OPTION',
        field: 'expiresInMs',
      });
    }
    expect(await storage.listRuns({ jobId: 'build' })).toEqual([]);
    const custom = cluster(withoutMethods(new MemoryStorage(), 'claimRunRequests')).instance('custom');
    await custom.upsertJob(build);
    await expect(custom.requestRun('build')).rejects.toMatchObject({
      code: 'ERR_NOT_SUPPORTED',
      field: 'storage',
    });
  });

  it('triggerJob refuses a handler job whose handler this instance lacks, recording nothing', async () => {
    const { instance, storage, transport } = cluster();
    const cli = instance('cli');
    await cli.upsertJob(build);
    await expect(cli.triggerJob('build')).rejects.toMatchObject({
      code: 'ERR_HANDLER_NOT_FOUND',
      field: 'target.handler',
      message: expect.stringContaining('requestRun()'),
    });
    expect(await storage.listRuns({ jobId: 'build' })).toEqual([]);
    await cli.upsertJob(ping);
    expect(await cli.triggerJob('ping')).toMatchObject({ status: 'succeeded', instanceId: 'cli' });
    expect(transport.requests).toHaveLength(1);
  });
});
