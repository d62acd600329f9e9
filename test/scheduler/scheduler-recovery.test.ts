import { describe, expect, it } from 'vitest';
import { buildJobRecord } from '../../src/scheduler/jobs/definition.js';
import { newRunRecord } from '../../src/scheduler/runs/records/run-records.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { createTestScheduler } from '../helpers/scheduler.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Storage as a dead instance left it: a job and one of its runs, leased to `dead` until just after T0. */
async function leftBehind(status: 'queued' | 'running', attempts: number) {
  const storage = new MemoryStorage();
  const job = buildJobRecord(
    { id: 'orphaned', schedule: '0 12 * * *', target: { url: 'https://a.example/o' }, retry: { attempts } },
    { timezone: 'UTC', now: T0 - 3_600_000 },
  );
  await storage.insertJob(job);
  const run = newRunRecord(job, T0 - 60_000, 'schedule', status, { instanceId: 'dead', until: T0 - 1 });
  if (status === 'running') {
    run.startedAt = new Date(T0 - 60_000);
    run.attempts = 1;
  }
  await storage.insertRun(run);
  return { storage, run };
}

describe('Scheduler recovery of runs whose instance died', () => {
  it('marks a running run ERR_LEASE_EXPIRED and runs it again when the retry policy allows', async () => {
    const { storage, run } = await leftBehind('running', 2);
    const { scheduler, transport, of } = createTestScheduler({ storage });
    await scheduler.start();
    expect((await storage.getRun(run.id))?.error?.code).toBe('ERR_LEASE_EXPIRED');
    expect(of('job.failed').map((e) => e.error.code)).toEqual(['ERR_LEASE_EXPIRED']);
    const runs = await scheduler.listRuns('orphaned');
    expect(runs.map((r) => [r.trigger, r.status])).toContainEqual(['retry-after-crash', 'succeeded']);
    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]?.headers['idempotency-key']).toBe('orphaned:2025-12-31T23:59:00.000Z');
    await scheduler.stop();
  });

  it('does not run a crashed run again when its retry policy has no attempts left', async () => {
    const { storage } = await leftBehind('running', 1);
    const { scheduler, transport } = createTestScheduler({ storage });
    await scheduler.start();
    expect(transport.requests).toHaveLength(0);
    expect((await scheduler.listRuns('orphaned')).map((r) => r.status)).toEqual(['failed']);
    await scheduler.stop();
  });

  it('runs a queued run that never started, under the new instance', async () => {
    const { storage, run } = await leftBehind('queued', 1);
    const { scheduler, transport } = createTestScheduler({ storage, instanceId: 'heir' });
    await scheduler.start();
    expect(transport.requests).toHaveLength(1);
    expect(await storage.getRun(run.id)).toMatchObject({ status: 'succeeded', instanceId: 'heir' });
    await scheduler.stop();
  });

  it('leaves runs alone while their lease is live', async () => {
    const { storage, run } = await leftBehind('running', 2);
    await storage.renewRunLeases({ instanceId: 'dead', runIds: [run.id], until: new Date(T0 + 60_000) });
    const { scheduler, transport } = createTestScheduler({ storage });
    await scheduler.start();
    expect(transport.requests).toHaveLength(0);
    expect((await storage.getRun(run.id))?.status).toBe('running');
    await scheduler.stop();
  });
});
