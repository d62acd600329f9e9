/**
 * The dashboard at scale, in a fresh process: a storage seeded with `jobs` jobs and `deliveries` deliveries
 * (bench/lib/dashboard-seed.ts), the dashboard served by node:http on loopback, and every page requested
 * `samples` times in alternating order after a warm-up. Reports each page's latency (request sent to body
 * read, over HTTP) and size, and the same for an empty node:http answer on the same loopback: the floor
 * under which no page can go.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler, type Storage, WebhookNotifier } from 'cronhook';
import { createDashboard } from 'cronhook/dashboard';
import { PostgresStorage } from 'cronhook/storage/postgres';
import { SqliteStorage } from 'cronhook/storage/sqlite';
import { report, workerInput } from '../lib/child.js';
import { insertTemplates, type SeedSizes, seedPostgres, seedSqlite } from '../lib/dashboard-seed.js';
import { type Distribution, distribution } from '../lib/stats.js';

export interface DashboardBenchInput extends SeedSizes {
  storage: 'sqlite' | 'postgres';
  postgresUrl?: string;
  samples: number;
  warmup: number;
}

export interface DashboardBenchResult {
  storage: DashboardBenchInput['storage'];
  jobs: number;
  deliveries: number;
  seedMs: number;
  /** An empty answer over the same loopback: what every page pays before its own work. */
  floor: Distribution;
  /**
   * `storage.stats()` called directly: the recount behind the overview, which the dashboard shares between
   * viewers and repeats at most every refresh interval (in the background once it has a first count).
   */
  stats: Distribution;
  pages: Array<{ page: string; path: string; bytes: number; latency: Distribution }>;
}

const input = workerInput<DashboardBenchInput>();
const now = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'cronhook-bench-dash-'));
let storage: Storage;
const seedStarted = performance.now();
if (input.storage === 'sqlite') {
  const path = join(dir, 'dash.db');
  const sqlite = new SqliteStorage({ path });
  await sqlite.migrate();
  await insertTemplates(sqlite, now, input);
  await sqlite.close();
  seedSqlite(path, now, input);
  storage = new SqliteStorage({ path });
} else {
  if (!input.postgresUrl) throw new Error('postgresUrl is required for postgres');
  const schema = `bench_dash_${process.pid}`;
  const postgres = new PostgresStorage({ connectionString: input.postgresUrl, schema });
  await postgres.migrate();
  await insertTemplates(postgres, now, input);
  await seedPostgres(input.postgresUrl, schema, now, input);
  storage = postgres;
}
const seedMs = Math.round(performance.now() - seedStarted);

// The dashboard as an app mounts it: scheduler and notifier on the storage (not started: pages only read).
const scheduler = new Scheduler({ storage });
const notifier = new WebhookNotifier({ scheduler, storage });
const dashboard = createDashboard({ scheduler, notifier, public: true, basePath: '/ops' });
const server = createServer((req, res) => {
  if (req.url === '/floor') res.end('');
  else dashboard.handler(req, res);
}).listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const job = `job-${String(Math.floor(input.jobs / 2)).padStart(6, '0')}`;
const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
const DAY = 86_400_000;
/** A day's window ten days back, as the form sends it (UTC minutes). */
const window = `since=${new Date(now - 10 * DAY).toISOString().slice(0, 16)}&until=${new Date(now - 9 * DAY).toISOString().slice(0, 16)}`;
const PAGES: Array<[string, string]> = [
  ['overview', '/ops/'],
  ['jobs', '/ops/jobs'],
  ['jobs, deep page', `/ops/jobs?cursor=${cursor([job])}`],
  ['jobs, paused', '/ops/jobs?status=paused'],
  ['jobs, failing', '/ops/jobs?status=failing'],
  ['jobs, failing, deep page', `/ops/jobs?status=failing&cursor=${cursor([job])}`],
  ['jobs, id search', `/ops/jobs?q=${job.slice(0, -2)}`],
  ['job', `/ops/jobs/${job}`],
  ['endpoints', '/ops/endpoints'],
  ['endpoint', '/ops/endpoints/ep-007'],
  ['deliveries', '/ops/deliveries'],
  ['deliveries, failed', '/ops/deliveries?status=failed'],
  ['deliveries, by job', `/ops/deliveries?job=${job}`],
  ['deliveries, endpoint + failed', '/ops/deliveries?endpoint=ep-007&status=failed'],
  ['deliveries, deep page', `/ops/deliveries?cursor=${cursor([now - 20 * DAY, 'dlv-zzz'])}`],
  ['deliveries, time window', `/ops/deliveries?${window}`],
  ['deliveries, failed in a window', `/ops/deliveries?status=failed&${window}`],
  // Each delivery's job read for its timezone (the messages' jobs are remembered after the first view).
  ['deliveries, in jobs’ zones', '/ops/deliveries?tz=job'],
  ['delivery', '/ops/deliveries/dlv-0012345'],
];

async function timed(path: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(`${origin}${path}`);
  const body = await res.arrayBuffer();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return { ms, bytes: body.byteLength };
}

for (let i = 0; i < input.warmup; i++) {
  await timed('/floor');
  for (const [, path] of PAGES) await timed(path);
}
const floor: number[] = [];
const samples = new Map<string, { ms: number[]; bytes: number }>(
  PAGES.map(([name]) => [name, { ms: [], bytes: 0 }]),
);
for (let round = 0; round < input.samples; round++) {
  floor.push((await timed('/floor')).ms);
  // Alternate the order each round, so no page always follows the same one.
  const order = round % 2 === 0 ? PAGES : [...PAGES].reverse();
  for (const [name, path] of order) {
    const { ms, bytes } = await timed(path);
    const entry = samples.get(name)!;
    entry.ms.push(ms);
    entry.bytes = bytes;
  }
}
const stats: number[] = [];
for (let i = 0; i < Math.max(3, Math.ceil(input.samples / 4)); i++) {
  const started = performance.now();
  await storage.stats!({ now: new Date() });
  stats.push(performance.now() - started);
}
server.close();
await storage.close?.();
rmSync(dir, { recursive: true, force: true });

const result: DashboardBenchResult = {
  storage: input.storage,
  jobs: input.jobs,
  deliveries: input.deliveries,
  seedMs,
  floor: distribution(floor),
  stats: distribution(stats),
  pages: PAGES.map(([page, path]) => ({
    page,
    path,
    bytes: samples.get(page)!.bytes,
    latency: distribution(samples.get(page)!.ms),
  })),
};
await report(result);
