/** `cronhook run`: the scheduler and the notifier as a standalone service, configured from a file. */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { CronhookError } from '../../errors.js';
import { WebhookNotifier } from '../../notifier/webhook-notifier.js';
import { Scheduler } from '../../scheduler/scheduler.js';
import { activeSpanIds } from '../../telemetry/otel-api.js';
import { type Command, choiceOption, intOption, stringOption } from '../command.js';
import { type CronhookConfig, loadConfig } from '../config.js';
import { DASHBOARD_ACCESS_HELP, startDashboardServer } from '../dashboard-server.js';
import { createLogger, LOG_LEVELS, type LogFormat } from '../logger.js';
import { applyConfig, logEvents } from '../run-support.js';
import {
  OBSERVABILITY_OPTIONS,
  readObservabilityFlags,
  startServers,
  startTelemetry,
} from '../service/observability.js';
import { chooseDatabase, DATABASE_OPTIONS, openStorage } from '../storage.js';

const DEFAULT_CONFIG = 'cronhook.config.json';

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the jobs and endpoints of a config file until SIGINT/SIGTERM.',
  options: {
    config: {
      type: 'string',
      short: 'c',
      value: '<file>',
      description: `Config: .json, or a .js/.mjs/.cjs/.ts/.mts module exporting it, which is run (default ./${DEFAULT_CONFIG})`,
    },
    ...DATABASE_OPTIONS,
    log: { type: 'string', value: '<format>', description: 'json (one object per line) or pretty (default)' },
    'log-level': { type: 'string', value: '<level>', description: 'debug, info (default), warn or error' },
    'instance-id': {
      type: 'string',
      value: '<id>',
      description: 'This instance in leases and logs (default host:pid)',
    },
    dashboard: {
      type: 'string',
      value: '<host:port>',
      description: 'Also serve the operator dashboard there, e.g. 127.0.0.1:8080 (see Access below)',
    },
    'shutdown-timeout-ms': {
      type: 'string',
      value: '<ms>',
      description: 'How long runs in flight may finish on shutdown (default 10000)',
    },
    ...OBSERVABILITY_OPTIONS,
  },
  details: `Jobs and endpoints are upserted by id on start: added when new, updated when changed, left alone
(unchanged jobs keep their next run) otherwise. An endpoint without an id gets one derived from its URL,
or adopts an endpoint stored with that URL before config ids existed. Jobs and endpoints the config does
not mention are left alone. See docs/cli.md.

Dashboard (--dashboard): ${DASHBOARD_ACCESS_HELP}

Example cronhook.config.json:
  {
    "db": "cronhook.db",
    "jobs": [
      { "id": "ping", "schedule": { "every": "5m" }, "target": { "url": "https://example.com/ping" } }
    ],
    "endpoints": [
      { "id": "hooks", "url": "https://example.com/hooks", "topics": ["job.*"], "secretEnv": "HOOK_SECRET" }
    ]
  }

Health and metrics (docs/observability.md):
  cronhook run --health 8081            /healthz and /readyz on 127.0.0.1:8081
  cronhook run --metrics 0.0.0.0:9464   Prometheus /metrics, /healthz and /readyz
OTLP export follows the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_EXPORTER, ...);
without them nothing is exported. JSON log lines carry trace_id and span_id inside a run or delivery.`,
  async run({ values, io }) {
    const format = choiceOption<LogFormat>(values, 'log', ['json', 'pretty']) ?? 'pretty';
    const shutdownMs = intOption(values, 'shutdown-timeout-ms', 10_000, { min: 0, max: 3_600_000 });
    const observability = readObservabilityFlags(values);
    const configPath = stringOption(values, 'config');
    let config: CronhookConfig = {};
    if (configPath !== undefined) config = await loadConfig(configPath);
    else if (existsSync(DEFAULT_CONFIG)) config = await loadConfig(DEFAULT_CONFIG);
    const configName = configPath ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null);

    const level = choiceOption(values, 'log-level', LOG_LEVELS) ?? 'info';
    // The SDK first: the scheduler and notifier find its providers registered globally.
    const telemetry = await startTelemetry(observability);
    const logger = createLogger(format, (line) => io.out(line), level, undefined, activeSpanIds());
    const storage = await openStorage(chooseDatabase(values, config), { mustExist: false });
    // One id for the scheduler and the notifier, readable in leases and logs: host and pid by default.
    const flagId = stringOption(values, 'instance-id');
    const instanceId = flagId ?? config.scheduler?.instanceId ?? `${hostname()}:${process.pid}`;
    let scheduler: Scheduler;
    let notifier: WebhookNotifier;
    try {
      scheduler = new Scheduler({
        ...config.scheduler,
        instanceId,
        storage,
        logger,
      });
      notifier = new WebhookNotifier({
        ...config.notifier,
        instanceId: flagId ?? config.notifier?.instanceId ?? instanceId,
        scheduler,
        storage,
        logger,
      });
      for (const [name, handler] of Object.entries(config.handlers ?? {})) scheduler.handle(name, handler);
      await applyConfig(config, { scheduler, notifier, storage, logger });
    } catch (error) {
      await storage.close?.();
      await telemetry?.shutdown();
      if (error instanceof CronhookError && error.code !== 'ERR_CONFIG' && error.code !== 'ERR_STORAGE') {
        throw new CronhookError('ERR_CONFIG', `config ${configName ?? '(none)'}: ${error.message}`, {
          cause: error,
          ...(error.field === undefined ? {} : { field: error.field }),
        });
      }
      throw error;
    }

    const dashboardAddress = stringOption(values, 'dashboard');
    const dashboard =
      dashboardAddress === undefined
        ? null
        : await startDashboardServer({
            address: dashboardAddress,
            flag: 'dashboard',
            scheduler,
            notifier,
            env: process.env,
            logger,
          }).catch(async (error: unknown) => {
            await storage.close?.();
            throw error;
          });
    const stopLogging = logEvents(scheduler, notifier, logger);
    const servers = await startServers(observability, telemetry, () => scheduler.health());
    await notifier.start();
    await scheduler.start();
    if (dashboard) logger.info('dashboard serving', { url: dashboard.url });
    // Listening before saying "started": a signal sent as soon as that line is read must not find the
    // default handler, which ends the process at once, without stopping anything.
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    logger.info('cronhook started', {
      instance: notifier.instanceId,
      jobs: (await scheduler.listJobs({ limit: 10_000 })).length,
      endpoints: (await notifier.listEndpoints({ limit: 10_000 })).length,
      config: configName,
      ...servers.urls,
      ...(telemetry === null ? {} : { traces: telemetry.traces, metricsExport: telemetry.metrics }),
    });

    const signal = await signalled;
    // A second signal while shutting down ends the process at once.
    const force = () => process.exit(130);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    logger.info('shutting down', { signal, timeoutMs: shutdownMs });
    await dashboard?.close();
    await scheduler.stop({ timeoutMs: shutdownMs });
    await notifier.stop({ timeoutMs: Math.min(shutdownMs, 15_000) });
    stopLogging();
    await servers.close();
    await telemetry?.shutdown();
    await storage.close?.();
    logger.info('stopped');
    return 0;
  },
};
