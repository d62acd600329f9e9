import type { Histogram } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/clock.js';
import type { SchedulerTelemetryOptions } from '../../src/telemetry/options.js';
import { FakeClock, flushPromises } from '../../src/testing/fake-clock.js';
import { MockTransport } from '../../src/testing/mock-transport.js';
import { createTestTelemetry, type TestTelemetry } from '../helpers/otel.js';
import { createTestScheduler } from '../helpers/scheduler.js';
import { useCleanups } from '../helpers/test-lifecycle.js';

const cleanups = useCleanups();

/**
 * A known sequence on a FakeClock, from 00:00: every minute `ok` succeeds, `bad` throws, `slow` takes 2 s,
 * `call` calls HTTP (200 then 500, each taking 250 ms), `long` takes 100 s (its next occurrence is skipped);
 * until 00:02:30.
 */
async function knownSequence(telemetry: Partial<SchedulerTelemetryOptions> = {}) {
  const otel = createTestTelemetry();
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const { scheduler } = createTestScheduler({
    clock,
    telemetry: { ...otel.options, ...telemetry },
    transport: new MockTransport(
      [
        { status: 200, delayMs: 250 },
        { status: 500, delayMs: 250 },
      ],
      { clock },
    ),
  });
  cleanups.push(
    () => otel.shutdown(),
    () => scheduler.stop({ timeoutMs: 0 }),
  );
  scheduler.handle('ok', () => 'fine');
  scheduler.handle('bad', () => {
    throw new Error('nope');
  });
  scheduler.handle('slow', () => sleep(clock, 2_000));
  scheduler.handle('long', () => sleep(clock, 100_000));
  const every = { every: '1m' };
  await scheduler.addJob({ id: 'ok', schedule: every, target: { handler: 'ok' } });
  await scheduler.addJob({ id: 'bad', schedule: every, target: { handler: 'bad' } });
  await scheduler.addJob({ id: 'slow', schedule: every, target: { handler: 'slow' } });
  await scheduler.addJob({
    id: 'call',
    schedule: every,
    target: { url: 'https://svc.example.com:8443/tick?k=v' },
  });
  await scheduler.addJob({ id: 'long', schedule: every, target: { handler: 'long', timeoutMs: 200_000 } });
  await scheduler.start();
  for (let i = 0; i < 5; i++) {
    await clock.advance('30s');
    await flushPromises(10);
  }
  return { otel, scheduler, clock };
}

const histogram = async (otel: TestTelemetry, name: string, match: Record<string, string | number>) => {
  const points = await otel.points(name, match);
  expect(points, `${name} ${JSON.stringify(match)}`).toHaveLength(1);
  return points[0]!.value as Histogram;
};

