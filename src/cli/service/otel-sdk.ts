/**
 * The OpenTelemetry SDK of `cronhook run`. The library only needs `@opentelemetry/api`; the SDK and the
 * exporters are what a standalone service needs to send telemetry somewhere, so they are optional peer
 * dependencies loaded here, on demand, with an error naming what to install when they are missing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CronhookError } from '../../errors.js';

type Env = Record<string, string | undefined>;

/** What the SDK was set up to do, for the start-up log line. */
export interface CliTelemetry {
  traces: 'otlp' | 'env' | 'off';
  metrics: 'prometheus' | 'env' | 'off';
  /** Serves `/metrics` (with `--metrics`). */
  metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Flushes and stops the exporters. */
  shutdown(): Promise<void>;
}

const set = (env: Env, name: string) => (env[name] ?? '').trim() !== '';

/** The environment asks for traces: an exporter, or an OTLP endpoint, is configured. */
export function wantsTraces(env: Env): boolean {
  return (
    set(env, 'OTEL_TRACES_EXPORTER') ||
    set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ||
    set(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  );
}

/** The environment asks for pushed metrics. */
export function wantsMetrics(env: Env): boolean {
  return (
    set(env, 'OTEL_METRICS_EXPORTER') ||
    set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ||
    set(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT')
  );
}

/**
 * Starts the SDK when it has something to do: `--metrics` (Prometheus, served by our own server), or
 * `OTEL_*` variables asking for traces or metrics (read by the SDK itself: exporters, endpoints, headers,
 * protocol, sampler, service name, resource attributes). Null when there is nothing to do or
 * `OTEL_SDK_DISABLED=true`. Nothing is exported by default: without those variables no OTLP exporter is set
 * up (the SDK's own default would send to localhost:4318).
 */
export async function startCliTelemetry(options: {
  prometheus: boolean;
  env?: Env;
}): Promise<CliTelemetry | null> {
  const env = options.env ?? process.env;
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return null;
  const traces = wantsTraces(env);
  const pushMetrics = !options.prometheus && wantsMetrics(env);
  if (!traces && !pushMetrics && !options.prometheus) return null;

  const why = options.prometheus ? 'cronhook run --metrics' : 'cronhook run with OTEL_* variables';
  const sdkNode = await optional(() => import('@opentelemetry/sdk-node'), '@opentelemetry/sdk-node', why);
  let prometheus: import('@opentelemetry/exporter-prometheus').PrometheusExporter | undefined;
  if (options.prometheus) {
    const { PrometheusExporter } = await optional(
      () => import('@opentelemetry/exporter-prometheus'),
      '@opentelemetry/exporter-prometheus',
      why,
    );
    prometheus = new PrometheusExporter({ preventServerStart: true });
  }
  const serviceName =
    set(env, 'OTEL_SERVICE_NAME') || /service\.name=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const { envDetector, hostDetector, osDetector } = sdkNode.resources;
  const sdk = new sdkNode.NodeSDK({
    ...(serviceName ? {} : { serviceName: 'cronhook' }),
    // Not the process detector: its process.command_args would export the command line, and a
    // --database-url there holds the database password. OTEL_NODE_RESOURCE_DETECTORS still chooses.
    ...(set(env, 'OTEL_NODE_RESOURCE_DETECTORS')
      ? {}
      : { resourceDetectors: [envDetector, hostDetector, osDetector] }),
    // Undefined leaves a signal to the environment; an empty list switches it off.
    ...(traces ? {} : { spanProcessors: [] }),
    ...(prometheus ? { metricReaders: [prometheus] } : pushMetrics ? {} : { metricReaders: [] }),
    // cronhook logs to stdout; no OTLP log exporter is set up behind the user's back.
    logRecordProcessors: [],
  });
  sdk.start();
  const result: CliTelemetry = {
    traces: traces ? (set(env, 'OTEL_TRACES_EXPORTER') ? 'env' : 'otlp') : 'off',
    metrics: prometheus ? 'prometheus' : pushMetrics ? 'env' : 'off',
    shutdown: () => sdk.shutdown(),
  };
  if (prometheus) {
    const exporter = prometheus;
    result.metricsHandler = (req, res) => exporter.getMetricsRequestHandler(req, res);
  }
  return result;
}

async function optional<T>(load: () => Promise<T>, name: string, why: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new CronhookError(
      'ERR_CONFIG',
      `${why} needs the optional package ${name}: npm install @opentelemetry/api ${name}` +
        (name.includes('prometheus') ? ' @opentelemetry/sdk-node' : ''),
      { cause: error },
    );
  }
}
