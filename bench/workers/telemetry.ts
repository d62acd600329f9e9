/**
 * The cost of telemetry, in a fresh process, against the receiver process of section 4:
 * - `http`: HTTP jobs as section 4 measures them: `concurrency` callers each running its own HTTP job with
 *   `triggerJob` in a loop (MemoryStorage);
 * - `webhook`: webhooks in steady state with the publishing inside the window: `8 × concurrency` publishers
 *   each publish a message and wait for its delivery, in a loop, so the outbox never runs dry and every
 *   message's `create` span is measured with its delivery's; the notifier as section 5 runs it (MemoryStorage,
 *   one endpoint, `concurrency` slots, prefetch 4 × concurrency);
 * - `undici`: the reference, section 4's plain loop: `concurrency` callers each sending undici requests in a
 *   loop (POST, JSON body, the answer read), no cronhook; measured `absent` and `sdk-undici`.
 * Telemetry is
 * - `absent`: `@opentelemetry/api` unresolvable (the worker runs with test/fixtures/without-otel-hook.mjs), as
 *   for a user who has not installed it;
 * - `api`: the API installed, no SDK registered (telemetry on, nothing recorded: the other suites run so);
 * - `sdk`: the Node SDK as a user starts it (`new NodeSDK(...).start()`: AsyncLocalStorage context manager,
 *   W3C propagator, default sampler, a batch span processor, a meter provider with a periodic reader every
 *   second), with exporters that drop what they are given, so what is measured is the SDK's work on
 *   cronhook's spans and metrics, not an exporter's I/O.
 * - `sdk-sampled`: the same with one trace in ten kept (`ParentBased(TraceIdRatioBased(0.1))`, what
 *   docs/observability.md advises at high rates): spans of the other nine are not recorded, metrics still
 *   count every run and delivery.
 * - `sdk-metrics`: the same SDK without a tracer provider (as with `OTEL_TRACES_EXPORTER=none`): no span and no
 *   context is made, metrics count every run and delivery.
 * - `sdk-undici` (the `undici` workload only): the SDK as for `sdk` with the official
 *   `@opentelemetry/instrumentation-undici` registered: what the HTTP conventions' own instrumentation costs
 *   on a loop with nothing else to do: per request one client span (its attributes, `traceparent` added to
 *   the request) and one `http.client.request.duration` measurement.
 * The window starts when the warm-up timer fires (a late timer under load does not shorten it) and CPU time
 * is counted over the same window.
 */
import { HttpTransport, MemoryStorage, Scheduler, WebhookNotifier } from 'cronhook';
import { report, workerInput } from '../lib/child.js';
import { round } from '../lib/stats.js';
import { startBenchSdk } from '../lib/telemetry-sdk.js';
import { undiciLoop } from '../lib/undici-loop.js';

export type TelemetryMode = 'absent' | 'api' | 'sdk' | 'sdk-sampled' | 'sdk-metrics' | 'sdk-undici';

export interface TelemetryBenchInput {
  workload: 'http' | 'webhook' | 'undici';
  mode: TelemetryMode;
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface TelemetryBenchResult {
  workload: TelemetryBenchInput['workload'];
  mode: TelemetryMode;
  /** Operations (runs, or delivered messages) counted in the window. */
  ops: number;
  failures: number;
  opsPerSec: number;
  /** Spans the SDK exported (the `sdk*` modes), to show they were made. */
  spans: number;
  /**
   * Spans exported per operation over the whole process (warm-up included; 3 for HTTP jobs and webhooks,
   * about 0.3 with one trace in ten sampled, 1 for an undici request): fewer would mean the batch processor
   * dropped spans, sparing itself work.
   */
  spansPerOp: number;
  /**
   * CPU time of this process per operation during the window (user + system): steadier than ops/s when other
   * work shares the machine.
   */
  cpuUsPerOp: number;
}

const input = workerInput<TelemetryBenchInput>();
let spans = 0;
let shutdownSdk: () => Promise<void> = async () => {};

if (input.mode.startsWith('sdk')) {
  shutdownSdk = await startBenchSdk({
    ...(input.mode === 'sdk-sampled' ? { sampleRatio: 0.1 } : {}),
    ...(input.mode === 'sdk-metrics' ? { traces: false } : {}),
    ...(input.mode === 'sdk-undici' ? { undici: true } : {}),
    onSpans: (count) => {
      spans += count;
    },
  });
}

let counting = false;
let ops = 0;
let allOps = 0;
let failures = 0;
let stopAt = Number.POSITIVE_INFINITY;

async function loop(once: () => Promise<boolean>): Promise<void> {
  while (performance.now() < stopAt) {
    const ok = await once();
    if (ok) allOps++;
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
} else if (input.workload === 'undici') {
  const plain = undiciLoop(`${input.url}/job`, body);
  callers = Array.from({ length: input.concurrency }, () => plain.once);
  close = plain.close;
} else {
  const notifier = new WebhookNotifier({
    storage,
    transport,
    concurrency: input.concurrency,
    perEndpointConcurrency: input.concurrency,
    // As section 5 runs it: claims ahead of free slots, as docs/webhooks.md advises for throughput.
    prefetch: 4 * input.concurrency,
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
  // Enough messages outstanding that the notifier's slots and its prefetch buffer never wait for a publisher.
  callers = Array.from({ length: 8 * input.concurrency }, () => async () => {
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
let windowStart = Number.NaN;
let cpuAt = process.cpuUsage();
setTimeout(() => {
  counting = true;
  windowStart = performance.now();
  cpuAt = process.cpuUsage();
}, input.warmupMs);
await Promise.all(callers.map((c) => loop(c)));
const elapsed = performance.now() - windowStart;
const cpu = process.cpuUsage(cpuAt);
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
  spansPerOp: round(spans / Math.max(1, allOps), 2),
  cpuUsPerOp: round((cpu.user + cpu.system) / Math.max(1, ops), 1),
};
await report(result);