describe('run metrics after a known sequence (FakeClock)', () => {
  it('cronhook.runs counts runs by job, status and trigger, skipped ones included', async () => {
    const { otel } = await knownSequence();
    const runs = (match: Record<string, string>) => otel.sum('cronhook.runs', match);
    expect(await runs({ 'cronhook.job.id': 'ok', 'cronhook.run.status': 'succeeded' })).toBe(2);
    expect(await runs({ 'cronhook.job.id': 'bad', 'cronhook.run.status': 'failed' })).toBe(2);
    expect(await runs({ 'cronhook.job.id': 'slow', 'cronhook.run.status': 'succeeded' })).toBe(2);
    expect(await runs({ 'cronhook.job.id': 'call', 'cronhook.run.status': 'succeeded' })).toBe(1);
    expect(await runs({ 'cronhook.job.id': 'call', 'cronhook.run.status': 'failed' })).toBe(1);
    // `long` started at 00:01 and runs until 00:02:40: its 00:02 occurrence is skipped (overlap: skip).
    expect(await runs({ 'cronhook.job.id': 'long', 'cronhook.run.status': 'skipped' })).toBe(1);
    expect(await runs({ 'cronhook.job.id': 'long', 'cronhook.run.status': 'succeeded' })).toBe(0);
    expect(await runs({ 'cronhook.run.trigger': 'schedule' })).toBe(9);
  });

  it('cronhook.run.duration and cronhook.run.lateness, in seconds, with the stated buckets', async () => {
    const { otel } = await knownSequence();
    const slow = await histogram(otel, 'cronhook.run.duration', {
      'cronhook.job.id': 'slow',
      'cronhook.run.status': 'succeeded',
    });
    expect([slow.count, slow.sum, slow.min, slow.max]).toEqual([2, 4, 2, 2]);
    expect(slow.buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
    ]);
    const call = await histogram(otel, 'cronhook.run.duration', {
      'cronhook.job.id': 'call',
      'cronhook.run.status': 'failed',
    });
    expect([call.count, call.sum]).toEqual([1, 0.25]);
    // Every run started at its scheduled instant.
    const lateness = await histogram(otel, 'cronhook.run.lateness', {
      'cronhook.job.id': 'ok',
      'cronhook.run.trigger': 'schedule',
    });
    expect([lateness.count, lateness.sum]).toEqual([2, 0]);
    expect(lateness.buckets.boundaries[0]).toBe(0.001);
  });

  it('http.client.request.duration for job calls, with the HTTP conventions and the job', async () => {
    const { otel } = await knownSequence();
    const points = await otel.points('http.client.request.duration', { 'cronhook.job.id': 'call' });
    expect(
      points
        .map((p) => p.attributes)
        .sort((a, b) => Number(a['http.response.status_code']) - Number(b['http.response.status_code'])),
    ).toEqual([
      {
        'http.request.method': 'POST',
        'cronhook.request.type': 'job',
        'server.address': 'svc.example.com',
        'server.port': 8443,
        'http.response.status_code': 200,
        'cronhook.job.id': 'call',
      },
      {
        'http.request.method': 'POST',
        'cronhook.request.type': 'job',
        'server.address': 'svc.example.com',
        'server.port': 8443,
        'http.response.status_code': 500,
        'error.type': '500',
        'cronhook.job.id': 'call',
      },
    ]);
    for (const p of points) expect((p.value as Histogram).sum).toBe(0.25);
    expect((points[0]!.value as Histogram).buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
  });

  it('a manual run counts, but has no lateness to record', async () => {
    const { otel, scheduler } = await knownSequence();
    await scheduler.triggerJob('ok');
    expect(
      await otel.sum('cronhook.runs', { 'cronhook.job.id': 'ok', 'cronhook.run.trigger': 'manual' }),
    ).toBe(1);
    expect(await otel.points('cronhook.run.lateness', { 'cronhook.run.trigger': 'manual' })).toEqual([]);
  });

  it('metrics without tracing: runs counted, no span made, no traceparent sent', async () => {
    const otel = createTestTelemetry();
    const transport = new MockTransport();
    const { scheduler } = createTestScheduler({
      transport,
      telemetry: { meterProvider: otel.meterProvider },
    });
    cleanups.push(
      () => otel.shutdown(),
      () => scheduler.stop({ timeoutMs: 0 }),
    );
    await scheduler.addJob({
      id: 'call',
      schedule: '0 3 * * *',
      target: { url: 'https://svc.example.com/x' },
    });
    await scheduler.triggerJob('call');
    expect(await otel.sum('cronhook.runs', { 'cronhook.job.id': 'call' })).toBe(1);
    expect(await otel.sum('http.client.request.duration', { 'cronhook.job.id': 'call' })).toBe(1);
    expect(otel.spans()).toEqual([]);
    expect(transport.requests[0]?.headers.traceparent).toBeUndefined();
  });

  it('two schedulers recording to one meter add up their runs, collection after collection', async () => {
    const otel = createTestTelemetry();
    cleanups.push(() => otel.shutdown());
    const schedulers = [];
    for (const id of ['a', 'b']) {
      const { scheduler } = createTestScheduler({
        transport: new MockTransport(),
        telemetry: { meterProvider: otel.meterProvider, perJobMetrics: false },
      });
      cleanups.push(() => scheduler.stop({ timeoutMs: 0 }));
      await scheduler.addJob({ id, schedule: '0 3 * * *', target: { url: 'https://svc.example.com/x' } });
      schedulers.push({ scheduler, id });
    }
    const [a, b] = schedulers;
    const succeeded = () => otel.sum('cronhook.runs', { 'cronhook.run.status': 'succeeded' });
    for (let i = 0; i < 2; i++) await a!.scheduler.triggerJob('a');
    for (let i = 0; i < 3; i++) await b!.scheduler.triggerJob('b');
    expect(await succeeded()).toBe(5);
    await a!.scheduler.triggerJob('a');
    expect(await succeeded()).toBe(6);
    expect(await otel.points('cronhook.runs', { 'cronhook.run.status': 'succeeded' })).toHaveLength(1);
  });

  it('perJobMetrics: false keeps the job id off every metric', async () => {
    const { otel } = await knownSequence({ perJobMetrics: false });
    const all = await otel.metrics();
    const attributes = all.flatMap((m) => m.dataPoints.map((p) => p.attributes));
    expect(attributes.length).toBeGreaterThan(0);
    for (const a of attributes) expect(a['cronhook.job.id']).toBeUndefined();
    expect(await otel.sum('cronhook.runs', { 'cronhook.run.status': 'failed' })).toBe(3);
  });
});
