import { metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { startCliTelemetry } from '../../../src/cli/service/otel-sdk.js';

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe('cronhook run telemetry set-up', () => {
  it('sets nothing up (and loads no SDK) without --metrics or OTEL_* export variables', async () => {
    expect(await startCliTelemetry({ prometheus: false, env: {} })).toBeNull();
    expect(await startCliTelemetry({ prometheus: false, env: { OTEL_SERVICE_NAME: 'x' } })).toBeNull();
  });

  it('sets nothing up with OTEL_SDK_DISABLED=true', async () => {
    expect(
      await startCliTelemetry({
        prometheus: true,
        env: { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' },
      }),
    ).toBeNull();
  });

  it('with --metrics only: a global meter provider read by the Prometheus exporter, no tracing', async () => {
    const telemetry = await startCliTelemetry({ prometheus: true, env: {} });
    expect(telemetry).toMatchObject({ traces: 'off', metrics: 'prometheus' });
    expect(typeof telemetry?.metricsHandler).toBe('function');
    const span = trace.getTracer('t').startSpan('x');
    expect(span.isRecording()).toBe(false);
    metrics.getMeter('cronhook').createCounter('probe').add(1);
    await telemetry?.shutdown();
  });

  it('with OTEL_TRACES_EXPORTER: tracing as the environment says (read by the SDK itself)', async () => {
    const saved = { ...process.env };
    // The SDK reads process.env; 'none' for metrics keeps it from exporting anywhere.
    Object.assign(process.env, { OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'none' });
    try {
      const telemetry = await startCliTelemetry({ prometheus: false });
      expect(telemetry).toMatchObject({ traces: 'env', metrics: 'env' });
      const span = trace.getTracer('t').startSpan('x');
      expect(span.isRecording()).toBe(true);
      await telemetry?.shutdown();
    } finally {
      process.env = saved;
    }
  });
});
