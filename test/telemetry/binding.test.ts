import { metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { DeliveryRecord } from '../../src/notifier/types.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { OtelBinding } from '../../src/telemetry/binding.js';
import { notifierHooks } from '../../src/telemetry/notifier-telemetry.js';
import { loadOtelApi } from '../../src/telemetry/otel-api.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { createTestTelemetry } from '../helpers/otel.js';

const api = loadOtelApi()!;
const globals = { tracerProvider: undefined, meterProvider: undefined, perItemMetrics: true };

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe('OtelBinding', () => {
  it('finds the API installed (as a devDependency here)', () => {
    expect(api).not.toBeNull();
    expect(typeof api.trace.getTracerProvider).toBe('function');
  });

  it('measures nothing while no SDK is registered, and picks one up when it is registered later', async () => {
    const binding = new OtelBinding(api, globals, systemClock);
    expect(binding.meter()).toBeNull();
    expect(binding.tracer()).toBeNull();
    const before = binding.start(binding.tracer(), 'x', api.SpanKind.INTERNAL, {}, api.ROOT_CONTEXT);
    expect(before.isRecording()).toBe(false);
    expect(binding.contextOf(before, api.ROOT_CONTEXT)).toBeNull();
    before.end();

    // Registered through the app's own copy of the API (an ES module): the state is shared.
    const otel = createTestTelemetry();
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    expect(binding.meter()).not.toBeNull();
    const after = binding.start(binding.tracer(), 'y', api.SpanKind.INTERNAL, {}, api.ROOT_CONTEXT);
    expect(after.isRecording()).toBe(true);
    binding.end(after);
    expect(otel.spans().map((s) => s.name)).toEqual(['y']);
    await otel.shutdown();
  });

  it('times spans by an injected clock, by the SDK with the system clock', async () => {
    const otel = createTestTelemetry();
    const clock = new FakeClock('2030-01-01T00:00:00Z');
    const fake = new OtelBinding(api, { ...globals, ...otel.options }, clock);
    const span = fake.start(fake.tracer(), 'fake', api.SpanKind.INTERNAL, {}, api.ROOT_CONTEXT);
    await clock.advance(1500);
    fake.end(span);
    const [done] = otel.spans();
    expect(done!.startTime).toEqual([Date.parse('2030-01-01T00:00:00Z') / 1000, 0]);
    expect(done!.duration).toEqual([1, 500_000_000]);
    expect(new OtelBinding(api, globals, systemClock).now()).toBeUndefined();
    await otel.shutdown();
  });

  it('sets traceparent and tracestate, replacing headers of those names in any case', async () => {
    const otel = createTestTelemetry();
    const binding = new OtelBinding(api, { ...globals, ...otel.options }, systemClock);
    const span = binding.start(binding.tracer(), 'x', api.SpanKind.CLIENT, {}, api.ROOT_CONTEXT);
    const headers: Record<string, string> = { TraceParent: 'forged', accept: '*/*' };
    binding.inject(span, headers);
    const { traceId, spanId } = span.spanContext();
    expect(headers).toEqual({ accept: '*/*', traceparent: `00-${traceId}-${spanId}-01` });
    await otel.shutdown();
  });

  it('asks the API nothing per run or attempt while nothing was ever registered, and sees a later registration', async () => {
    // As in a process where nothing was registered yet: the API makes its global at the first registration.
    const key = Symbol.for('opentelemetry.js.api.1');
    const global = globalThis as Record<symbol, unknown>;
    const saved = global[key];
    delete global[key];
    const tracerLookups = vi.spyOn(api.trace, 'getTracerProvider');
    const meterLookups = vi.spyOn(api.metrics, 'getMeterProvider');
    const scheduler = new Scheduler({ storage: new MemoryStorage() });
    try {
      expect(new OtelBinding(api, globals, systemClock).idle).toBe(true);
      scheduler.handle('noop', () => {});
      await scheduler.addJob({ id: 'quiet', schedule: '0 3 * * *', target: { handler: 'noop' } });
      tracerLookups.mockClear();
      meterLookups.mockClear();
      expect((await scheduler.triggerJob('quiet')).status).toBe('succeeded');
      const hooks = notifierHooks(undefined, systemClock)!;
      expect(hooks.messageStoring('invoice.paid', 1)).toBeNull();
      expect(hooks.deliveryStarted({} as DeliveryRecord, null, 'auto')).toBeNull();
      expect(tracerLookups).not.toHaveBeenCalled();
      expect(meterLookups).not.toHaveBeenCalled();

      // A provider given is used at once, registered or not.
      const given = createTestTelemetry();
      expect(new OtelBinding(api, { ...globals, ...given.options }, systemClock).idle).toBe(false);
      await given.shutdown();
      delete global[key];

      const otel = createTestTelemetry();
      trace.setGlobalTracerProvider(otel.tracerProvider);
      expect(new OtelBinding(api, globals, systemClock).idle).toBe(false);
      await scheduler.triggerJob('quiet');
      expect(otel.spans().map((s) => s.name)).toContain('run quiet');
      await otel.shutdown();
    } finally {
      tracerLookups.mockRestore();
      meterLookups.mockRestore();
      await scheduler.stop({ timeoutMs: 0 });
      if (saved === undefined) delete global[key];
      else global[key] = saved;
    }
  });
});
