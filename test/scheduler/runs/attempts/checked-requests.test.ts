import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../../../src/storage/memory/index.js';
import { FakeClock } from '../../../../src/testing/fake-clock.js';
import { HttpTransport } from '../../../../src/transport/http.js';
import type { SendOptions, TransportRequest, TransportResponse } from '../../../../src/transport/types.js';
import { VERSION } from '../../../../src/version.js';
import { startHttpServer, type TestHttpServer } from '../../../helpers/http-server.js';

// An HTTP job's request is checked by the transport once per job record (in-process storage, HttpTransport)
// and sent run after run with only its scheduled time changed: what arrives must be what a request built
// and checked for each run would be.

let server: TestHttpServer;
let transport: HttpTransport;
let scheduler: Scheduler;
let clock: FakeClock;

beforeEach(async () => {
  server = await startHttpServer((req, res) => {
    // Echoes the request's authorization: a run must not keep it.
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`seen ${req.headers.authorization ?? ''}`);
  });
  clock = new FakeClock('2026-03-01T10:00:00.000Z');
});

afterEach(async () => {
  await scheduler.stop();
  await transport.close();
  await server.close();
});

function start(sender: HttpTransport = new HttpTransport()): Scheduler {
  transport = sender;
  scheduler = new Scheduler({ clock, transport, storage: new MemoryStorage() });
  return scheduler;
}

describe('HTTP job requests checked once per job', () => {
  it("sends the job's own and provenance headers on every run, each run with its own scheduled time", async () => {
    start();
    await scheduler.addJob({
      id: 'report',
      schedule: '@yearly',
      target: { url: server.url('/report?v=1'), body: { a: 1 }, headers: { 'X-Team': 'billing' } },
    });
    await scheduler.triggerJob('report');
    await clock.advance(1_500);
    await scheduler.triggerJob('report');
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first!.path).toBe('/report?v=1');
    expect(first!.method).toBe('POST');
    expect(first!.body).toBe('{"a":1}');
    expect(first!.headers).toMatchObject({
      'user-agent': `cronhook/${VERSION}`,
      'content-type': 'application/json',
      'x-team': 'billing',
      'idempotency-key': 'report:2026-03-01T10:00:00.000Z',
      'x-cronhook-job': 'report',
      'x-cronhook-scheduled-at': '2026-03-01T10:00:00.000Z',
    });
    expect(second!.headers).toMatchObject({
      'x-team': 'billing',
      'idempotency-key': 'report:2026-03-01T10:00:01.500Z',
      'x-cronhook-job': 'report',
      'x-cronhook-scheduled-at': '2026-03-01T10:00:01.500Z',
    });
  });

  it("keeps a job header whose value is one of the per-run headers' names as the job says", async () => {
    start();
    await scheduler.addJob({
      id: 'names',
      schedule: '@yearly',
      target: {
        url: server.url('/'),
        headers: { 'x-a': 'idempotency-key', 'x-b': 'x-cronhook-scheduled-at' },
      },
    });
    await scheduler.triggerJob('names');
    expect(server.requests[0]!.headers).toMatchObject({
      'x-a': 'idempotency-key',
      'x-b': 'x-cronhook-scheduled-at',
      'idempotency-key': 'names:2026-03-01T10:00:00.000Z',
      'x-cronhook-scheduled-at': '2026-03-01T10:00:00.000Z',
    });
  });

  it('sends what a changed job says from its next run on', async () => {
    start();
    await scheduler.addJob({
      id: 'sync',
      schedule: '@yearly',
      target: { url: server.url('/old'), method: 'PUT', headers: { 'x-mode': 'a' } },
    });
    await scheduler.triggerJob('sync');
    await scheduler.updateJob('sync', {
      target: { url: server.url('/new'), method: 'PATCH', body: 'text', headers: { 'x-mode': 'b' } },
    });
    await scheduler.triggerJob('sync');
    const [before, after] = server.requests;
    expect([before!.method, before!.path, before!.headers['x-mode']]).toEqual(['PUT', '/old', 'a']);
    expect([after!.method, after!.path, after!.headers['x-mode'], after!.body]).toEqual([
      'PATCH',
      '/new',
      'b',
      'text',
    ]);
    expect(after!.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it("keeps the job's header values out of the run's response snippet, as for any request", async () => {
    start();
    await scheduler.addJob({
      id: 'secret',
      schedule: '@yearly',
      target: { url: server.url('/s'), headers: { authorization: 'Bearer tok-123456789' } },
    });
    for (const run of [await scheduler.triggerJob('secret'), await scheduler.triggerJob('secret')]) {
      expect(run.status).toBe('succeeded');
      expect(run.responseSnippet).toBe('seen [redacted]');
    }
    expect(server.requests[1]!.headers.authorization).toBe('Bearer tok-123456789');
  });

  it('gives a transport that overrides send every request, to change as it likes', async () => {
    class Tagging extends HttpTransport {
      override send(request: TransportRequest, options?: SendOptions): Promise<TransportResponse> {
        return super.send({ ...request, headers: { ...request.headers, 'x-tag': 'yes' } }, options);
      }
    }
    start(new Tagging());
    await scheduler.addJob({ id: 'tagged', schedule: '@yearly', target: { url: server.url('/t') } });
    await scheduler.triggerJob('tagged');
    await scheduler.triggerJob('tagged');
    expect(server.requests.map((r) => r.headers['x-tag'])).toEqual(['yes', 'yes']);
  });

  it('fails a run whose transport was closed with ERR_STOPPED, as send does', async () => {
    start();
    await scheduler.addJob({ id: 'late', schedule: '@yearly', target: { url: server.url('/l') } });
    expect((await scheduler.triggerJob('late')).status).toBe('succeeded');
    await transport.close();
    const run = await scheduler.triggerJob('late');
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('ERR_STOPPED');
  });
});
