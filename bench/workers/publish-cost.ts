/**
 * What publishing one message costs with 1 and with 50 matching endpoints, on one storage kind, in one
 * process: two storages side by side (one holding 1 endpoint, one holding 50, all subscribed to the topic),
 * each with its own notifier (not started: nothing is sent). Each window publishes one message at a time,
 * awaiting each (a publish resolves once the message and its deliveries are committed), for `windowMs`;
 * windows alternate between the two, after a warm-up of each, and the best window of each counts.
 */
import { WebhookNotifier } from 'cronhook';
import { MockTransport } from 'cronhook/testing';
import { report, workerInput } from '../lib/child.js';
import { EVENT_DATA } from '../lib/signed-request.js';
import { round } from '../lib/stats.js';
import { type BenchStorage, openBenchStorage, type StorageKind } from '../lib/storages.js';

export interface PublishCostInput {
  storage: StorageKind;
  postgresUrl?: string;
  /** Endpoint counts compared, e.g. [1, 50]. */
  endpoints: number[];
  warmupMs: number;
  windowMs: number;
  rounds: number;
}

export interface PublishCost {
  endpoints: number;
  publishes: number;
  /** Wall time per publish (mean over the best window). */
  usPerPublish: number;
  /** CPU time of this process per publish in that window (the database server's is not included). */
  cpuUsPerPublish: number;
}

export interface PublishCostResult {
  storage: StorageKind;
  costs: PublishCost[];
}

const input = workerInput<PublishCostInput>();

interface Side {
  endpoints: number;
  bench: BenchStorage;
  notifier: WebhookNotifier;
  best: PublishCost | null;
}

const sides: Side[] = [];
for (const endpoints of input.endpoints) {
  const bench = await openBenchStorage(input.storage, input.postgresUrl);
  const notifier = new WebhookNotifier({ storage: bench.storage, transport: new MockTransport() });
  for (let i = 0; i < endpoints; i++)
    await notifier.addEndpoint({ url: `https://receiver.example/ep${i}`, topics: ['invoice.*'] });
  sides.push({ endpoints, bench, notifier, best: null });
}

let seq = 0;
async function window(side: Side, ms: number): Promise<PublishCost> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let publishes = 0;
  while (performance.now() < end) {
    await side.notifier.publish('invoice.paid', { ...EVENT_DATA, seq: seq++ });
    publishes++;
  }
  const wallUs = (performance.now() - start) * 1000;
  const cpu = process.cpuUsage(cpuStart);
  return {
    endpoints: side.endpoints,
    publishes,
    usPerPublish: round(wallUs / publishes, 1),
    cpuUsPerPublish: round((cpu.user + cpu.system) / publishes, 1),
  };
}

for (const side of sides) await window(side, input.warmupMs);
for (let r = 0; r < input.rounds; r++) {
  for (const side of sides) {
    const cost = await window(side, input.windowMs);
    if (side.best === null || cost.usPerPublish < side.best.usPerPublish) side.best = cost;
  }
}
for (const side of sides) await side.bench.close();
report({ storage: input.storage, costs: sides.map((s) => s.best!) } satisfies PublishCostResult);
