/**
 * The cost of telemetry, in a fresh process: HTTP jobs (`concurrency` callers each running its own job with
 * `triggerJob` in a loop) or webhooks (`concurrency` publishers each publishing a message and waiting for its
 * delivery, in a loop; MemoryStorage), with telemetry
 * - `absent`: `@opentelemetry/api` unresolvable (the worker runs with test/fixtures/without-otel-hook.mjs), as
 *   for a user who has not installed it;
 * - `api`: the API installed, no SDK registered (telemetry on, everything a no-op);
 * - `sdk`: the SDK registered as NodeSDK does (AsyncLocalStorage context manager, a tracer provider with a
 *   batch span processor, a meter provider with a periodic reader), its exporters doing nothing, so what is
 *   measured is cronhook's spans and metrics, not an exporter's I/O.
 */
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { HttpTransport } from '../../src/transport/http.js';
import { report, workerInput } from '../lib/child.js';
import { round } from '../lib/stats.js';

export type TelemetryMode = 'absent' | 'api' | 'sdk';

export interface TelemetryBenchInput {
  workload: 'http' | 'webhook';
  mode: TelemetryMode;
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface TelemetryBenchResult {
  workload: TelemetryBenchInput['workload'];
  mode: TelemetryMode;
  ops: number;
  failures: number;
  opsPerSec: number;
  /** Spans the SDK exported (mode `sdk`), to show they were made. */
  spans: number;
  /**
   * CPU time of this process per operation during the window (user + system): steadier than ops/s when other
   * work shares the machine.
   */
  cpuUsPerOp: number;
}

const input = workerInput<TelemetryBenchInput>();
let spans = 0;
let shutdownSdk: () => Promise<void> = async () => {};

if (input.mode === 'sdk') {
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BatchSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import(
    '@opentelemetry/sdk-metrics'
  );
  const SUCCESS = { code: 0 };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const tracerProvider = new TracerProvider({
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: {
          export: (batch, done) => {
            spans += batch.length;
            done(SUCCESS);
          },
          shutdown: async () => {},
        },
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    readers: [
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
  });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  shutdownSdk = async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

let counting = false;
let ops = 0;
let failures = 0;
let stopAt = Number.POSITIVE_INFINITY;

async function loop(once: () => Promise<boolean>): Promise<void> {
  while (performance.now() < stopAt) {
    const ok = await once();
    if (!counting) continue;
    if (ok) ops++;
    else failures++;
  }
}

const transport = new HttpTransport();
const storage = new MemoryStorage();
const body = '{"ping":true}';
let callers: Array<() => Promise<boolean>> = [];
let close: () => Promise<void>;

if (input.workload === 'http') {
  const scheduler = new Scheduler({ storage, transport, concurrency: input.concurrency });
  for (let i = 0; i < input.concurrency; i++) {
    // Due once a year: only triggerJob runs them here.
    await scheduler.addJob({
      id: `http${i}`,
      schedule: '0 0 1 1 *',
      target: { url: `${input.url}/job`, method: 'POST', body },
    });
    callers.push(async () => (await scheduler.triggerJob(`http${i}`)).status === 'succeeded');
  }
  await scheduler.start();
  close = () => scheduler.stop();
} else {
  const notifier = new WebhookNotifier({
    storage,
    transport,
    concurrency: input.concurrency,
    perEndpointConcurrency: input.concurrency,
    allowPrivateNetworks: true,
  });
  await notifier.addEndpoint({ url: `${input.url}/hook`, topics: ['*'] });
  // Each publisher waits for its own message's delivery (an outcome that comes first is kept for it).
  const waiting = new Map<string, (ok: boolean) => void>();
  const early = new Map<string, boolean>();
  const settle = (messageId: string, ok: boolean) => {
    const resolve = waiting.get(messageId);
    if (resolve === undefined) early.set(messageId, ok);
    else {
      waiting.delete(messageId);
      resolve(ok);
    }
  };
  notifier.on('delivery.succeeded', (e) => settle(e.delivery.messageId, true));
  notifier.on('delivery.retrying', (e) => settle(e.delivery.messageId, false));
  notifier.on('delivery.failed', (e) => settle(e.delivery.messageId, false));
  await notifier.start();
  let seq = 0;
  const data = { invoice: 'in_1234567890', amount: 4200, currency: 'eur' };
  callers = Array.from({ length: input.concurrency }, () => async () => {
    const id = await notifier.publish('invoice.paid', { ...data, seq: seq++ });
    const done = early.get(id);
    if (done !== undefined) {
      early.delete(id);
      return done;
    }
    return new Promise<boolean>((resolve) => waiting.set(id, resolve));
  });
  close = () => notifier.stop();
}

const started = performance.now();
stopAt = started + input.warmupMs + input.durationMs;
let cpuAt = process.cpuUsage();
setTimeout(() => {
  counting = true;
  cpuAt = process.cpuUsage();
}, input.warmupMs);
await Promise.all(callers.map((c) => loop(c)));
const elapsed = performance.now() - started - input.warmupMs;
const cpu = process.cpuUsage(cpuAt);
const cpuUsPerOp = round((cpu.user + cpu.system) / ops, 1);
await close();
await transport.close();
await shutdownSdk();
const result: TelemetryBenchResult = {
  workload: input.workload,
  mode: input.mode,
  ops,
  failures,
  opsPerSec: round((ops / elapsed) * 1000, 0),
  spans,
  cpuUsPerOp,
};
await report(result);
