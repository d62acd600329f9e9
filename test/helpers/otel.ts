/**
 * The OpenTelemetry SDK for tests: a tracer provider exporting to memory, a meter provider read on demand,
 * and the AsyncLocalStorage context manager (registered globally once per test process, as NodeSDK does).
 *
 * @example
 * const otel = createTestTelemetry();
 * const scheduler = new Scheduler({ telemetry: otel.options, ... });
 * ...
 * expect(otel.tree()).toEqual(['run nightly', '  attempt', '    POST']);
 * expect(await otel.sum('cronhook.runs', { 'cronhook.run.status': 'failed' })).toBe(1);
 */
import { type Attributes, context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Registers the AsyncLocalStorage context manager globally (once). */
export function useAsyncContext(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

/** A metric reader collected by hand, cumulative. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface TestTelemetry {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  /** The providers, as the Scheduler's and WebhookNotifier's `telemetry` option. */
  options: { tracerProvider: TracerProvider; meterProvider: MeterProvider };
  /** Finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** Spans with this name. */
  named(name: string): ReadableSpan[];
  /** The one span with this name (throws unless there is exactly one). */
  one(name: string): ReadableSpan;
  /** Finished spans as an indented list of names, children under their parent in start order. */
  tree(): string[];
  /** Every metric collected now. */
  metrics(): Promise<MetricData[]>;
  /** Data points of one metric whose attributes include `match`. */
  points(name: string, match?: Attributes): Promise<DataPoint<unknown>[]>;
  /** Sum of a counter's points (or count of a histogram's) whose attributes include `match`. */
  sum(name: string, match?: Attributes): Promise<number>;
  reset(): void;
  shutdown(): Promise<void>;
}

/** @param sampler the tracer provider's sampler (default: the SDK's, parent-based always on). */
export function createTestTelemetry({ sampler }: { sampler?: Sampler } = {}): TestTelemetry {
  useAsyncContext();
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    ...(sampler === undefined ? {} : { sampler }),
  });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = () => exporter.getFinishedSpans();
  const metrics = async () => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  };
  const points = async (name: string, match: Attributes = {}) => {
    const found = (await metrics()).filter((m) => m.descriptor.name === name);
    return found
      .flatMap((m) => m.dataPoints as DataPoint<unknown>[])
      .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
  };
  return {
    tracerProvider,
    meterProvider,
    options: { tracerProvider, meterProvider },
    spans,
    named: (name) => spans().filter((s) => s.name === name),
    one(name) {
      const found = spans().filter((s) => s.name === name);
      if (found.length !== 1)
        throw new Error(`${found.length} spans named ${name}: ${spanTree(spans()).join(' | ')}`);
      return found[0]!;
    },
    tree: () => spanTree(spans()),
    metrics,
    points,
    async sum(name, match) {
      let total = 0;
      for (const p of await points(name, match)) {
        total += typeof p.value === 'number' ? p.value : (p.value as Histogram).count;
      }
      return total;
    },
    reset: () => exporter.reset(),
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The span's parent span id, or undefined for a root span. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** Spans as an indented list of names, children under their parent, each level in start order. */
export function spanTree(spans: ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const byStart = [...spans].sort((a, b) => compareTime(a.startTime, b.startTime));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of byStart) {
      const p = parentOf(span);
      const isChild = parent === undefined ? p === undefined || !ids.has(p) : p === parent;
      if (!isChild) continue;
      lines.push(`${'  '.repeat(depth)}${span.name}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

function compareTime(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Every attribute value of every span and span event, as strings (to look for what must not be there). */
export function allAttributeText(spans: ReadableSpan[]): string {
  const values: string[] = [];
  for (const span of spans) {
    values.push(span.name, span.status.message ?? '');
    for (const v of Object.values(span.attributes)) values.push(String(v));
    for (const event of span.events)
      for (const v of Object.values(event.attributes ?? {})) values.push(String(v));
  }
  return values.join('\n');
}
