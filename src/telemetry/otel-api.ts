import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';
import { CronhookError } from '../errors.js';

/** The `@opentelemetry/api` module. */
export type OtelApi = typeof Api;

let cached: OtelApi | null | undefined;

/**
 * The installed `@opentelemetry/api`, or null when the app has not installed it. It is an optional peer
 * dependency, so cronhook never imports it statically: it is required here on first use, synchronously (the
 * Scheduler's and WebhookNotifier's constructors decide whether telemetry is on), and once per process.
 *
 * Two copies of the API (this CommonJS one and an app's ES module one) share their state: the API keeps the
 * registered providers, propagator and context manager on a global keyed by its major version.
 */
export function loadOtelApi(): OtelApi | null {
  if (cached !== undefined) return cached;
  try {
    cached = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch (error) {
    if (!isNotInstalled(error)) {
      throw new CronhookError('ERR_TELEMETRY', '@opentelemetry/api is installed but could not be loaded', {
        cause: error,
      });
    }
    cached = null;
  }
  return cached;
}

function isNotInstalled(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

// What is read from the API outside the hooks: the active span, for the CLI's log lines.

/** The ids of the span active where a log line is written. */
export interface ActiveSpanIds {
  traceId: string;
  spanId: string;
}

/**
 * A function that tells the active span's ids (null when none is active), for log lines; null when
 * `@opentelemetry/api` is not installed. A span is active in cronhook's own work (a run, a delivery attempt)
 * and in a handler's, once an SDK with a context manager is registered.
 */
export function activeSpanIds(): (() => ActiveSpanIds | null) | null {
  const api = loadOtelApi();
  if (api === null) return null;
  return () => {
    const context = api.trace.getSpan(api.context.active())?.spanContext();
    if (context === undefined || !api.isSpanContextValid(context)) return null;
    return { traceId: context.traceId, spanId: context.spanId };
  };
}
