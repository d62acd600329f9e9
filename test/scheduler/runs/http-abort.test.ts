import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { FakeClock } from '../../../src/testing/fake-clock.js';
import { HttpTransport } from '../../../src/transport/http.js';
import { startHttpServer, type TestHttpServer } from '../../helpers/http-server.js';

// An HTTP job's request (checked once per job, see checked-requests.test.ts) is ended by its run's own
// controller: the attempt's timeout or the scheduler's stop end it at once. On the system clock the attempt's
// timeout is its only deadline; on any other clock the request keeps the transport's real-time one as well.

let server: TestHttpServer;
let transport: HttpTransport;
let scheduler: Scheduler | undefined;

beforeEach(async () => {
  // Never answers.
  server = await startHttpServer(() => {});
  transport = new HttpTransport();
});

afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await transport.close();
  await server.close();
});

/**
 * On the system clock the attempt's timeout is real time: long enough that a loaded machine's server has
 * taken the request before it ends (with 50 ms it sometimes had not, and the request count was off).
 */
const REAL_TIMEOUT_MS = 300;

async function hangingJob(options: { clock?: FakeClock } = {}, timeoutMs = 50): Promise<Scheduler> {
  scheduler = new Scheduler({ ...options, transport, storage: new MemoryStorage() });
  await scheduler.addJob({
    id: 'hang',
    schedule: '@yearly',
    target: { url: server.url('/h'), timeoutMs },
  });
  return scheduler;
}

describe("an HTTP job's request ended by its run", () => {
  it("fails by its attempt's timeout on the system clock, with the attempt's error", async () => {
    const run = await (await hangingJob({}, REAL_TIMEOUT_MS)).triggerJob('hang');
    expect(run).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    expect(run.error?.message).toBe(`Job hang attempt 1 timed out after ${REAL_TIMEOUT_MS} ms`);
    // Sent once. Its timeout can still fire before this process's server side has read it (load 13-17).
    await vi.waitFor(() => expect(server.requests).toHaveLength(1), { timeout: 10_000 });
  });

  it("keeps the transport's real-time deadline on a clock that does not move", async () => {
    const clock = new FakeClock('2026-03-01T10:00:00.000Z');
    const run = await (await hangingJob({ clock })).triggerJob('hang');
    expect(run).toMatchObject({ status: 'failed', error: { code: 'ERR_TIMEOUT' } });
    expect(run.error?.message).not.toContain('attempt 1');
  });

  it("fails by its attempt's timeout on a fake clock moved past it", async () => {
    const clock = new FakeClock('2026-03-01T10:00:00.000Z');
    const done = (await hangingJob({ clock })).triggerJob('hang');
    await clock.advance(50);
    const run = await done;
    expect(run.error?.message).toBe('Job hang attempt 1 timed out after 50 ms');
  });

  it('is ended by stop() with ERR_STOPPED', async () => {
    const s = await hangingJob();
    await s.updateJob('hang', { target: { url: server.url('/h'), timeoutMs: 60_000 } });
    const done = s.triggerJob('hang');
    await vi.waitFor(() => expect(server.requests).toHaveLength(1), { timeout: 10_000 });
    await s.stop({ timeoutMs: 0 });
    expect(await done).toMatchObject({ status: 'failed', error: { code: 'ERR_STOPPED' } });
  });

  it("of a job with retries is ended through the attempt's own controller: by its timeout, then by stop()", async () => {
    const s = await hangingJob();
    await s.updateJob('hang', {
      target: { url: server.url('/h'), timeoutMs: REAL_TIMEOUT_MS },
      retry: { attempts: 3, minDelayMs: 1, factor: 1 },
    });
    const retried = await s.triggerJob('hang');
    expect(retried).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'ERR_TIMEOUT' } });
    expect(retried.error?.message).toBe(`Job hang attempt 3 timed out after ${REAL_TIMEOUT_MS} ms`);
    await s.updateJob('hang', { target: { url: server.url('/h'), timeoutMs: 60_000 } });
    const done = s.triggerJob('hang');
    await vi.waitFor(() => expect(server.requests).toHaveLength(4), { timeout: 10_000 });
    await s.stop({ timeoutMs: 0 });
    expect(await done).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'ERR_STOPPED' } });
  });
});
