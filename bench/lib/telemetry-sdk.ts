/**
 * The OpenTelemetry SDK as the telemetry benchmarks start it: `NodeSDK` as an application starts it
 * (AsyncLocalStorage context manager, W3C propagator, a batch span processor, a meter provider with a periodic
 * reader every second), with exporters that drop what they are given, so what is measured is the SDK's work on
 * cronhook's spans and metrics, not an exporter's I/O. Imported only where the SDK runs: the packages are loaded
 * on call, so a worker measuring telemetry absent never resolves them.
 */

export interface BenchSdkOptions {
  /** Keep this share of traces (`ParentBased(TraceIdRatioBased(ratio))`). @default 1 (the SDK's default sampler) */
  sampleRatio?: number;
  /**
   * Register no tracer provider (as `OTEL_TRACES_EXPORTER=none` does): metrics only.
   * @default true
   */
  traces?: boolean;
  /**
   * Also register the official `@opentelemetry/instrumentation-undici` (a client span and a duration
   * measurement for every undici request, `traceparent` added): the reference of what the conventions' own
   * instrumentation costs.
   * @default false
   */
  undici?: boolean;
  /** Told how many spans each export hands over. */
  onSpans?: (count: number) => void;
}

/** Starts the SDK (every `OTEL_*` variable of the machine cleared first); resolves to its shutdown. */
export async function startBenchSdk(options: BenchSdkOptions = {}): Promise<() => Promise<void>> {
  // Only what is configured here: no OTEL_* variable of the machine's environment changes the measurement.
  for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
  const { NodeSDK, tracing } = await import('@opentelemetry/sdk-node');
  const { AggregationTemporality, PeriodicExportingMetricReader } = await import(
    '@opentelemetry/sdk-metrics'
  );
  const SUCCESS = { code: 0 };
  const { sampleRatio, onSpans, traces = true, undici = false } = options;
  const instrumentations = undici
    ? [new (await import('@opentelemetry/instrumentation-undici')).UndiciInstrumentation()]
    : [];
  const exporter = {
    export: (spans: unknown[], done: (result: { code: number }) => void) => {
      onSpans?.(spans.length);
      done(SUCCESS);
    },
    shutdown: async () => {},
  };
  const sdk = new NodeSDK({
    serviceName: 'cronhook-bench',
    ...(sampleRatio === undefined
      ? {}
      : {
          sampler: new tracing.ParentBasedSampler({
            root: new tracing.TraceIdRatioBasedSampler(sampleRatio),
          }),
        }),
    // No span processor: NodeSDK then registers no tracer provider.
    ...(traces ? { traceExporter: exporter } : { spanProcessors: [] }),
    metricReaders: [
      new PeriodicExportingMetricReader({
        exportIntervalMillis: 1_000,
        exporter: {
          export: (_metrics, done) => done(SUCCESS),
          forceFlush: async () => {},
          shutdown: async () => {},
          selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
        },
      }),
    ],
    logRecordProcessors: [],
    instrumentations,
  });
  sdk.start();
  return () => sdk.shutdown();
}
