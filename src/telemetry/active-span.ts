import { loadOtelApi } from './otel-api.js';

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
