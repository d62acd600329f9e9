/**
 * What the OpenTelemetry SDK costs per span, context and measurement on this machine, what cronhook's hooks
 * cost per HTTP run and per webhook message, and what the same spans, contexts and measurements cost made
 * straight through the API (the SDK's share, which no instrumentation can go below), without any I/O; the SDK
 * started as in the telemetry worker (bench/lib/telemetry-sdk.ts). Each item runs in batches of 500 with a
 * turn of the event loop between them (the batch processor exports there), 10,000 per repetition, in `reps`
 * alternating repetitions; the lowest CPU time per item counts (other work on the machine only adds).
 * The one worker that imports cronhook's sources instead of the built package: the hooks it times are internal
 * (not exported), so they run from src/ compiled by tsx.
 */
import { type Attributes, context, metrics, SpanKind, trace } from '@opentelemetry/api';
import { systemClock } from '../../src/clock.js';
import type { DeliveryRecord, Message } from '../../src/notifier/types.js';
import type { CompleteAttemptInput, JobRecord, RunRecord } from '../../src/storage/types.js';
import { notifierHooks } from '../../src/telemetry/notifier-telemetry.js';
import { observedCounter } from '../../src/telemetry/observed-counter.js';
import { schedulerHooks } from '../../src/telemetry/scheduler-telemetry.js';
import type { TransportResponse } from '../../src/transport/types.js';
import { report, workerInput } from '../lib/child.js';
import { round } from '../lib/stats.js';
import { startBenchSdk } from '../lib/telemetry-sdk.js';
import { HOOKS_MESSAGE, HOOKS_RUN, SDK_ALONE_MESSAGE, SDK_ALONE_RUN } from '../lib/telemetry-suite.js';

export interface TelemetryUnitCostInput {
  reps: number;
}

export interface TelemetryUnitCost {
  item: string;
  /** CPU time per item, in µs (lowest of the repetitions). */
  us: number;
}

export interface TelemetryUnitCostResult {
  costs: TelemetryUnitCost[];
}

const input = workerInput<TelemetryUnitCostInput>();
const shutdownSdk = await startBenchSdk();

const BATCH = 500;
const PER_REP = 10_000;

/** CPU time per call of `fn` over one repetition (µs). */
async function once(fn: () => void): Promise<number> {
  const before = process.cpuUsage();
  for (let b = 0; b < PER_REP / BATCH; b++) {
    for (let i = 0; i < BATCH; i++) fn();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / PER_REP;
}

/**
 * The items in alternating repetitions (each item once per repetition, in turn), so that a slower stretch of
 * the machine, or the heap growing over the run, weighs on all of them alike; the lowest of each counts.
 */
async function costs(items: Array<[string, () => void]>): Promise<TelemetryUnitCost[]> {
  const best = items.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < input.reps; r++) {
    for (const [i, [, fn]] of items.entries()) best[i] = Math.min(best[i]!, await once(fn));
  }
  return items.map(([item], i) => ({ item, us: round(best[i]!, 2) }));
}

/** Attribute sets shaped like cronhook's: dotted names, string and number values. */
function attributes(n: number): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < n; i++) out[`cronhook.bench.attribute_${i}`] = i % 2 === 0 ? `value-${i}` : i;
  return out;
}

const tracer = trace.getTracer('bench');
const meter = metrics.getMeterProvider().getMeter('bench');
const histogram = meter.createHistogram('bench.duration', {
  unit: 's',
  advice: {
    explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  },
});
const root = context.active();
const parent = tracer.startSpan('parent', {}, root);
const parentContext = trace.setSpan(root, parent);
const three = attributes(3);
const six = attributes(6);
const five = attributes(5);

