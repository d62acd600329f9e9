/**
 * The scheduler and the notifier with OpenTelemetry tracing, printing the span tree of what they did:
 * an HTTP job (its run, attempt and client span, `traceparent` received by the service), a handler job with
 * a span of its own nested under its run, and the webhook of a run (its message stored under the run, the
 * delivery attempt in a trace of its own, linked back to it).
 *
 *   npx tsx examples/tracing/index.ts
 *
 * In an app you would start `NodeSDK` from `@opentelemetry/sdk-node` with an OTLP exporter instead
 * (docs/observability.md); here the spans go to memory and are printed.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { MemoryStorage, Scheduler, WebhookNotifier } from 'cronhook';

export interface TracingDemo {
  /** The span tree, one line per span, indented under its parent. */
  tree: string[];
  spans: ReadableSpan[];
  /** Headers the local service and webhook receiver got. */
  received: Array<{ path: string; headers: IncomingHttpHeaders }>;
}

export async function main(print: (line: string) => void = console.log): Promise<TracingDemo> {
  // 1. The SDK: a context manager (so spans nest across await), a tracer provider exporting to memory. The
  //    simple processor hands each span over as it ends, which suits printing them here; an app keeps the
  //    batch processor (NodeSDK's default): exporting span by span costs a request per span with OTLP.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(tracerProvider);

  // 2. A local service for the HTTP job and a webhook receiver, both recording what they get.
  const received: TracingDemo['received'] = [];
  const server = createServer((req, res) => {
    received.push({ path: req.url ?? '', headers: req.headers });
    req.resume().on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // 3. cronhook: nothing telemetry-specific; the global providers are used.
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ storage });
  const notifier = new WebhookNotifier({ scheduler, storage, allowPrivateNetworks: true });
  const app = trace.getTracer('billing-app');
  scheduler.handle('close-invoices', async () => {
    // The handler's own span nests under its run.
    await app.startActiveSpan('close overdue invoices', async (span) => {
      span.setAttribute('invoices.closed', 3);
      span.end();
    });
  });
  await scheduler.addJob({
    id: 'sync-rates',
    schedule: '*/15 * * * *',
    target: { url: `${origin}/rates/sync?api_key=kept-out-of-spans` },
  });
  await scheduler.addJob({
    id: 'close-invoices',
    schedule: '0 2 * * *',
    target: { handler: 'close-invoices' },
  });
  await notifier.addEndpoint({ url: `${origin}/webhooks`, topics: ['job.execution.succeeded'] });
  await notifier.start();

  // 4. Run both jobs now, and wait for their webhooks.
  await scheduler.triggerJob('sync-rates');
  await scheduler.triggerJob('close-invoices');
  for (let i = 0; i < 500 && received.filter((r) => r.path === '/webhooks').length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await notifier.stop();
  await scheduler.stop();
  await new Promise((resolve) => server.close(resolve));

  const spans = exporter.getFinishedSpans();
  const tree = spanTree(spans);
  for (const line of tree) print(line);
  const service = received.find((r) => r.path.startsWith('/rates/sync'));
  print(`\nthe service received traceparent: ${String(service?.headers.traceparent)}`);

  await tracerProvider.shutdown();
  trace.disable();
  context.disable();
  return { tree, spans, received };
}

/** Spans as an indented tree, each with what identifies it; `↪` marks a link to another trace's span. */
export function spanTree(spans: ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const ordered = [...spans].sort(
    (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
  );
  const lines: string[] = [];
  const describe = (span: ReadableSpan): string => {
    const a = span.attributes;
    const detail = [
      a['cronhook.run.trigger'] && `trigger=${a['cronhook.run.trigger']}`,
      a['cronhook.run.status'] && `status=${a['cronhook.run.status']}`,
      a['cronhook.run.attempt'] && `attempt=${a['cronhook.run.attempt']}`,
      a['url.full'] && `${a['url.full']} → ${a['http.response.status_code']}`,
      a['cronhook.delivery.outcome'] && `outcome=${a['cronhook.delivery.outcome']}`,
      span.links.length > 0 && `↪ linked to ${span.links.map((l) => l.context.spanId).join(', ')}`,
    ].filter(Boolean);
    return `${span.name}  [${span.spanContext().spanId}]${detail.length ? `  ${detail.join('  ')}` : ''}`;
  };
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of ordered) {
      const p = span.parentSpanContext?.spanId;
      if (parent === undefined ? p !== undefined && ids.has(p) : p !== parent) continue;
      lines.push(`${'  '.repeat(depth)}${describe(span)}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
