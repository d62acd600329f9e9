import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('Scheduler runs', () => {
  it('calls an HTTP target with idempotency and provenance headers on every occurrence', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    await scheduler.addJob({
      id: 'ping',
      schedule: { every: '1m' },
      target: { url: 'https://api.example.com/ping', body: { a: 1 } },
    });
    await scheduler.start();
    await clock.advance('3m');
    expect(transport.requests).toHaveLength(3);
    const [first] = transport.requests;
    expect(first?.method).toBe('POST');
    expect(first?.headers['idempotency-key']).toBe('ping:2026-01-01T00:01:00.000Z');
    expect(first?.headers['x-cronhook-job']).toBe('ping');
    expect(first?.headers['x-cronhook-scheduled-at']).toBe('2026-01-01T00:01:00.000Z');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.body).toBe('{"a":1}');
    expect(transport.requests.map((r) => r.at - Date.parse('2026-01-01T00:00:00Z'))).toEqual([
      60_000, 120_000, 180_000,
    ]);
    await scheduler.stop();
  });

  it('signs HTTP job calls with the Standard Webhooks headers when the job has a signing secret', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    const job = await scheduler.addJob({
      id: 'signed',
      schedule: { every: '1m' },
      target: { url: 'https://api.example.com/x', body: { hello: 'world' }, signingSecret: SECRET },
    });
    expect(JSON.stringify(job)).not.toContain(SECRET);
    expect(JSON.stringify(await scheduler.listJobs())).not.toContain(SECRET);
    await scheduler.start();
    await clock.advance('1m');
    const request = transport.requests[0]!;
    const verified = () =>
      verifyWebhook({
        payload: request.body ?? '',
        headers: request.headers,
        secret: SECRET,
        now: clock.date(),
      });
    expect(verified).not.toThrow();
    await scheduler.stop();
  });

  it('retries failed attempts with backoff on the clock, keeping one idempotency key', async () => {
    const { scheduler, clock, transport, of } = createTestScheduler();
    transport.reply([{ status: 503 }, { status: 503 }, { status: 200, body: 'ok' }]);
    await scheduler.addJob({
      id: 'flaky',
      schedule: { at: '2026-01-01T00:01:00Z' },
      target: { url: 'https://api.example.com/flaky' },
      retry: { attempts: 3, minDelayMs: 1000, factor: 2 },
    });
    await scheduler.start();
    await clock.advance('1m');
    expect(transport.requests).toHaveLength(1);
    await clock.advance(999);
    expect(transport.requests).toHaveLength(1);
    await clock.advance(1);
    expect(transport.requests).toHaveLength(2);
    await clock.advance(2000);
    expect(transport.requests).toHaveLength(3);
    expect(new Set(transport.requests.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(of('job.retrying').map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 1000],
      [2, 2000],
    ]);
    const [run] = await scheduler.listRuns('flaky');
    expect(run).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      statusCode: 200,
      responseSnippet: 'ok',
      error: null,
    });
    await scheduler.stop();
  });

  it('retries a handler that throws a non-Error value like any failure, and records what it threw', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    let calls = 0;
    scheduler.handle('throws-string', () => {
      calls++;
      throw 'quota exceeded';
    });
    await scheduler.addJob({
      id: 'stringly',
      schedule: { at: '2026-01-01T00:01:00Z' },
      target: { handler: 'throws-string' },
      retry: { attempts: 3, minDelayMs: 1000, factor: 1 },
    });
    await scheduler.start();
    await clock.advance('1m');
    await clock.advance(2000);
    expect(calls).toBe(3);
    expect(of('job.retrying').map((e) => e.attempt)).toEqual([1, 2]);
    const [run] = await scheduler.listRuns('stringly');
    expect(run).toMatchObject({ status: 'failed', attempts: 3 });
    expect(run?.error?.code).toBe('ERR_HANDLER_FAILED');
    expect(run?.error?.message).toContain('quota exceeded');
    await scheduler.stop();
  });

  it('records a failed run with its status code, error code and a capped response snippet', async () => {
    const { scheduler, clock, transport, of } = createTestScheduler();
    transport.reply([{ status: 500, body: 'x'.repeat(10_000) }]);
    await scheduler.addJob({
      id: 'bad',
      schedule: { every: '1m' },
      target: { url: 'https://api.example.com/bad' },
    });
    await scheduler.start();
    await clock.advance('1m');
    const [run] = await scheduler.listRuns('bad');
    expect(run).toMatchObject({
      status: 'failed',
      attempts: 1,
      statusCode: 500,
      error: { code: 'ERR_HTTP_STATUS' },
    });
    expect(run?.responseSnippet).toHaveLength(4096);
    expect(of('job.failed')[0]?.error.code).toBe('ERR_HTTP_STATUS');
    await scheduler.stop();
  });

  it("names the target by origin and path in a failed run's error, its events and its retries: never the query", async () => {
    const { scheduler, clock, transport, of } = createTestScheduler();
    transport.reply([{ status: 500 }]);
    await scheduler.addJob({
      id: 'charge',
      schedule: { every: '1m' },
      target: { url: 'https://api.example.com/charge?api_key=K3Y#x' },
      retry: { attempts: 2, minDelayMs: 1000 },
    });
    await scheduler.start();
    await clock.advance('1m');
    await clock.advance(1000);
    const [run] = await scheduler.listRuns('charge');
    const expected = { code: 'ERR_HTTP_STATUS', message: 'POST https://api.example.com/charge answered 500' };
    expect(run?.error).toEqual(expected);
    expect(of('job.retrying')[0]?.error).toEqual(expected);
    expect(of('job.failed')[0]?.error).toEqual(expected);
    await scheduler.stop();
  });

  it('keeps credentials of a URL stored before they were refused out of run errors (the job still runs)', async () => {
    const { scheduler, clock, transport, storage } = createTestScheduler();
    transport.reply([{ status: 503 }]);
    await scheduler.addJob({
      id: 'legacy',
      schedule: { every: '1m' },
      target: { url: 'https://a.example.com/x' },
    });
    // A row written by an older version, which accepted user:password@ in job URLs.
    const record = (await storage.getJob('legacy'))!;
    await storage.updateJob({
      ...record,
      target: { url: 'https://svc:Sup3r@a.example.com/x?t=1', method: 'POST' },
    });
    await scheduler.start();
    await clock.advance('1m');
    const [run] = await scheduler.listRuns('legacy');
    expect(run?.error?.message).toBe('POST https://a.example.com/x answered 503');
    expect(transport.requests).toHaveLength(1);
    await scheduler.stop();
  });

  it('treats successStatuses as the success rule', async () => {
    const { scheduler, clock, transport } = createTestScheduler();
    transport.reply([{ status: 404 }]);
    await scheduler.addJob({
      id: 'gone-ok',
      schedule: { every: '1m' },
      target: { url: 'https://a.example/x' },
      successStatuses: [404],
    });
    await scheduler.start();
    await clock.advance('1m');
    expect((await scheduler.listRuns('gone-ok'))[0]?.status).toBe('succeeded');
    await scheduler.stop();
  });

  it('passes job, run, payload and attempt to handlers and stores their result', async () => {
    const { scheduler, clock } = createTestScheduler();
    const seen: unknown[] = [];
    scheduler.handle<{ n: number }>('double', ({ payload, job, run, attempt }) => {
      seen.push([job.id, run.trigger, attempt]);
      return { doubled: payload.n * 2 };
    });
    await scheduler.addJob({
      id: 'h',
      schedule: '*/5 * * * *',
      target: { handler: 'double', payload: { n: 21 } },
    });
    await scheduler.start();
    await clock.advance('5m');
    expect(seen).toEqual([['h', 'schedule', 1]]);
    expect((await scheduler.listRuns('h'))[0]).toMatchObject({
      status: 'succeeded',
      responseSnippet: '{"doubled":42}',
    });
    await scheduler.stop();
  });

  it('aborts a handler on timeout and records ERR_TIMEOUT', async () => {
    const { scheduler, clock } = createTestScheduler();
    let aborted: unknown;
    scheduler.handle(
      'slow',
      ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            reject(signal.reason);
          });
        }),
    );
    await scheduler.addJob({
      id: 'slow',
      schedule: { every: '1m' },
      target: { handler: 'slow', timeoutMs: 5000 },
    });
    await scheduler.start();
    await clock.advance('1m');
    await clock.advance(5000);
    expect(aborted).toBeInstanceOf(CronhookError);
    expect((await scheduler.listRuns('slow'))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_TIMEOUT' },
    });
    await scheduler.stop();
  });

  it('fails a run whose handler is not registered, without retrying', async () => {
    const { scheduler, clock } = createTestScheduler();
    await scheduler.addJob({
      id: 'nohandler',
      schedule: { every: '1m' },
      target: { handler: 'missing' },
      retry: { attempts: 3 },
    });
    await scheduler.start();
    await clock.advance('1m');
    expect((await scheduler.listRuns('nohandler'))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'ERR_HANDLER_NOT_FOUND' },
    });
    await scheduler.stop();
  });

  it('triggerJob runs a job now and resolves with the finished run', async () => {
    const { scheduler, transport } = createTestScheduler();
    await scheduler.addJob({ id: 'manual', schedule: '0 3 * * *', target: { url: 'https://a.example/run' } });
    const run = await scheduler.triggerJob('manual');
    expect(run).toMatchObject({ jobId: 'manual', trigger: 'manual', status: 'succeeded', attempts: 1 });
    expect(transport.requests).toHaveLength(1);
    await expect(scheduler.triggerJob('nope')).rejects.toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
  });

  it('stop() lets runs finish within the timeout, then aborts and records the rest as ERR_STOPPED', async () => {
    const { scheduler, clock } = createTestScheduler();
    let signalSeen: AbortSignal | undefined;
    scheduler.handle('forever', ({ signal }) => {
      signalSeen = signal;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    });
    await scheduler.addJob({
      id: 'forever',
      schedule: { every: '1m' },
      target: { handler: 'forever', timeoutMs: 3_600_000 },
    });
    await scheduler.start();
    await clock.advance('1m');
    const stopping = scheduler.stop({ timeoutMs: 2000 });
    await clock.advance(1999);
    expect(signalSeen?.aborted).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(signalSeen?.aborted).toBe(true);
    expect((await scheduler.listRuns('forever'))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'ERR_STOPPED' },
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('a listener that throws becomes an error event and never breaks the run', async () => {
    const { scheduler, clock, of } = createTestScheduler();
    scheduler.on('job.started', () => {
      throw new Error('listener bug');
    });
    scheduler.on(
      'job.succeeded',
      async () => {
        throw new Error('async listener bug');
      },
      { await: true },
    );
    await scheduler.addJob({ id: 'ok', schedule: { every: '1m' }, target: { url: 'https://a.example/ok' } });
    await scheduler.start();
    await clock.advance('2m');
    expect(of('job.succeeded')).toHaveLength(2);
    expect(of('error').map((e) => (e.error as Error).message)).toEqual([
      'listener bug',
      'async listener bug',
      'listener bug',
      'async listener bug',
    ]);
    await scheduler.stop();
  });

  it('awaited listeners finish before the run is stored as finished', async () => {
    const { scheduler, clock, storage } = createTestScheduler();
    const statusDuringListener: string[] = [];
    scheduler.on(
      'job.succeeded',
      async (e) => {
        statusDuringListener.push((await storage.getRun(e.run.id))!.status);
      },
      { await: true },
    );
    await scheduler.addJob({ id: 'ok', schedule: { every: '1m' }, target: { url: 'https://a.example/ok' } });
    await scheduler.start();
    await clock.advance('1m');
    expect(statusDuringListener).toEqual(['running']);
    expect((await scheduler.listRuns('ok'))[0]?.status).toBe('succeeded');
    await scheduler.stop();
  });

  it('triggered runs hand handlers and listeners their own job: changing it reaches no later run', async () => {
    const { scheduler } = createTestScheduler();
    const seen: Array<{ team: unknown; createdAt: number; payload: unknown }> = [];
    scheduler.handle('mutate', ({ job, payload }) => {
      seen.push({
        team: job.metadata.team,
        createdAt: job.createdAt.getTime(),
        payload: structuredClone(payload),
      });
      job.metadata.team = 'changed by the handler';
      job.createdAt.setTime(0);
      (job.target as { payload: { n: number } }).payload.n = 99;
    });
    scheduler.on('job.succeeded', (e) => {
      e.job.metadata.team = 'changed by a listener';
    });
    const added = await scheduler.addJob({
      id: 'm',
      schedule: { every: '1h' },
      target: { handler: 'mutate', payload: { n: 1 } },
      metadata: { team: 'core' },
    });
    expect((await scheduler.triggerJob('m')).status).toBe('succeeded');
    expect((await scheduler.triggerJob('m')).status).toBe('succeeded');
    const first = { team: 'core', createdAt: added.createdAt.getTime(), payload: { n: 1 } };
    expect(seen).toEqual([first, first]);
    expect(await scheduler.getJob('m')).toEqual(added);
  });
});