// cronhook's hooks as the runner and the deliverer call them, for one HTTP run and one webhook message.
const scheduler = schedulerHooks(undefined, systemClock)!;
const notifier = notifierHooks(undefined, systemClock)!;
const now = new Date();
const job = {
  id: 'http3',
  name: null,
  schedule: { kind: 'cron', cron: '0 0 1 1 *', timezone: 'UTC' },
  target: { url: 'http://127.0.0.1:9/job', method: 'POST' },
} as unknown as JobRecord;
const response: TransportResponse = {
  status: 200,
  headers: {},
  body: 'ok',
  bodyTruncated: false,
  durationMs: 0.2,
};
let seq = 0;
function httpRun(): void {
  const run = {
    id: `run_${seq++}`,
    jobId: job.id,
    trigger: 'manual',
    status: 'running',
    scheduledAt: now,
    startedAt: now,
    finishedAt: now,
    durationMs: 1,
    attempts: 1,
    error: null,
  } as unknown as RunRecord;
  const hook = scheduler.runStarted(job, run)!;
  hook.within(() => {
    const attempt = hook.attempt(1);
    const headers = { 'content-type': 'application/json', 'user-agent': 'cronhook' };
    const call = attempt.http({ url: 'http://127.0.0.1:9/job', method: 'POST', headers }, true);
    call.end(response, null);
    attempt.end(null);
  });
  hook.end(run, null);
}
const delivery = {
  id: 'dlv_1',
  messageId: 'msg_1',
  endpointId: 'ep_1',
  topic: 'invoice.paid',
  attempts: 0,
} as unknown as DeliveryRecord;
const outcome = {
  delivery: { status: 'succeeded' },
  attempt: { error: null },
} as unknown as CompleteAttemptInput;
function webhookMessage(): void {
  const stored = notifier.messageStoring('invoice.paid', 1)!;
  stored.end('msg_1', null);
  const message = { id: 'msg_1', topic: 'invoice.paid', traceContext: stored.traceContext } as Message;
  const hook = notifier.deliveryStarted(delivery, message, 'auto')!;
  const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-signature': 'v1,x' };
  const call = hook.http({ url: 'http://127.0.0.1:9/hook', method: 'POST', headers }, true);
  call.end(response, null);
  hook.within(() => undefined);
  hook.end(outcome, null);
}

