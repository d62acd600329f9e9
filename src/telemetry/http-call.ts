import type { Attributes, Context, Histogram, Span, Tracer } from '@opentelemetry/api';
import type { TransportRequest, TransportResponse } from '../transport/types.js';
import type { OtelBinding } from './binding.js';
import type { HttpCallHook } from './hooks.js';
import { type HttpTarget, httpErrorType, httpTarget, requestAttributes } from './http-attributes.js';
import { ATTR } from './names.js';

/** What an HTTP call is made for, as its metric says. */
export interface HttpCallOptions {
  /** `cronhook.request.type`: a job's call or a webhook delivery. */
  type: 'job' | 'delivery';
  /** The job or endpoint attribute of the metric (`cronhook.job.id`), null without per-item metrics. */
  itemAttribute: string | null;
  /** Its value: the job's or the endpoint's id. */
  itemId: string;
  /** Keep `server.address`/`server.port` on the metric (off with per-endpoint metrics off). */
  serverOnMetric: boolean;
  /** `http.request.resend_count`: the attempt number less one. */
  resendCount: number;
  /** Set `traceparent`/`tracestate` on the request. */
  propagate: boolean;
  histogram: Histogram | null;
}

/**
 * Starts the client span of an HTTP call (named after its method, as the HTTP conventions ask when there is
 * no route template) under `parent` (none with metrics only: `tracer` and `parent` null), and returns the
 * hook that ends it and records its duration.
 */
export function startHttpCall(
  binding: OtelBinding,
  tracer: Tracer | null,
  request: TransportRequest,
  parent: Context | null,
  options: HttpCallOptions,
): HttpCallHook {
  const target = httpTarget(request);
  const method = target?.method ?? (request.method ?? 'POST').toUpperCase();
  let span = binding.noopSpan;
  if (tracer !== null && parent !== null) {
    const attributes =
      target === null ? { [ATTR.httpMethod]: method } : requestAttributes(target, options.resendCount);
    span = binding.start(tracer, method, binding.api.SpanKind.CLIENT, attributes, parent);
    if (options.propagate) {
      request.headers ??= {};
      binding.inject(span, request.headers);
    }
  }
  return new HttpCall(binding, span, target, method, options, performance.now());
}

class HttpCall implements HttpCallHook {
  constructor(
    readonly binding: OtelBinding,
    readonly span: Span,
    readonly target: HttpTarget | null,
    readonly method: string,
    readonly options: HttpCallOptions,
    readonly startedAt: number,
  ) {}

  end(response: TransportResponse | null, error: unknown): void {
    const { span, binding, options } = this;
    const type = httpErrorType(response, error);
    if (span.isRecording()) {
      if (response !== null) span.setAttribute(ATTR.httpStatus, response.status);
      if (type !== undefined) binding.fail(span, type);
    }
    if (span !== binding.noopSpan) binding.end(span);
    const histogram = options.histogram;
    if (histogram === null) return;
    const seconds = (response?.durationMs ?? performance.now() - this.startedAt) / 1000;
    histogram.record(seconds, this.#metricAttributes(response, type));
  }

  #metricAttributes(response: TransportResponse | null, type: string | undefined): Attributes {
    const { target, options } = this;
    const attributes: Attributes = {
      [ATTR.httpMethod]: this.method,
      [ATTR.requestType]: options.type,
    };
    if (target !== null && options.serverOnMetric) {
      attributes[ATTR.serverAddress] = target.address;
      attributes[ATTR.serverPort] = target.port;
    }
    if (response !== null) attributes[ATTR.httpStatus] = response.status;
    if (type !== undefined) attributes[ATTR.errorType] = type;
    if (options.itemAttribute !== null) attributes[options.itemAttribute] = options.itemId;
    return attributes;
  }
}
