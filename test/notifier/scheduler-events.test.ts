import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/events.js';
import type { Job, Run, SchedulerEvents } from '../../src/scheduler/types.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { verifyWebhook } from '../../src/verify/index.js';
import { createNotifierHarness } from '../helpers/notifier.js';

const HOOK = 'https://hooks.example.com/cron';

// The notifier as a listener of scheduler events, given by hand: what it stores and when, the payload, the topic
// and which endpoints get it. With a real Scheduler running jobs: scheduler-webhooks.test.ts.

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'nightly',
    name: 'Nightly report',
    schedule: { kind: 'cron', cron: '0 3 * * *', timezone: 'Europe/Paris' },
    // More than a public job holds (a stored job's values), to show none of it reaches a receiver.
    target: {
      url: 'https://user:pw@api.example.com/report?token=abc',
      method: 'post',
      headers: { authorization: 'Bearer job-secret' },
      body: { x: 1 },
      signingSecret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0',
    } as unknown as Job['target'],
    retry: { attempts: 1, minDelayMs: 1000, maxDelayMs: 60_000, factor: 2 },
    overlap: 'skip',
    catchUp: 'latest',
    successStatuses: null,
    jitterMs: 0,
    startAt: null,
    endAt: null,
    maxRuns: null,
    enabled: true,
    metadata: { tenant: 'acme', tier: 2 },
    createdAt: new Date('2025-12-01T00:00:00Z'),
    updatedAt: new Date('2025-12-01T00:00:00Z'),
    nextRunAt: null,
    runCount: 0,
    ...overrides,
  };
}

function run(overrides: Partial<Run> = {}): Run {
  return {
    id: 'run_1',
    jobId: 'nightly',
    trigger: 'schedule',
    scheduledAt: new Date('2026-01-01T03:00:00Z'),
    status: 'failed',
    startedAt: new Date('2026-01-01T03:00:00Z'),
    finishedAt: new Date('2026-01-01T03:00:02Z'),
    durationMs: 2000,
    attempts: 2,
    statusCode: 502,
    error: { code: 'ERR_HTTP_STATUS', message: 'Target answered 502' },
    responseSnippet: 'bad gateway',
    instanceId: 'i1',
    ...overrides,
  };
}

