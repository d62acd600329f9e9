/**
 * What `cronhook run` adds for operators: the OpenTelemetry SDK (when asked for), the `/healthz` + `/readyz`
 * server (`--health`) and the Prometheus `/metrics` server (`--metrics`, which answers the probes too).
 */
import { CronhookError } from '../../errors.js';
import type { OptionSpec, OptionValues } from '../command.js';
import { stringOption, UsageError } from '../command.js';
import { type ListenAddress, parseListenAddress } from './listen-address.js';
import { type CliTelemetry, startCliTelemetry } from './otel-sdk.js';
import {
  type Readiness,
  type ServiceServer,
  type ServiceServerOptions,
  startServiceServer,
} from './service-server.js';

export const OBSERVABILITY_OPTIONS: Record<string, OptionSpec> = {
  metrics: {
    type: 'string',
    value: '<[host:]port>',
    description:
      'Serve Prometheus /metrics (and /healthz, /readyz) there, e.g. 9464 (127.0.0.1:9464). Needs ' +
      '@opentelemetry/sdk-node and @opentelemetry/exporter-prometheus',
  },
  health: {
    type: 'string',
    value: '<[host:]port>',
    description: 'Serve /healthz (alive) and /readyz (ready to work) there; a port alone is 127.0.0.1',
  },
};

/** The addresses asked for, checked before anything starts. */
export interface ObservabilityFlags {
  metrics: ListenAddress | undefined;
  health: ListenAddress | undefined;
}

export function readObservabilityFlags(values: OptionValues): ObservabilityFlags {
  const metricsText = stringOption(values, 'metrics');
  const healthText = stringOption(values, 'health');
  const flags: ObservabilityFlags = {
    metrics: metricsText === undefined ? undefined : parseListenAddress(metricsText, 'metrics'),
    health: healthText === undefined ? undefined : parseListenAddress(healthText, 'health'),
  };
  if (
    flags.metrics !== undefined &&
    flags.health !== undefined &&
    flags.metrics.port !== 0 &&
    flags.metrics.port === flags.health.port &&
    flags.metrics.host === flags.health.host
  ) {
    throw new UsageError(
      '--health and --metrics name the same address: --metrics serves /healthz too',
      'health',
    );
  }
  return flags;
}

/** The SDK, set up before the scheduler exists so that it finds the global providers registered. */
export function startTelemetry(flags: ObservabilityFlags): Promise<CliTelemetry | null> {
  return startCliTelemetry({ prometheus: flags.metrics !== undefined });
}

/** The servers asked for; `close` stops them all. */
export async function startServers(
  flags: ObservabilityFlags,
  telemetry: CliTelemetry | null,
  readiness: () => Promise<Readiness>,
): Promise<{ urls: { metrics?: string; health?: string }; close(): Promise<void> }> {
  const servers: ServiceServer[] = [];
  const urls: { metrics?: string; health?: string } = {};
  const close = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    if (flags.metrics !== undefined) {
      const options = { address: flags.metrics, readiness };
      const handler = telemetry?.metricsHandler;
      const server = await listen(
        'metrics',
        handler === undefined ? options : { ...options, metrics: handler },
      );
      servers.push(server);
      urls.metrics = `${server.url}/metrics`;
    }
    if (flags.health !== undefined) {
      const server = await listen('health', { address: flags.health, readiness });
      servers.push(server);
      urls.health = server.url;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { urls, close };
}

async function listen(flag: string, options: ServiceServerOptions): Promise<ServiceServer> {
  try {
    return await startServiceServer(options);
  } catch (error) {
    const { host, port } = options.address;
    const code = (error as { code?: unknown }).code;
    throw new CronhookError(
      'ERR_CONFIG',
      `--${flag}: cannot listen on ${host}:${port} (${String(code ?? error)})`,
      {
        field: flag,
        cause: error,
      },
    );
  }
}
