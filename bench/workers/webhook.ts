/**
 * Webhook delivery throughput in steady state, in a fresh process, to `endpoints` receivers (paths of one
 * local server), then latency:
 * - notifier modes: `backlog` messages are stored with publish() (untimed), the notifier is started and
 *   drains the outbox; deliveries (`delivery.succeeded`, i.e. outcome committed) are counted during
 *   `durationMs` after `warmupMs`, so JIT, connections and caches are warm and the window is seconds long;
 * - 'loop': a careful plain loop, `concurrency` callers each signing (a key object per endpoint, made once)
 *   and POSTing with one pooled undici Agent, bodies consumed; counted over the same warm-up and window;
 * - latency: one message at a time on an idle sender, from publish() to each `delivery.succeeded` (loop:
 *   from the message to each response, `concurrency` at a time).
 */

import { HttpTransport, WebhookNotifier } from 'cronhook';
import { Agent, request } from 'undici';
import { report, workerInput } from '../lib/child.js';
import {
  EVENT_DATA,
  endpointKeys,
  newMessage,
  type SignedMessage,
  signedHeaders,
} from '../lib/signed-request.js';
import { type Distribution, distribution, preciseNow, round } from '../lib/stats.js';
import { openBenchStorage, type StorageKind } from '../lib/storages.js';

export interface WebhookInput {
  mode: StorageKind | 'loop';
  url: string;
  /** For mode 'postgres'. */
  postgresUrl?: string;
  endpoints: number;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Notifier modes: messages stored before the notifier starts, enough to outlast warm-up and window. */
  backlog: number;
  latencyMessages: number;
  latencyGapMs: number;
}

export interface WebhookResult {
  mode: WebhookInput['mode'];
  endpoints: number;
  /** Deliveries (loop: answered requests) counted in the window. */
  deliveries: number;
  failures: number;
  /** Sending before the window opened (JIT, connections and caches warm). */
  warmupMs: number;
  windowMs: number;
  messagesPerSec: number;
  deliveriesPerSec: number;
  /** CPU time of this process (user + system) per delivery in the window. */
  cpuUsPerDelivery: number;
  /** The stored backlog ran out before the window ended: the rate is a lower bound. */
  exhausted: boolean;
  /** Notifier modes: storing the backlog (publish() calls, many at once), untimed for the rate. */
  prefill?: { messages: number; ms: number };
  latency: Distribution;
}

