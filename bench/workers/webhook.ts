/**
 * Webhook delivery in a fresh process, to `endpoints` receivers (paths of one local server):
 * - throughput: `messages` stored with publish(), then the notifier drains the outbox (or a plain
 *   undici + HMAC loop sends the same requests at the same concurrency);
 * - latency: with the notifier running, `latencyMessages` published one at a time (the next once all its
 *   deliveries are done, after `latencyGapMs`); from calling publish() to each `delivery.succeeded` event
 *   (plain loop: from the message to each response, `concurrency` at a time).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { generateSecret } from '../../src/notifier/signing/signatures.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { HttpTransport } from '../../src/transport/http.js';
import { report, workerInput } from '../lib/child.js';
import { type Distribution, distribution, preciseNow, round } from '../lib/stats.js';

export interface WebhookInput {
  mode: 'memory' | 'sqlite' | 'postgres' | 'undici-hmac-loop';
  url: string;
  /** For mode 'postgres'. */
  postgresUrl?: string;
  endpoints: number;
  messages: number;
  /** Messages delivered before the timed part, so both sides are warm (JIT, connections). */
  warmupMessages: number;
  concurrency: number;
  latencyMessages: number;
  latencyGapMs: number;
}

export interface WebhookResult {
  mode: WebhookInput['mode'];
  endpoints: number;
  messages: number;
  deliveries: number;
  failures: number;
  /** Time to store the messages (publish), not part of the delivery rate. */
  publishMs: number;
  deliverMs: number;
  messagesPerSec: number;
  deliveriesPerSec: number;
  latency: Distribution;
}

const input = workerInput<WebhookInput>();
const data = { invoice: 'in_1234567890', amount: 4200, currency: 'eur', lines: [1, 2, 3] };
const endpointUrls = Array.from({ length: input.endpoints }, (_, i) => `${input.url}/ep${i}`);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runNotifier(storage: Storage): Promise<WebhookResult> {
  await storage.migrate();
  const transport = new HttpTransport();
  const notifier = new WebhookNotifier({
    storage,
    transport,
    concurrency: input.concurrency,
    perEndpointConcurrency: input.concurrency,
    allowPrivateNetworks: true,
  });
  for (const url of endpointUrls) await notifier.addEndpoint({ url, topics: ['*'] });
  let delivered = 0;
  let failures = 0;
  let onDelivered: (() => void) | null = null;
  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  notifier.on('delivery.succeeded', (e) => {
    delivered++;
    const at = publishedAt.get(e.delivery.messageId);
    if (at !== undefined) latencies.push(preciseNow() - at);
    onDelivered?.();
  });
  notifier.on('delivery.retrying', () => {
    failures++;
  });
  const untilDelivered = (count: number) =>
    new Promise<void>((resolve) => {
      onDelivered = () => {
        if (delivered >= count) resolve();
      };
    });
  if (input.warmupMessages > 0) {
    const warm = untilDelivered(input.warmupMessages * input.endpoints);
    await notifier.start();
    for (let i = 0; i < input.warmupMessages; i++)
      await notifier.publish('invoice.paid', { ...data, seq: -i });
    await warm;
    await notifier.stop();
    delivered = 0;
  }
  const expected = input.messages * input.endpoints;
  const publishStart = performance.now();
  for (let i = 0; i < input.messages; i++) await notifier.publish('invoice.paid', { ...data, seq: i });
  const publishMs = performance.now() - publishStart;
  const drained = untilDelivered(expected);
  const deliverStart = performance.now();
  await notifier.start();
  await drained;
  const deliverMs = performance.now() - deliverStart;

  // Latency: one message at a time on an otherwise idle notifier, the next once all its deliveries are done.
  for (let i = 0; i < input.latencyMessages; i++) {
    const done = untilDelivered(delivered + input.endpoints);
    const at = preciseNow();
    const id = await notifier.publish('invoice.paid', { ...data, seq: i });
    publishedAt.set(id, at);
    await done;
    await sleep(input.latencyGapMs);
  }
  await notifier.stop();
  await transport.close();
  return {
    mode: input.mode,
    endpoints: input.endpoints,
    messages: input.messages,
    deliveries: expected,
    failures,
    publishMs: round(publishMs, 1),
    deliverMs: round(deliverMs, 1),
    messagesPerSec: round((input.messages / deliverMs) * 1000, 0),
    deliveriesPerSec: round((expected / deliverMs) * 1000, 0),
    latency: distribution(latencies),
  };
}

async function runLoop(): Promise<WebhookResult> {
  const secret = Buffer.from(generateSecret().slice('whsec_'.length), 'base64');
  const agent = new Agent();
  let failures = 0;
  const send = async (url: string, payload: unknown): Promise<void> => {
    const id = `msg_${randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'invoice.paid', timestamp: new Date().toISOString(), data: payload });
    const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
    const res = await request(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      },
      dispatcher: agent,
    });
    await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) failures++;
  };
  const sendAll = async (messages: number) => {
    const jobs: Array<[string, number]> = [];
    for (let i = 0; i < messages; i++) for (const url of endpointUrls) jobs.push([url, i]);
    let next = 0;
    await Promise.all(
      Array.from({ length: input.concurrency }, async () => {
        while (next < jobs.length) {
          const [url, seq] = jobs[next++]!;
          await send(url, { ...data, seq });
        }
      }),
    );
  };
  await sendAll(input.warmupMessages);
  const deliverStart = performance.now();
  await sendAll(input.messages);
  const deliverMs = performance.now() - deliverStart;
  const latencies: number[] = [];
  for (let i = 0; i < input.latencyMessages; i++) {
    const at = preciseNow();
    let k = 0;
    await Promise.all(
      Array.from({ length: Math.min(input.concurrency, endpointUrls.length) }, async () => {
        while (k < endpointUrls.length) {
          await send(endpointUrls[k++]!, { ...data, seq: i });
          latencies.push(preciseNow() - at);
        }
      }),
    );
    await sleep(input.latencyGapMs);
  }
  await agent.close();
  const expected = input.messages * input.endpoints;
  return {
    mode: input.mode,
    endpoints: input.endpoints,
    messages: input.messages,
    deliveries: expected,
    failures,
    publishMs: 0,
    deliverMs: round(deliverMs, 1),
    messagesPerSec: round((input.messages / deliverMs) * 1000, 0),
    deliveriesPerSec: round((expected / deliverMs) * 1000, 0),
    latency: distribution(latencies),
  };
}

let result: WebhookResult;
if (input.mode === 'undici-hmac-loop') result = await runLoop();
else if (input.mode === 'memory') result = await runNotifier(new MemoryStorage());
else if (input.mode === 'postgres') {
  if (input.postgresUrl === undefined) throw new Error('postgresUrl missing');
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const storage = new PostgresStorage({ connectionString: input.postgresUrl, schema });
  try {
    result = await runNotifier(storage);
  } finally {
    await storage.close();
  }
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cronhook-bench-'));
  try {
    result = await runNotifier(new SqliteStorage({ path: join(dir, 'bench.db') }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
await report(result);