// The same spans (names, kinds, attributes, links), contexts and measurements (attributes) as the hooks above
// make, straight through the API with attribute sets made once: the SDK's work alone. cronhook counts runs and
// delivery attempts itself (src/telemetry/observed-counter.ts), reported when the SDK collects: no `add` here.
const counter = meter.createCounter('bench.count');
const counted = observedCounter(meter, 'bench.observed', {});
const runStart = {
  'cronhook.job.id': 'http3',
  'cronhook.run.id': 'run_01J00000000000000000000000',
  'cronhook.run.trigger': 'manual',
  'cronhook.run.lateness_ms': 0,
};
const runLater = {
  'cronhook.job.schedule': '0 0 1 1 * (UTC)',
  'cronhook.run.scheduled_at': '2026-12-05T20:00:00.000Z',
};
const attemptStart = { 'cronhook.job.id': 'http3', 'cronhook.run.attempt': 1 };
const clientStart = Object.freeze({
  'http.request.method': 'POST',
  'server.address': '127.0.0.1',
  'server.port': 9,
  'url.full': 'http://127.0.0.1:9/job',
  'url.scheme': 'http',
});
const httpMetric = {
  'http.request.method': 'POST',
  'cronhook.request.type': 'job',
  'server.address': '127.0.0.1',
  'server.port': 9,
  'http.response.status_code': 200,
  'cronhook.job.id': 'http3',
};
const runsMetric = {
  'cronhook.run.status': 'succeeded',
  'cronhook.run.trigger': 'manual',
  'cronhook.job.id': 'http3',
};
const durationMetric = { 'cronhook.run.status': 'succeeded', 'cronhook.job.id': 'http3' };
function sdkAloneRun(): void {
  const run = tracer.startSpan('run http3', { kind: SpanKind.INTERNAL, attributes: runStart }, root);
  run.setAttributes(runLater);
  const runContext = trace.setSpan(root, run);
  context.with(runContext, () => {
    const attempt = tracer.startSpan('attempt', { attributes: attemptStart }, runContext);
    const attemptContext = trace.setSpan(runContext, attempt);
    const client = tracer.startSpan(
      'POST',
      { kind: SpanKind.CLIENT, attributes: clientStart },
      attemptContext,
    );
    client.setAttribute('http.response.status_code', 200);
    client.end();
    histogram.record(0.0002, httpMetric);
    attempt.end();
  });
  run.setAttribute('cronhook.run.status', 'succeeded');
  run.setAttribute('cronhook.run.attempts', 1);
  run.end();
  histogram.record(0.001, durationMetric);
}
const createStart = {
  'messaging.system': 'cronhook',
  'messaging.operation.name': 'create',
  'messaging.operation.type': 'create',
  'messaging.destination.name': 'invoice.paid',
  'cronhook.message.deliveries': 1,
};
const sendStart = {
  'messaging.system': 'cronhook',
  'messaging.operation.name': 'send',
  'messaging.operation.type': 'send',
  'messaging.destination.name': 'invoice.paid',
  'messaging.message.id': 'msg_1',
  'cronhook.delivery.id': 'dlv_1',
  'cronhook.endpoint.id': 'ep_1',
  'cronhook.delivery.attempt': 1,
  'cronhook.delivery.trigger': 'auto',
};
const deliveryHttpMetric = {
  'http.request.method': 'POST',
  'cronhook.request.type': 'delivery',
  'server.address': '127.0.0.1',
  'server.port': 9,
  'http.response.status_code': 200,
  'cronhook.endpoint.id': 'ep_1',
};
const link = [{ context: parent.spanContext() }];
function sdkAloneMessage(): void {
  const create = tracer.startSpan(
    'create invoice.paid',
    { kind: SpanKind.PRODUCER, attributes: createStart },
    root,
  );
  create.setAttribute('messaging.message.id', 'msg_1');
  create.end();
  const send = tracer.startSpan(
    'send invoice.paid',
    { kind: SpanKind.CLIENT, attributes: sendStart, links: link },
    root,
  );
  const sendContext = trace.setSpan(root, send);
  const client = tracer.startSpan('POST', { kind: SpanKind.CLIENT, attributes: clientStart }, sendContext);
  client.setAttribute('http.response.status_code', 200);
  client.end();
  histogram.record(0.0002, deliveryHttpMetric);
  context.with(sendContext, () => undefined);
  send.setAttribute('cronhook.delivery.outcome', 'succeeded');
  send.end();
}

const measured = await costs([
  ['span: root, no attributes', () => tracer.startSpan('s', {}, root).end()],
  ['span: child, no attributes', () => tracer.startSpan('s', {}, parentContext).end()],
  [
    'span: child, 5 attributes at start',
    () => tracer.startSpan('s', { kind: SpanKind.CLIENT, attributes: five }, parentContext).end(),
  ],
  [
    'context with a span, made and made active',
    () => context.with(trace.setSpan(parentContext, parent), () => undefined),
  ],
  ['measurement: histogram, no attributes', () => histogram.record(0.01)],
  ['measurement: histogram, 3 attributes', () => histogram.record(0.01, three)],
  ['measurement: histogram, 6 attributes', () => histogram.record(0.01, six)],
  [
    'measurement: counter add, 3 attributes (a run counted through the SDK)',
    () => counter.add(1, runsMetric),
  ],
  [
    'count kept by cronhook, reported when collected (a run counted as cronhook does)',
    () => counted.add(['succeeded', 'manual', 'http3'], () => runsMetric),
  ],
  [HOOKS_RUN, httpRun],
  [SDK_ALONE_RUN, sdkAloneRun],
  [HOOKS_MESSAGE, webhookMessage],
  [SDK_ALONE_MESSAGE, sdkAloneMessage],
]);
parent.end();
await shutdownSdk();
await report({ costs: measured } satisfies TelemetryUnitCostResult);
