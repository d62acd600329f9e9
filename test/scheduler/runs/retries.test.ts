import { describe, expect, it } from 'vitest';
import { createTestScheduler } from '../../helpers/scheduler.js';

// A failed attempt is tried again after its backoff, within the job's retry policy.
describe('Scheduler runs', () => {
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
});
