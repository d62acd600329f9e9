import { CronhookError, describeValue } from '../errors.js';

/**
 * An OpenTelemetry `TracerProvider` (from `@opentelemetry/api`), described by the one method cronhook calls,
 * so that cronhook's types do not require the API to be installed. Any SDK's provider fits.
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/** An OpenTelemetry `MeterProvider`, described by the one method cronhook calls (see {@link TracerProviderLike}). */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): unknown;
}

/** Where spans and metrics go; shared by the Scheduler's and the WebhookNotifier's telemetry options. */
export interface TelemetryProviders {
  /**
   * Receives the spans. Without it, the global provider of `@opentelemetry/api` is used, looked up at the
   * start of each run, message and delivery attempt, so an SDK started after the scheduler is still picked up.
   * @default trace.getTracerProvider() (the global one) when `@opentelemetry/api` is installed
   * @example new Scheduler({ telemetry: { tracerProvider: new NodeTracerProvider({ spanProcessors }) } })
   */
  tracerProvider?: TracerProviderLike;
  /**
   * Receives the metrics. Without it, the global provider, looked up at the start of each run and delivery
   * attempt (the global meter provider has no proxy: a meter taken before an SDK registers would stay a no-op).
   * @default metrics.getMeterProvider() (the global one) when `@opentelemetry/api` is installed
   * @example new Scheduler({ telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) } })
   */
  meterProvider?: MeterProviderLike;
}

/**
 * The Scheduler's `telemetry` option. Telemetry is on whenever `@opentelemetry/api` is installed (it then
 * costs nothing measurable until an SDK is registered); `telemetry: false` switches it off.
 */
export interface SchedulerTelemetryOptions extends TelemetryProviders {
  /**
   * Label run metrics (`cronhook.runs`, `cronhook.run.duration`, `cronhook.run.lateness`, and
   * `http.client.request.duration` of job calls) with `cronhook.job.id`. Every job then makes series of its
   * own: switch it off past a few thousand jobs. Spans always carry the job id.
   * @default true
   * @example new Scheduler({ telemetry: { perJobMetrics: false } })
   */
  perJobMetrics?: boolean;
}

/** The WebhookNotifier's `telemetry` option; see {@link SchedulerTelemetryOptions}. */
export interface NotifierTelemetryOptions extends TelemetryProviders {
  /**
   * Label delivery metrics with `cronhook.endpoint.id`, and `http.client.request.duration` of deliveries
   * with the receiver's `server.address` and `server.port`. With thousands of endpoints (one per customer,
   * each its own host) that is as many series: switch it off then. Spans always carry both.
   * @default true
   * @example new WebhookNotifier({ scheduler, telemetry: { perEndpointMetrics: false } })
   */
  perEndpointMetrics?: boolean;
}

/** Options as the telemetry code uses them; `null` when telemetry is off. */
export interface ResolvedTelemetryOptions {
  tracerProvider: TracerProviderLike | undefined;
  meterProvider: MeterProviderLike | undefined;
  /** Label metrics per job (scheduler) or per endpoint (notifier). */
  perItemMetrics: boolean;
}

/** Checks a `telemetry` option; `flag` is the name of its per-item switch. */
export function validateTelemetryOptions(
  value: unknown,
  flag: 'perJobMetrics' | 'perEndpointMetrics',
): ResolvedTelemetryOptions | null {
  if (value === false) return null;
  const options = value ?? {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('telemetry', value, 'expected an object of options or false');
  }
  const o = options as Record<string, unknown>;
  for (const [field, method] of [
    ['tracerProvider', 'getTracer'],
    ['meterProvider', 'getMeter'],
  ] as const) {
    const provider = o[field];
    if (
      provider !== undefined &&
      typeof (provider as Record<string, unknown> | null)?.[method] !== 'function'
    ) {
      throw invalid(`telemetry.${field}`, provider, `expected an OpenTelemetry provider (with ${method}())`);
    }
  }
  const perItem = o[flag];
  if (perItem !== undefined && typeof perItem !== 'boolean') {
    throw invalid(`telemetry.${flag}`, perItem, 'expected true or false');
  }
  return {
    tracerProvider: o.tracerProvider as TracerProviderLike | undefined,
    meterProvider: o.meterProvider as MeterProviderLike | undefined,
    perItemMetrics: perItem !== false,
  };
}

function invalid(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError('ERR_INVALID_OPTION', `${field} is ${describeValue(value)}; ${allowed}`, {
    field,
  });
}
