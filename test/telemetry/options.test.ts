import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../src/errors.js';
import { validateTelemetryOptions } from '../../src/telemetry/options.js';

describe('telemetry option', () => {
  it('is on by default, with per-item metrics', () => {
    expect(validateTelemetryOptions(undefined, 'perJobMetrics')).toEqual({
      tracerProvider: undefined,
      meterProvider: undefined,
      perItemMetrics: true,
    });
  });

  it('is off with false', () => {
    expect(validateTelemetryOptions(false, 'perJobMetrics')).toBeNull();
  });

  it('takes providers and the per-item switch', () => {
    const tracerProvider = { getTracer: () => ({}) };
    const meterProvider = { getMeter: () => ({}) };
    expect(
      validateTelemetryOptions(
        { tracerProvider, meterProvider, perEndpointMetrics: false },
        'perEndpointMetrics',
      ),
    ).toEqual({ tracerProvider, meterProvider, perItemMetrics: false });
  });

  it.each([
    [true, 'telemetry'],
    [[], 'telemetry'],
    [{ tracerProvider: {} }, 'telemetry.tracerProvider'],
    [{ meterProvider: 'global' }, 'telemetry.meterProvider'],
    [{ perJobMetrics: 'no' }, 'telemetry.perJobMetrics'],
  ])('refuses %j naming %s', (value, field) => {
    let error: unknown;
    try {
      validateTelemetryOptions(value, 'perJobMetrics');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CronhookError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', field });
  });
});