describe('WebhookNotifier with a scheduler event source', () => {
  it('stores the message before the awaited emit resolves, so a run finishes only after it is stored', async () => {
    const clock = new FakeClock('2026-01-01T03:00:02Z');
    const source = new Emitter<SchedulerEvents>(() => clock.date());
    // A slow storage write: the emit must not resolve before it is committed.
    const storage = new MemoryStorage();
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    // Both writes a publish may use (MemoryStorage has insertFanout; a storage without it, insertMessage).
    const insertMessage = storage.insertMessage.bind(storage);
    storage.insertMessage = async (input) => {
      await committed;
      return insertMessage(input);
    };
    const insertFanout = storage.insertFanout.bind(storage);
    storage.insertFanout = async (input) => {
      await committed;
      return insertFanout(input);
    };
    const h = createNotifierHarness({ clock, storage, scheduler: source });
    await h.notifier.addEndpoint({ url: HOOK, topics: ['job.execution.failed'] });
    let emitted = false;
    const emitting = source
      .emit('job.failed', {
        type: 'job.failed',
        at: clock.date(),
        job: job(),
        run: run(),
        error: run().error!,
      })
      .then(() => {
        emitted = true;
      });
    await h.settle();
    expect(emitted).toBe(false);
    commit();
    await emitting;
    const { deliveries } = await h.notifier.listDeliveries();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ topic: 'job.execution.failed', status: 'pending' });
  });

  it('builds the job payload without headers, bodies, credentials or secrets', async () => {
    const clock = new FakeClock('2026-01-01T03:00:02Z');
    const source = new Emitter<SchedulerEvents>(() => clock.date());
    const h = createNotifierHarness({ clock, scheduler: source });
    const { secret } = await h.notifier.addEndpoint({ url: HOOK });
    await h.notifier.start();
    await source.emit('job.failed', {
      type: 'job.failed',
      at: clock.date(),
      job: job(),
      run: run(),
      error: run().error!,
    });
    await h.settle();
    const request = h.transport.requests[0]!;
    const body = verifyWebhook({
      payload: request.body!,
      headers: request.headers,
      secret,
      now: clock.date(),
    });
    expect(body).toEqual({
      type: 'job.execution.failed',
      timestamp: '2026-01-01T03:00:02.000Z',
      data: {
        job: {
          id: 'nightly',
          name: 'Nightly report',
          schedule: { kind: 'cron', cron: '0 3 * * *' },
          timezone: 'Europe/Paris',
          target: { url: 'https://api.example.com/report', method: 'POST' },
          metadata: { tenant: 'acme', tier: 2 },
        },
        run: {
          id: 'run_1',
          trigger: 'schedule',
          scheduledAt: '2026-01-01T03:00:00.000Z',
          startedAt: '2026-01-01T03:00:00.000Z',
          finishedAt: '2026-01-01T03:00:02.000Z',
          durationMs: 2000,
          status: 'failed',
          attempts: 2,
          statusCode: 502,
          error: { code: 'ERR_HTTP_STATUS', message: 'Target answered 502' },
        },
      },
    });
    expect(request.body).not.toMatch(/job-secret|token=abc|pw@|whsec_|bad gateway/);
    await h.notifier.stop();
  });

  it('maps each job event to its topic, and a handler target to its name', async () => {
    const clock = new FakeClock();
    const source = new Emitter<SchedulerEvents>(() => clock.date());
    const h = createNotifierHarness({ clock, scheduler: source });
    await h.notifier.addEndpoint({ url: HOOK, topics: ['job.*'] });
    const handlerJob = job({
      target: { handler: 'cleanup', payload: { secret: 'x' } },
      schedule: { kind: 'every', everyMs: 60_000, anchor: 'x' },
    });
    const base = { at: clock.date(), job: handlerJob };
    await source.emit('job.started', { ...base, type: 'job.started', run: run({ status: 'running' }) });
    await source.emit('job.succeeded', { ...base, type: 'job.succeeded', run: run({ status: 'succeeded' }) });
    await source.emit('job.failed', { ...base, type: 'job.failed', run: run(), error: run().error! });
    const missedRun = run({ status: 'missed' });
    const missed = { count: 1, first: missedRun.scheduledAt, last: missedRun.scheduledAt };
    await source.emit('job.missed', { ...base, type: 'job.missed', run: missedRun, missed });
    await source.emit('job.retrying', {
      ...base,
      type: 'job.retrying',
      run: run(),
      error: run().error!,
      attempt: 1,
      delayMs: 1,
    });
    await h.notifier.start();
    await h.settle();
    const bodies = h.transport.requests.map((r) => JSON.parse(r.body!));
    expect(bodies.map((b) => b.type).sort()).toEqual([
      'job.execution.failed',
      'job.execution.missed',
      'job.execution.started',
      'job.execution.succeeded',
    ]);
    expect(bodies[0].data.job).toMatchObject({
      target: { handler: 'cleanup' },
      schedule: { kind: 'every', everyMs: 60_000 },
      timezone: null,
    });
    expect(JSON.stringify(bodies)).not.toContain('"secret"');
    await h.notifier.stop();
  });

  it('sends each endpoint only the events of its jobIds and metadata match', async () => {
    const clock = new FakeClock();
    const source = new Emitter<SchedulerEvents>(() => clock.date());
    const h = createNotifierHarness({ clock, scheduler: source });
    await h.notifier.addEndpoint({
      url: 'https://acme.example.com/',
      match: { metadata: { tenant: 'acme' } },
    });
    await h.notifier.addEndpoint({
      url: 'https://globex.example.com/',
      match: { metadata: { tenant: 'globex' } },
    });
    await h.notifier.addEndpoint({ url: 'https://only-b.example.com/', jobIds: ['b'] });
    await h.notifier.start();
    for (const [id, tenant] of [
      ['a', 'acme'],
      ['b', 'globex'],
      ['c', 'acme'],
    ] as const) {
      await source.emit('job.succeeded', {
        type: 'job.succeeded',
        at: clock.date(),
        job: job({ id, metadata: { tenant } }),
        run: run({ jobId: id, status: 'succeeded' }),
      });
    }
    await h.settle();
    const jobsTo = (prefix: string) =>
      h.transport
        .requestsTo(prefix)
        .map((r) => JSON.parse(r.body!).data.job.id)
        .sort();
    expect(jobsTo('https://acme.example.com/')).toEqual(['a', 'c']);
    expect(jobsTo('https://globex.example.com/')).toEqual(['b']);
    expect(jobsTo('https://only-b.example.com/')).toEqual(['b']);
    await h.notifier.stop();
  });
});