const input = workerInput<WebhookInput>();
const endpointUrls = Array.from({ length: input.endpoints }, (_, i) => `${input.url}/ep${i}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Window {
  count: () => number;
  deliveries: number;
  windowMs: number;
  cpuUs: number;
}

/** Counts during [warmupMs, warmupMs + durationMs) from now. */
async function measureWindow(count: () => number): Promise<Window> {
  await sleep(input.warmupMs);
  const startCount = count();
  const startCpu = process.cpuUsage();
  const start = performance.now();
  await sleep(input.durationMs);
  const deliveries = count() - startCount;
  const windowMs = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);
  return { count, deliveries, windowMs, cpuUs: cpu.user + cpu.system };
}

function rates(window: Window) {
  return {
    deliveries: window.deliveries,
    warmupMs: input.warmupMs,
    windowMs: round(window.windowMs, 1),
    messagesPerSec: round((window.deliveries / input.endpoints / window.windowMs) * 1000, 0),
    deliveriesPerSec: round((window.deliveries / window.windowMs) * 1000, 0),
    cpuUsPerDelivery: round(window.cpuUs / Math.max(1, window.deliveries), 1),
  };
}

async function runNotifier(kind: StorageKind): Promise<WebhookResult> {
  const bench = await openBenchStorage(kind, input.postgresUrl);
  const transport = new HttpTransport();
  const notifier = new WebhookNotifier({
    storage: bench.storage,
    transport,
    concurrency: input.concurrency,
    perEndpointConcurrency: input.concurrency,
    allowPrivateNetworks: true,
  });
  const addEndpoints = async () => {
    const ids: string[] = [];
    for (const url of endpointUrls)
      ids.push((await notifier.addEndpoint({ url, topics: ['*'] })).endpoint.id);
    return ids;
  };
  const endpointIds = await addEndpoints();
  let delivered = 0;
  let failures = 0;
  let lastDeliveredAt = 0;
  let onDelivered: (() => void) | null = null;
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  notifier.on('delivery.succeeded', (e) => {
    delivered++;
    lastDeliveredAt = performance.now();
    const at = publishedAt.get(e.delivery.messageId);
    if (at !== undefined) latencies.push(preciseNow() - at);
    onDelivered?.();
  });
  notifier.on('delivery.retrying', () => {
    failures++;
  });

  // The backlog, stored as an app publishing in bursts would (many publish() calls at once).
  const prefillStart = performance.now();
  for (let i = 0; i < input.backlog; i += 256) {
    const batch: Promise<string>[] = [];
    for (let j = i; j < Math.min(input.backlog, i + 256); j++)
      batch.push(notifier.publish('invoice.paid', { ...EVENT_DATA, seq: j }));
    await Promise.all(batch);
  }
  const prefillMs = performance.now() - prefillStart;

  await notifier.start();
  const window = await measureWindow(() => delivered);
  const windowEnd = performance.now();
  const exhausted = delivered >= input.backlog * input.endpoints && lastDeliveredAt < windowEnd - 1;
  await notifier.stop();

  // Latency on an idle outbox: the backlog's remainder goes with its endpoints, fresh ones take their place.
  for (const id of endpointIds) await notifier.removeEndpoint(id);
  await addEndpoints();
  await notifier.start();
  for (let i = 0; i < input.latencyMessages; i++) {
    const target = delivered + input.endpoints;
    const done = new Promise<void>((resolve) => {
      onDelivered = () => {
        if (delivered >= target) resolve();
      };
    });
    const at = preciseNow();
    const id = await notifier.publish('invoice.paid', { ...EVENT_DATA, seq: i });
    publishedAt.set(id, at);
    await done;
    await sleep(input.latencyGapMs);
  }
  await notifier.stop();
  await transport.close();
  await bench.close();
  return {
    mode: input.mode,
    endpoints: input.endpoints,
    ...rates(window),
    failures,
    exhausted,
    prefill: { messages: input.backlog, ms: round(prefillMs, 0) },
    latency: distribution(latencies),
  };
}

async function runLoop(): Promise<WebhookResult> {
  const keys = endpointKeys(input.endpoints);
  const agent = new Agent();
  let sent = 0;
  let failures = 0;
  const send = async (message: SignedMessage, endpoint: number): Promise<void> => {
    const res = await request(endpointUrls[endpoint]!, {
      method: 'POST',
      body: message.body,
      headers: signedHeaders(message, keys[endpoint]!),
      dispatcher: agent,
    });
    await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) sent++;
    else failures++;
  };
  // Request k sends message k / endpoints to endpoint k % endpoints; each message's body is built once.
  let next = 0;
  let message = newMessage(0);
  let running = true;
  const caller = async () => {
    while (running) {
      const k = next++;
      const endpoint = k % input.endpoints;
      if (endpoint === 0 && k > 0) message = newMessage(k / input.endpoints);
      await send(message, endpoint);
    }
  };
  const callers = Array.from({ length: input.concurrency }, caller);
  const window = await measureWindow(() => sent);
  running = false;
  await Promise.all(callers);

  const latencies: number[] = [];
  for (let i = 0; i < input.latencyMessages; i++) {
    const at = preciseNow();
    const one = newMessage(i);
    let k = 0;
    await Promise.all(
      Array.from({ length: Math.min(input.concurrency, input.endpoints) }, async () => {
        while (k < input.endpoints) {
          await send(one, k++);
          latencies.push(preciseNow() - at);
        }
      }),
    );
    await sleep(input.latencyGapMs);
  }
  await agent.close();
  return {
    mode: input.mode,
    endpoints: input.endpoints,
    ...rates(window),
    failures,
    exhausted: false,
    latency: distribution(latencies),
  };
}

await report(input.mode === 'loop' ? await runLoop() : await runNotifier(input.mode));
