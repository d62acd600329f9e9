/**
 * What cronhook costs a Postgres server (fsync on, `pg_stat_statements` loaded), per delivery and per
 * occurrence: statements, rows written, WAL, statement time and the server's CPU, each phase measured on
 * its own (see PgCostMeter).
 * - deliveries, per endpoint count: `messages` published (many at once), then delivered by one notifier
 *   (`MockTransport` answering 200 at once, so the database is the only work), then pruned by retention;
 *   table sizes before the prune give the bytes a delivery keeps while retained;
 * - occurrences: `jobs` handler jobs due every second, run by one scheduler with `runRetention` runs kept,
 *   measured over `seconds` after a warm-up long enough for retention to be pruning.
 */
import { randomUUID } from 'node:crypto';
import { Scheduler, WebhookNotifier } from 'cronhook';
import { PostgresStorage } from 'cronhook/storage/postgres';
import { MockTransport } from 'cronhook/testing';
import { report, workerInput } from '../lib/child.js';
import { type DbCost, PgCostMeter } from '../lib/pg-cost.js';
import { EVENT_DATA } from '../lib/signed-request.js';

export interface DbCostInput {
  postgresUrl: string;
  postmasterPid: number;
  endpoints: number[];
  /** Deliveries made per endpoint count (messages = deliveries / endpoints). */
  deliveries: number;
  jobs: number;
  runRetention: number;
  warmupMs: number;
  seconds: number;
}

export interface DeliveryCost {
  endpoints: number;
  messages: number;
  deliveries: number;
  publish: DbCost;
  deliver: DbCost;
  prune: DbCost;
  /** Tables after delivery, before the prune: bytes with indexes, and rows. */
  sizes: Record<string, { bytes: number; rows: number }>;
}

export interface OccurrenceCost {
  jobs: number;
  runRetention: number;
  occurrences: number;
  seconds: number;
  /** CPU of the scheduler's process (this worker) over the window, ms. */
  schedulerCpuMs: number;
  cost: DbCost;
  sizes: Record<string, { bytes: number; rows: number }>;
}

export interface DbCostResult {
  deliveries: DeliveryCost[];
  occurrences: OccurrenceCost;
}

const input = workerInput<DbCostInput>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const newSchema = () => `cost_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/**
 * A storage (its own pool) for one phase: closed at the phase's end, so that its server processes exit and
 * report their statistics (a backend that stays idle reports them only every 10 s).
 */
function open(schema: string): PostgresStorage {
  return new PostgresStorage({ connectionString: input.postgresUrl, schema });
}

async function deliveryCost(endpoints: number): Promise<DeliveryCost> {
  const schema = newSchema();
  const setup = open(schema);
  await setup.migrate();
  const notifierOn = (storage: PostgresStorage) =>
    new WebhookNotifier({ storage, transport: new MockTransport() });
  for (let i = 0; i < endpoints; i++)
    await notifierOn(setup).addEndpoint({ url: `https://receiver.example/ep${i}`, topics: ['*'] });
  await setup.close();
  const meter = await PgCostMeter.open(input.postgresUrl, input.postmasterPid, schema);
  const messages = Math.max(1, Math.round(input.deliveries / endpoints));
  const deliveries = messages * endpoints;
  const publish = await meter.measure(async () => {
    const storage = open(schema);
    const notifier = notifierOn(storage);
    for (let i = 0; i < messages; i += 256) {
      const batch: Promise<string>[] = [];
      for (let j = i; j < Math.min(messages, i + 256); j++)
        batch.push(notifier.publish('invoice.paid', { ...EVENT_DATA, seq: j }));
      await Promise.all(batch);
    }
    await storage.close();
  });
  const deliver = await meter.measure(async () => {
    const storage = open(schema);
    const notifier = notifierOn(storage);
    let delivered = 0;
    const all = new Promise<void>((resolve) => {
      notifier.on('delivery.succeeded', () => {
        if (++delivered === deliveries) resolve();
      });
    });
    await notifier.start();
    await all;
    await notifier.stop();
    await storage.close();
  });
  const sizes = await meter.tableSizes(['messages', 'deliveries', 'attempts', 'endpoints']);
  const prune = await meter.measure(async () => {
    const storage = open(schema);
    const before = new Date(Date.now() + 3_600_000);
    while ((await storage.pruneDeliveries({ before, limit: 1000 })) > 0) {}
    await storage.close();
  });
  await meter.dropSchema();
  await meter.close();
  return { endpoints, messages, deliveries, publish, deliver, prune, sizes };
}

async function occurrenceCost(): Promise<OccurrenceCost> {
  const schema = newSchema();
  const storage = open(schema);
  await storage.migrate();
  const meter = await PgCostMeter.open(input.postgresUrl, input.postmasterPid, schema);
  const scheduler = new Scheduler({ storage, concurrency: 1000, runRetention: input.runRetention });
  let runs = 0;
  scheduler.handle('tick', () => {
    runs++;
  });
  for (let i = 0; i < input.jobs; i++)
    await scheduler.addJob({ id: `j${i}`, schedule: '* * * * * *', target: { handler: 'tick' } });
  await scheduler.start();
  await sleep(input.warmupMs);
  let occurrences = 0;
  let schedulerCpuMs = 0;
  // Statistics are reset at the window's start; the scheduler stops and its pool closes at its end.
  const cost = await meter.measure(async () => {
    const before = runs;
    const cpu = process.cpuUsage();
    await sleep(input.seconds * 1000);
    const used = process.cpuUsage(cpu);
    schedulerCpuMs = Math.round((used.user + used.system) / 1000);
    await scheduler.stop({ timeoutMs: 2000 });
    occurrences = runs - before;
    await storage.close();
  });
  const sizes = await meter.tableSizes(['jobs', 'runs']);
  await meter.close();
  return {
    jobs: input.jobs,
    runRetention: input.runRetention,
    occurrences,
    seconds: input.seconds,
    schedulerCpuMs,
    cost,
    sizes,
  };
}

const deliveries: DeliveryCost[] = [];
for (const endpoints of input.endpoints) deliveries.push(await deliveryCost(endpoints));
await report({ deliveries, occurrences: await occurrenceCost() } satisfies DbCostResult);
