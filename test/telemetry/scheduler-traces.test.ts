import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { SchedulerOptions } from '../../src/scheduler/options.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { HttpTransport } from '../../src/transport/http.js';
import { startHttpServer } from '../helpers/http-server.js';
import { allAttributeText, createTestTelemetry, parentOf } from '../helpers/otel.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

async function setUp(options: SchedulerOptions = {}) {
  const otel = createTestTelemetry();
  const server = await startHttpServer();
  const transport = new HttpTransport();
  const scheduler = new Scheduler({
    storage: new MemoryStorage(),
    transport,
    telemetry: otel.options,
    ...options,
  });
  cleanups.push(
    () => otel.shutdown(),
    () => server.close(),
    () => transport.close(),
    () => scheduler.stop({ timeoutMs: 0 }),
  );
  return { otel, server, scheduler };
}

describe('traces of HTTP jobs (real HTTP on loopback)', () => {
  it('a run, its attempt and its HTTP client span, with the stable HTTP attributes', async () => {
    const { otel, server, scheduler } = await setUp();
    await scheduler.addJob({
      id: 'report',
      name: 'Nightly report',
      schedule: '0 3 * * *',
      target: { url: server.url('/reports/build?api_key=k3y-in-query'), method: 'PUT' },
    });
    const run = await scheduler.triggerJob('report');
    expect(run.status).toBe('succeeded');

    expect(otel.tree()).toEqual(['run report', '  attempt', '    PUT']);
    const runSpan = otel.one('run report');
    const attempt = otel.one('attempt');
    const http = otel.one('PUT');
    expect(parentOf(attempt)).toBe(runSpan.spanContext().spanId);
    expect(parentOf(http)).toBe(attempt.spanContext().spanId);
    expect(runSpan.kind).toBe(SpanKind.INTERNAL);
    expect(runSpan.attributes).toMatchObject({
      'cronhook.job.id': 'report',
      'cronhook.job.name': 'Nightly report',
      'cronhook.job.schedule': '0 3 * * * (UTC)',
      'cronhook.run.id': run.id,
      'cronhook.run.trigger': 'manual',
      'cronhook.run.scheduled_at': run.scheduledAt.toISOString(),
      'cronhook.run.lateness_ms': 0,
      'cronhook.run.status': 'succeeded',
      'cronhook.run.attempts': 1,
    });
    expect(runSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.attributes).toMatchObject({ 'cronhook.job.id': 'report', 'cronhook.run.attempt': 1 });
    expect(http.kind).toBe(SpanKind.CLIENT);
    expect(http.attributes).toEqual({
      'http.request.method': 'PUT',
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'url.full': `${server.origin}/reports/build`,
      'url.scheme': 'http',
      'http.response.status_code': 200,
    });
  });

  it("sends traceparent: the receiver sees the run's trace and the HTTP span as its parent", async () => {
    const { otel, server, scheduler } = await setUp();
    await scheduler.addJob({ id: 'ping', schedule: { every: '1h' }, target: { url: server.url('/ping') } });
    await scheduler.triggerJob('ping');
    const runSpan = otel.one('run ping');
    const http = otel.one('POST');
    const { traceId } = runSpan.spanContext();
    expect(server.requests[0]?.headers.traceparent).toBe(`00-${traceId}-${http.spanContext().spanId}-01`);
  });

  it('leaves traceparent out with propagateTraceContext: false, and replaces a traceparent header set on the job', async () => {
    const { otel, server, scheduler } = await setUp();
    await scheduler.addJob({
      id: 'private',
      schedule: { every: '1h' },
      target: { url: server.url('/a'), propagateTraceContext: false },
    });
    await scheduler.addJob({
      id: 'forged',
      schedule: { every: '1h' },
      target: {
        url: server.url('/b'),
        headers: { TraceParent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
      },
    });
    expect((await scheduler.getJob('private'))?.target).toMatchObject({ propagateTraceContext: false });
    await scheduler.triggerJob('private');
    await scheduler.triggerJob('forged');
    expect(server.requests[0]?.headers.traceparent).toBeUndefined();
    const forged = otel.named('run forged')[0]!;
    expect(server.requests[1]?.headers.traceparent).toContain(forged.spanContext().traceId);
  });

  it('refuses a propagateTraceContext that is not a boolean, naming the field', async () => {
    const { scheduler } = await setUp();
    await expect(
      scheduler.addJob({
        id: 'x',
        schedule: { every: '1h' },
        target: { url: 'http://127.0.0.1/', propagateTraceContext: 'no' as unknown as boolean },
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_JOB', field: 'target.propagateTraceContext' });
  });

  it('one attempt span per attempt; failures carry error.type and the retry its resend count', async () => {
    const { otel, server, scheduler } = await setUp();
    let calls = 0;
    server.setHandler((_req, res) => {
      res.writeHead(++calls === 1 ? 503 : 204).end();
    });
    await scheduler.addJob({
      id: 'flaky',
      schedule: { every: '1h' },
      target: { url: server.url('/flaky') },
      retry: { attempts: 3, minDelayMs: 1 },
    });
    const run = await scheduler.triggerJob('flaky');
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(otel.tree()).toEqual(['run flaky', '  attempt', '    POST', '  attempt', '    POST']);
    const failedHttp = otel.named('POST').find((s) => s.attributes['http.response.status_code'] === 503)!;
    const okHttp = otel.named('POST').find((s) => s.attributes['http.response.status_code'] === 204)!;
    expect(failedHttp.attributes['error.type']).toBe('503');
    expect(failedHttp.status.code).toBe(SpanStatusCode.ERROR);
    expect(okHttp.attributes['http.request.resend_count']).toBe(1);
    expect(okHttp.attributes['error.type']).toBeUndefined();
    const failedAttempt = otel.named('attempt').find((s) => s.attributes['cronhook.run.attempt'] === 1)!;
    expect(failedAttempt.attributes).toMatchObject({
      'error.type': 'ERR_HTTP_STATUS',
      'cronhook.error.code': 'ERR_HTTP_STATUS',
    });
    expect(otel.one('run flaky').attributes).toMatchObject({
      'cronhook.run.attempts': 2,
      'cronhook.run.status': 'succeeded',
    });
  });

  it('a failed run is an error span with its code, and a connection failure an error.type on the HTTP span', async () => {
    const { otel, server, scheduler } = await setUp();
    const port = server.port;
    await server.close();
    await scheduler.addJob({
      id: 'down',
      schedule: { every: '1h' },
      target: { url: `http://127.0.0.1:${port}/` },
    });
    const run = await scheduler.triggerJob('down');
    expect(run.status).toBe('failed');
    const runSpan = otel.one('run down');
    expect(runSpan.status).toEqual({ code: SpanStatusCode.ERROR, message: run.error!.code });
    expect(runSpan.attributes['cronhook.error.code']).toBe(run.error!.code);
    const http = otel.one('POST');
    expect(http.attributes['error.type']).toBe(run.error!.code);
    expect(http.attributes['http.response.status_code']).toBeUndefined();
  });

  it('puts no secret, header value or query string in any span attribute or status', async () => {
    const { otel, server, scheduler } = await setUp();
    server.setHandler((_req, res) => {
      res.writeHead(500).end('no');
    });
    const signingSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    await scheduler.addJob({
      id: 'secretive',
      schedule: { every: '1h' },
      target: {
        url: server.url('/charge?api_key=QUERY-TOKEN&x=1'),
        headers: { authorization: 'Bearer HEADER-TOKEN', 'x-api-key': 'OTHER-TOKEN' },
        signingSecret,
      },
    });
    const run = await scheduler.triggerJob('secretive');
    expect(run.status).toBe('failed');
    const text = allAttributeText(otel.spans());
    for (const secret of ['QUERY-TOKEN', 'api_key', 'HEADER-TOKEN', 'OTHER-TOKEN', signingSecret, 'x=1']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('traces of handler jobs', () => {
  it("a handler's own spans nest under its attempt, inside the run's trace", async () => {
    const { otel, scheduler } = await setUp();
    const app = trace.getTracer('app');
    scheduler.handle('cleanup', async () => {
      await app.startActiveSpan('purge rows', async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        span.end();
      });
      return { purged: 3 };
    });
    // The app's spans go to the global provider: the test's SDK registered as global too.
    trace.setGlobalTracerProvider(otel.tracerProvider);
    cleanups.push(() => trace.disable());
    await scheduler.addJob({ id: 'cleanup', schedule: '0 4 * * *', target: { handler: 'cleanup' } });
    await scheduler.triggerJob('cleanup');
    expect(otel.tree()).toEqual(['run cleanup', '  attempt', '    purge rows']);
    expect(otel.one('run cleanup').attributes['cronhook.job.handler']).toBe('cleanup');
  });

  it('a throwing handler fails its attempt and run spans with the error code, never its message', async () => {
    const { otel, scheduler } = await setUp();
    scheduler.handle('boom', () => {
      throw new Error('database password is hunter2');
    });
    await scheduler.addJob({ id: 'boom', schedule: '0 4 * * *', target: { handler: 'boom' } });
    const run = await scheduler.triggerJob('boom');
    expect(run.status).toBe('failed');
    expect(otel.one('attempt').attributes['error.type']).toBe('_OTHER');
    expect(otel.one('run boom').status.code).toBe(SpanStatusCode.ERROR);
    expect(allAttributeText(otel.spans())).not.toContain('hunter2');
  });
});

describe('parents of run spans', () => {
  it("a manual run is a child of the caller's span; a scheduled one starts its own trace", async () => {
    const otel = createTestTelemetry();
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const scheduler = new Scheduler({ clock, telemetry: otel.options });
    cleanups.push(
      () => otel.shutdown(),
      () => scheduler.stop({ timeoutMs: 0 }),
    );
    scheduler.handle('noop', () => {});
    await scheduler.addJob({ id: 'tick', schedule: { every: '1m' }, target: { handler: 'noop' } });
    const app = otel.tracerProvider.getTracer('app');
    // An app request span is active while the scheduler starts (and arms its timer) and while it triggers.
    await app.startActiveSpan('POST /admin/run', async (request) => {
      await scheduler.start();
      await scheduler.triggerJob('tick');
      request.end();
    });
    await clock.advance('1m');
    await flushPromises(10);
    const request = otel.one('POST /admin/run');
    const runs = otel.named('run tick');
    const manual = runs.find((s) => s.attributes['cronhook.run.trigger'] === 'manual')!;
    const scheduled = runs.find((s) => s.attributes['cronhook.run.trigger'] === 'schedule')!;
    expect(parentOf(manual)).toBe(request.spanContext().spanId);
    expect(parentOf(scheduled)).toBeUndefined();
    expect(scheduled.spanContext().traceId).not.toBe(request.spanContext().traceId);
    // Spans follow the injected clock: the scheduled run started at its instant, on time.
    expect(scheduled.startTime[0]).toBe(Date.parse('2026-01-01T00:01:00Z') / 1000);
    expect(scheduled.attributes['cronhook.run.lateness_ms']).toBe(0);
  });
});
