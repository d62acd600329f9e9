import { AlwaysOffSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { parseTraceparent } from '../../src/telemetry/trace-context.js';
import { HttpTransport } from '../../src/transport/http.js';
import { startHttpServer } from '../helpers/http-server.js';
import { createTestTelemetry } from '../helpers/otel.js';
import { until, useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

describe('a sampler that keeps no trace (real HTTP on loopback)', () => {
  it('records no span, still sends and stores unsampled trace context, and still counts every run and delivery', async () => {
    const otel = createTestTelemetry({ sampler: new AlwaysOffSampler() });
    const server = await startHttpServer();
    const storage = new MemoryStorage();
    const transport = new HttpTransport();
    const scheduler = new Scheduler({ storage, transport, telemetry: otel.options });
    const notifier = new WebhookNotifier({
      scheduler,
      storage,
      transport,
      allowPrivateNetworks: true,
      telemetry: otel.options,
    });
    cleanups.push(
      () => otel.shutdown(),
      () => server.close(),
      () => transport.close(),
      () => scheduler.stop({ timeoutMs: 0 }),
      () => notifier.stop({ timeoutMs: 0 }),
    );
    await notifier.addEndpoint({ url: server.url('/hooks'), topics: ['job.execution.succeeded'] });
    await notifier.start();
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
