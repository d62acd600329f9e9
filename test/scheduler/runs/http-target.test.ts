import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createTestScheduler } from '../../helpers/scheduler.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

// Runs of HTTP jobs: the request each occurrence makes, and what a run records of the answer.
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
});
