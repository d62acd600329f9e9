import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { NotifierTelemetryOptions } from '../../src/telemetry/options.js';
import { parseTraceparent } from '../../src/telemetry/trace-context.js';
import { HttpTransport } from '../../src/transport/http.js';
import { startHttpServer } from '../helpers/http-server.js';
import { allAttributeText, createTestTelemetry, parentOf } from '../helpers/otel.js';
import { until, useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

async function setUp(telemetry: Partial<NotifierTelemetryOptions> = {}, sampler?: Sampler) {
  const otel = createTestTelemetry(sampler === undefined ? {} : { sampler });
  const server = await startHttpServer();
  const storage = new MemoryStorage();
  const transport = new HttpTransport();
  const scheduler = new Scheduler({ storage, transport, telemetry: otel.options });
  const notifier = new WebhookNotifier({
    scheduler,
    storage,
    transport,
    allowPrivateNetworks: true,
    retrySchedule: [1],
    retryJitter: 0,
    telemetry: { ...otel.options, ...telemetry },
  });
  scheduler.handle('work', () => 'done');
  await scheduler.addJob({ id: 'nightly', schedule: '0 3 * * *', target: { handler: 'work' } });
  await notifier.start();
  cleanups.push(
    () => otel.shutdown(),
    () => server.close(),
    () => transport.close(),
    () => scheduler.stop({ timeoutMs: 0 }),
    () => notifier.stop({ timeoutMs: 0 }),
  );
  return { otel, server, scheduler, notifier, storage };
}

describe('traces of webhook deliveries (real HTTP on loopback)', () => {
  it("stores the run's context with its message; the delivery attempt links to it, its HTTP span beneath", async () => {
    const { otel, server, scheduler, notifier, storage } = await setUp();
    await notifier.addEndpoint({
      url: server.url('/hooks?token=QUERY-SECRET'),
      topics: ['job.execution.succeeded'],
    });
    await scheduler.triggerJob('nightly');
    await until(() => otel.named('POST').length === 1);

    expect(otel.tree()).toEqual([
      'run nightly',
      '  attempt',
      '  create job.execution.succeeded',
      'send job.execution.succeeded',
      '  POST',
    ]);
    const run = otel.one('run nightly');
    const create = otel.one('create job.execution.succeeded');
    const send = otel.one('send job.execution.succeeded');
    const http = otel.one('POST');
    expect(parentOf(create)).toBe(run.spanContext().spanId);
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(create.attributes).toMatchObject({
      'messaging.system': 'cronhook',
      'messaging.operation.type': 'create',
      'messaging.destination.name': 'job.execution.succeeded',
      'cronhook.message.deliveries': 1,
    });
    const [delivery] = (await notifier.listDeliveries()).deliveries;
    const message = await storage.getMessage(delivery!.messageId);
    expect(message?.traceContext).toEqual({
      traceparent: `00-${create.spanContext().traceId}-${create.spanContext().spanId}-01`,
    });
    expect(create.attributes['messaging.message.id']).toBe(delivery!.messageId);

    // The attempt starts a trace of its own, linked to the message's origin (and so to the run).
    expect(parentOf(send)).toBeUndefined();
    expect(send.kind).toBe(SpanKind.CLIENT);
    expect(send.links.map((l) => l.context.spanId)).toEqual([create.spanContext().spanId]);
    expect(send.links[0]!.context.traceId).toBe(run.spanContext().traceId);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'cronhook',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'job.execution.succeeded',
      'messaging.message.id': delivery!.messageId,
      'cronhook.delivery.id': delivery!.id,
      'cronhook.endpoint.id': delivery!.endpointId,
      'cronhook.delivery.attempt': 1,
      'cronhook.delivery.trigger': 'auto',
      'cronhook.delivery.outcome': 'succeeded',
    });
    expect(parentOf(http)).toBe(send.spanContext().spanId);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.full': `${server.origin}/hooks`,
      'http.response.status_code': 200,
    });
    // The receiver sees the attempt's trace, the HTTP span as the parent of its own.
    expect(server.requests[0]?.headers.traceparent).toBe(
      `00-${http.spanContext().traceId}-${http.spanContext().spanId}-01`,
    );
  });

  it('leaves traceparent out for an endpoint with propagateTraceContext: false (settable later too)', async () => {
    const { otel, server, scheduler, notifier } = await setUp();
    const { endpoint } = await notifier.addEndpoint({
      url: server.url('/private'),
      topics: ['job.execution.succeeded'],
      propagateTraceContext: false,
    });
    expect(endpoint.propagateTraceContext).toBe(false);
    await scheduler.triggerJob('nightly');
    await until(() => server.requests.length === 1);
    expect(server.requests[0]?.headers.traceparent).toBeUndefined();
    expect(
      (await notifier.updateEndpoint(endpoint.id, { propagateTraceContext: true })).propagateTraceContext,
    ).toBe(true);
    await scheduler.triggerJob('nightly');
    await until(() => server.requests.length === 2);
    expect(server.requests[1]?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await expect(
      notifier.addEndpoint({ url: server.url('/x'), propagateTraceContext: 'yes' as unknown as boolean }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ENDPOINT', field: 'propagateTraceContext' });
    // The attempt's span ends once its outcome is stored, after the receiver answered.
    await until(() => otel.named('send job.execution.succeeded').length === 2);
  });

  it("a message the app publishes inside its own span is that span's child; ping is a child of its caller", async () => {
    const { otel, server, notifier } = await setUp();
    const { endpoint } = await notifier.addEndpoint({ url: server.url('/app'), topics: ['invoice.*'] });
    const app = otel.tracerProvider.getTracer('app');
    await app.startActiveSpan('POST /invoices', async (span) => {
      await notifier.publish('invoice.paid', { id: 'inv_1' });
      await notifier.ping(endpoint.id);
      span.end();
    });
    await until(() => otel.named('send invoice.paid').length === 1);
    const request = otel.one('POST /invoices');
    expect(parentOf(otel.one('create invoice.paid'))).toBe(request.spanContext().spanId);
    const ping = otel.one('send webhook.ping');
    expect(parentOf(ping)).toBe(request.spanContext().spanId);
    expect(ping.attributes['cronhook.delivery.trigger']).toBe('ping');
    expect(parentOf(otel.one('send invoice.paid'))).toBeUndefined();
  });

  it('puts no secret, header value, authorization or query string in any span attribute', async () => {
    const { otel, server, scheduler, notifier } = await setUp();
    server.setHandler((_req, res) => {
      res.writeHead(500).end('down');
    });
    const { secret } = await notifier.addEndpoint({
      url: server.url('/hooks?token=QUERY-SECRET'),
      topics: ['job.execution.succeeded'],
      authorization: 'Bearer AUTH-SECRET',
      headers: { 'x-api-key': 'HEADER-SECRET' },
    });
    await scheduler.triggerJob('nightly');
    await until(() => server.requests.length === 2);
    await until(() => otel.named('send job.execution.succeeded').length === 2);
    const text = allAttributeText(otel.spans());
    for (const value of ['QUERY-SECRET', 'token', 'AUTH-SECRET', 'HEADER-SECRET', secret, secret.slice(6)]) {
      expect(text).not.toContain(value);
    }
    const failed = otel
      .named('send job.execution.succeeded')
      .find((s) => s.attributes['cronhook.delivery.attempt'] === 2)!;
    expect(failed.attributes).toMatchObject({
      'cronhook.delivery.outcome': 'failed',
      'error.type': 'ERR_HTTP_STATUS',
    });
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('delivery metrics', () => {
  it('counts attempts by endpoint, topic, trigger and outcome, and records http.client.request.duration', async () => {
    const { otel, server, scheduler, notifier } = await setUp();
    let calls = 0;
    server.setHandler((_req, res) => {
      res.writeHead(++calls === 1 ? 503 : 204).end();
    });
    const { endpoint } = await notifier.addEndpoint({
      url: server.url('/m'),
      topics: ['job.execution.succeeded'],
    });
    await scheduler.triggerJob('nightly');
    await until(() => otel.named('send job.execution.succeeded').length === 2);
    const attempts = (outcome: string) =>
      otel.sum('cronhook.delivery.attempts', {
        'cronhook.endpoint.id': endpoint.id,
        'messaging.destination.name': 'job.execution.succeeded',
        'cronhook.delivery.trigger': 'auto',
        'cronhook.delivery.outcome': outcome,
      });
    expect([await attempts('retrying'), await attempts('succeeded'), await attempts('failed')]).toEqual([
      1, 1, 0,
    ]);
    const http = await otel.points('http.client.request.duration', { 'cronhook.request.type': 'delivery' });
    expect(http.map((p) => p.attributes['http.response.status_code']).sort()).toEqual([204, 503]);
    for (const p of http) {
      expect(p.attributes).toMatchObject({
        'cronhook.endpoint.id': endpoint.id,
        'server.address': '127.0.0.1',
        'server.port': server.port,
      });
      expect((p.value as Histogram).count).toBe(1);
    }
  });

  it('perEndpointMetrics: false keeps the endpoint and its host off the metrics', async () => {
    const { otel, server, scheduler, notifier } = await setUp({ perEndpointMetrics: false });
    await notifier.addEndpoint({ url: server.url('/m'), topics: ['job.execution.succeeded'] });
    await scheduler.triggerJob('nightly');
    await until(() => otel.named('POST').length === 1);
    const points = [
      ...(await otel.points('cronhook.delivery.attempts')),
      ...(await otel.points('http.client.request.duration', { 'cronhook.request.type': 'delivery' })),
    ];
    expect(points).toHaveLength(2);
    for (const p of points) {
      expect(p.attributes['cronhook.endpoint.id']).toBeUndefined();
      expect(p.attributes['server.address']).toBeUndefined();
      expect(p.attributes['server.port']).toBeUndefined();
    }
    // Spans keep them: they are not aggregated.
    expect(otel.one('POST').attributes['server.address']).toBe('127.0.0.1');
  });
});

describe('a sampler that keeps no trace (real HTTP on loopback)', () => {
  it('records no span, still sends and stores unsampled trace context, and still counts every run and delivery', async () => {
    const { otel, server, scheduler, notifier, storage } = await setUp({}, new AlwaysOffSampler());
    await notifier.addEndpoint({ url: server.url('/hooks'), topics: ['job.execution.succeeded'] });
    await scheduler.addJob({ id: 'call', schedule: '0 3 * * *', target: { url: server.url('/job') } });
    let delivered = 0;
    notifier.on('delivery.succeeded', () => {
      delivered++;
    });

    await scheduler.triggerJob('call');
    await until(() => delivered === 1);

    expect(otel.spans()).toEqual([]);
    // W3C: the context goes out sampled or not; the flags say it was not sampled.
    const [job, hook] = [server.requests[0]!, server.requests[1]!];
    expect(job.path).toBe('/job');
    expect(parseTraceparent(job.headers.traceparent ?? '')).toMatchObject({ traceFlags: 0 });
    expect(parseTraceparent(hook.headers.traceparent ?? '')).toMatchObject({ traceFlags: 0 });
    const [delivery] = (await notifier.listDeliveries()).deliveries;
    const message = await storage.getMessage(delivery!.messageId);
    expect(parseTraceparent(message?.traceContext?.traceparent ?? '')).toMatchObject({ traceFlags: 0 });

    expect(await otel.sum('cronhook.runs', { 'cronhook.job.id': 'call' })).toBe(1);
    expect(await otel.sum('cronhook.run.duration', { 'cronhook.job.id': 'call' })).toBe(1);
    expect(await otel.sum('http.client.request.duration', { 'cronhook.request.type': 'job' })).toBe(1);
    expect(await otel.sum('cronhook.delivery.attempts', { 'cronhook.delivery.outcome': 'succeeded' })).toBe(
      1,
    );
    expect(await otel.sum('http.client.request.duration', { 'cronhook.request.type': 'delivery' })).toBe(1);
  });
});
