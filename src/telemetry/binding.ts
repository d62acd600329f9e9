import type {
  Attributes,
  Context,
  Link,
  Meter,
  MeterProvider,
  Span,
  SpanKind,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { type Clock, systemClock } from '../clock.js';
import { VERSION } from '../version.js';
import { ATTR, SCOPE } from './names.js';
import type { ResolvedTelemetryOptions } from './options.js';
import type { OtelApi } from './otel-api.js';
import { formatTraceparent } from './trace-context.js';

/**
 * Where every copy of `@opentelemetry/api` 1.x (the peer range) keeps what was registered through it: a
 * global the API makes at the first registration of anything (a tracer or meter provider, a propagator, a
 * context manager, a diag logger) and never removes.
 */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/**
 * The OpenTelemetry API as the hooks use it: the tracer and meter of the providers given (or the global ones,
 * looked up once per run or delivery so an SDK registered later is picked up), span times, and the few span
 * operations every hook shares.
 */
export class OtelBinding {
  readonly api: OtelApi;
  readonly perItemMetrics: boolean;
  /** Handed out while no span is recorded anywhere (metrics only): no span, no context is made. */
  readonly noopSpan: Span;
  readonly #options: ResolvedTelemetryOptions;
  readonly #clock: Clock;
  #tracerOf: unknown;
  #tracer: Tracer | null = null;
  #meterOf: unknown;
  #meter: Meter | null = null;
  readonly #noopMeter: Meter;
  readonly #noopTracerProvider: TracerProvider;
  /** Neither provider was given: the global ones are used. */
  readonly #globalsOnly: boolean;

  constructor(api: OtelApi, options: ResolvedTelemetryOptions, clock: Clock) {
    this.api = api;
    this.perItemMetrics = options.perItemMetrics;
    this.#options = options;
    this.#clock = clock;
    this.#noopMeter = api.createNoopMeter();
    this.#noopTracerProvider = new api.ProxyTracerProvider().getDelegate();
    this.noopSpan = api.trace.wrapSpanContext(api.INVALID_SPAN_CONTEXT);
    this.#globalsOnly = options.tracerProvider === undefined && options.meterProvider === undefined;
  }

  /**
   * True while nothing can be recorded: no provider was given and nothing was ever registered with the API in
   * this process, so {@link tracer} and {@link meter} are null. One property read, where those two each ask
   * the API for its global (the hooks ask per run and per delivery attempt, when an app has the API installed
   * without an SDK). False does not mean something is recorded: ask them.
   */
  get idle(): boolean {
    return this.#globalsOnly && (globalThis as Record<symbol, unknown>)[API_GLOBAL] === undefined;
  }

  /**
   * The tracer to start spans with now, or null while no span is recorded anywhere: no provider was given and
   * no SDK registered the global one (the global proxy still delegates to the API's no-op provider).
   */
  tracer(): Tracer | null {
    const provider = (this.#options.tracerProvider ?? this.api.trace.getTracerProvider()) as TracerProvider;
    if (provider === this.#tracerOf) return this.#tracer;
    // An empty proxy is not remembered: it gets its delegate (the SDK) in place, keeping its identity.
    if (
      provider instanceof this.api.ProxyTracerProvider &&
      provider.getDelegate() === this.#noopTracerProvider
    ) {
      return null;
    }
    this.#tracerOf = provider;
    this.#tracer = provider.getTracer(SCOPE, VERSION);
    return this.#tracer;
  }

  /** The meter of the given or global provider; null while that is the API's no-op one (nothing to record). */
  meter(): Meter | null {
    const provider = (this.#options.meterProvider ?? this.api.metrics.getMeterProvider()) as MeterProvider;
    if (provider !== this.#meterOf) {
      this.#meterOf = provider;
      const meter = provider.getMeter(SCOPE, VERSION);
      this.#meter = meter instanceof this.#noopMeter.constructor ? null : meter;
    }
    return this.#meter;
  }

  /**
   * A span time from the injected clock, or undefined (the SDK's own high-resolution time) with the system
   * clock: spans of a scheduler on a FakeClock line up with its runs' recorded times.
   */
  now(): number | undefined {
    return this.#clock === systemClock ? undefined : this.#clock.now();
  }

  /**
   * Starts a span under `parent`, or hands out {@link noopSpan} while `tracer` is null (metrics only).
   * `attributes` are the ones a sampler may decide on; the others are set once the span `isRecording()`.
   */
  start(
    tracer: Tracer | null,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    parent: Context,
    links?: Link[],
  ): Span {
    if (tracer === null) return this.noopSpan;
    const options: { kind: SpanKind; attributes: Attributes; startTime?: number; links?: Link[] } = {
      kind,
      attributes,
    };
    const startTime = this.now();
    if (startTime !== undefined) options.startTime = startTime;
    if (links !== undefined) options.links = links;
    return tracer.startSpan(name, options, parent);
  }

  /** The context in which `span` is the active span; null for the no-op span (no context is made). */
  contextOf(span: Span, parent: Context): Context | null {
    return span === this.noopSpan ? null : this.api.trace.setSpan(parent, span);
  }

  /** Calls `fn` with `context` active, or as it is when there is none (metrics only). */
  within<T>(context: Context | null, fn: () => T): T {
    return context === null ? fn() : this.api.context.with(context, fn);
  }

  /**
   * Marks a span failed with a low-cardinality `error.type` and `cronhook.error.code`. The error's message
   * is not recorded: it may name a URL or hold what a handler threw, and spans leave the process.
   */
  fail(span: Span, errorType: string): void {
    span.setAttribute(ATTR.errorType, errorType);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: errorType });
  }

  /** Ends a span at the clock's time. */
  end(span: Span): void {
    span.end(this.now());
  }

  /**
   * Sets `traceparent` and `tracestate` for `span` on `headers` (replacing any of those names, whatever their
   * case), when its context is valid; sampled or not, as W3C asks.
   */
  inject(span: Span, headers: Record<string, string>): void {
    if (span === this.noopSpan) return;
    const context = span.spanContext();
    if (!this.api.isSpanContextValid(context)) return;
    for (const name in headers) {
      // Only names of these two lengths can be either header: no lower-casing of the others.
      if (name.length !== 11 && name.length !== 10) continue;
      const lower = name.toLowerCase();
      if (lower === 'traceparent' || lower === 'tracestate') delete headers[name];
    }
    headers.traceparent = formatTraceparent(context);
    const state = context.traceState?.serialize();
    if (state) headers.tracestate = state;
  }
}
