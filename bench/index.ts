/**
 * `npm run bench [-- --quick] [-- --only=registration,accuracy,http,webhook,publish,scale-out,telemetry,db-cost,dashboard]
 * [-- --render]`: runs
 * every library in its own fresh process, one after the other, and writes bench/results/latest.json and
 * docs/benchmarks.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchProfile, FULL, QUICK } from './config.js';
import { runWorker } from './lib/child.js';
import { minuteAfter } from './lib/patterns.js';
import { LIBRARIES } from './lib/peers.js';
import { type BenchPostgres, startBenchPostgres } from './lib/postgres.js';
import { startReceiver } from './lib/receiver.js';
import type { BenchResults, Outcome, WebhookMode, WebhookRow } from './lib/results.js';
import type { StorageKind } from './lib/storages.js';
import { runTelemetrySuite } from './lib/telemetry-suite.js';
import { renderReport } from './report/index.js';
import type { AccuracyInput, AccuracyResult } from './workers/accuracy.js';
import type { DashboardBenchInput, DashboardBenchResult } from './workers/dashboard.js';
import type { DbCostInput, DbCostResult } from './workers/db-cost.js';
import type { ThroughputInput, ThroughputResult } from './workers/http-throughput.js';
import type { LoadGeneratorInput } from './workers/load-generator.js';
import type { PublishCostInput, PublishCostResult } from './workers/publish-cost.js';
import type { RegistrationInput, RegistrationResult } from './workers/registration.js';
import type { ScaleOutInput, ScaleOutResult } from './workers/scale-out.js';
import type { WebhookInput } from './workers/webhook.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const profile: BenchProfile = args.includes('--quick') ? QUICK : FULL;
const docsFile = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const fullFile = fileURLToPath(new URL('results/full.json', import.meta.url));

/** A quick run's report points to the raw figures of the last full run, kept in bench/results/full.json. */
function render(saved: BenchResults): string {
  if (saved.profile !== 'quick' || !existsSync(fullFile)) return renderReport(saved);
  const full = JSON.parse(readFileSync(fullFile, 'utf8')) as BenchResults;
  return renderReport(saved, { file: 'bench/results/full.json', date: full.date });
}

// --render: rewrite docs/benchmarks.md from bench/results/latest.json (after editing bench/report/).
if (args.includes('--render')) {
  const latest = fileURLToPath(new URL('results/latest.json', import.meta.url));
  writeFileSync(docsFile, render(JSON.parse(readFileSync(latest, 'utf8')) as BenchResults));
  process.exit(0);
}
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const enabled = (suite: string) => only === undefined || only.includes(suite);

function log(message: string): void {
  const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench ${profile.name} ${elapsed} s] ${message}\n`);
}

function describe<T>(outcome: Outcome<T>, summary: (r: T) => string): string {
  return outcome.status === 'ok' ? summary(outcome.result) : outcome.status;
}

function version(name: string): string {
  const file = `${root}node_modules/${name}/package.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '?';
}

const started = performance.now();
const cpus = os.cpus();
const results: BenchResults = {
  profile: profile.name,
  date: new Date().toISOString(),
  durationMs: 0,
  node: process.version,
  machine: {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  },
  versions: {
    cronhook: (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version,
    'node-cron': version('node-cron'),
    croner: version('croner'),
    'toad-scheduler': version('toad-scheduler'),
    undici: version('undici'),
  },
  registration: [],
  accuracy: [],
  http: { concurrency: profile.http.concurrency, loop: notRun(), cronhook: notRun() },
  webhook: [],
  publish: [],
  scaleOut: [],
};

function notRun() {
  return { status: 'skipped' as const, reason: 'not run (--only)' };
}

// With --only, the other suites keep the figures of the previous run of the same profile.
const latestFile = `${root}bench/results/latest.json`;
if (only !== undefined && existsSync(latestFile)) {
  const previous = JSON.parse(readFileSync(latestFile, 'utf8')) as BenchResults;
  if (previous.profile === profile.name) {
    if (!enabled('registration')) results.registration = previous.registration;
    if (!enabled('accuracy')) results.accuracy = previous.accuracy;
    if (!enabled('http')) results.http = previous.http;
    if (!enabled('webhook')) results.webhook = previous.webhook;
    if (!enabled('publish')) results.publish = previous.publish ?? [];
    if (!enabled('scale-out')) results.scaleOut = previous.scaleOut ?? [];
    if (!enabled('telemetry') && previous.telemetry !== undefined) results.telemetry = previous.telemetry;
    if (!enabled('db-cost') && previous.dbCost) results.dbCost = previous.dbCost;
    if (!enabled('dashboard')) results.dashboard = previous.dashboard ?? [];
  }
}

// 1 + 2. Registration, and idle cost on each library's largest size.
if (enabled('registration')) {
  // Patterns start 10 minutes from now, so no job is due while idle (the run takes far less).
  const startMinute = minuteAfter(10);
  for (const library of LIBRARIES) {
    const sizes = profile.registration.sizes[library];
    for (const n of sizes) {
      const input: RegistrationInput = { library, n, startMinute };
      if (n === sizes[sizes.length - 1]) input.idleMs = profile.registration.idleMs;
      const outcome = await runWorker<RegistrationResult>('registration', input, {
        timeoutMs: profile.registration.timeoutMs,
      });
      results.registration.push({ library, n, outcome });
      log(
        `registration ${library} ${n}: ${describe(outcome, (r) => `${r.usPerJob} µs/job, ${r.heapBytesPerJob} B/job, ${r.timers} timers${r.idle ? `, idle ${r.idle.corePct}% core` : ''}`)}`,
      );
    }
    // A library that could not hold its largest size (out of memory) is idle-measured at the largest it held.
    const held = results.registration.filter((r) => r.library === library && r.outcome.status === 'ok');
    const largest = held[held.length - 1];
    if (largest && largest.n !== sizes[sizes.length - 1]) {
      const input: RegistrationInput = {
        library,
        n: largest.n,
        startMinute,
        idleMs: profile.registration.idleMs,
      };
      const outcome = await runWorker<RegistrationResult>('registration', input, {
        timeoutMs: profile.registration.timeoutMs,
      });
      if (outcome.status === 'ok') largest.outcome = outcome;
      log(`idle ${library} ${largest.n}: ${describe(outcome, (r) => `${r.idle?.corePct}% core`)}`);
    }
  }
}

// 3. Firing accuracy.
if (enabled('accuracy')) {
  for (const n of profile.accuracy.sizes) {
    for (const library of profile.accuracy.libraries) {
      if (library !== 'cronhook' && profile.accuracy.cronhookOnly.includes(n)) continue;
      const input: AccuracyInput = {
        library,
        n,
        seconds: profile.accuracy.seconds,
        graceMs: profile.accuracy.graceMs,
      };
      const outcome = await runWorker<AccuracyResult>('accuracy', input, {
        timeoutMs: profile.accuracy.timeoutMs,
      });
      results.accuracy.push({ library, n, outcome });
      log(
        `accuracy ${library} ${n}: ${describe(outcome, (r) => `p50 ${r.lateness.p50} p99 ${r.lateness.p99} max ${r.lateness.max} ms, missed ${r.missed}`)}`,
      );
    }
  }
}

// 4 + 5 + 6. HTTP against one local receiver process; Postgres for webhooks and scale-out.
let postgres: BenchPostgres | null = null;
if (enabled('webhook') || enabled('publish') || enabled('scale-out') || enabled('dashboard')) {
  postgres = await startBenchPostgres().catch((error: unknown) => {
    log(`Postgres not started: ${String(error)}`);
    return null;
  });
}
if (enabled('http') || enabled('webhook')) {
  const receiver = await startReceiver();
  try {
    if (enabled('http')) {
      const { rounds, ...http } = profile.http;
      results.http.rounds = [];
      for (let round = 0; round < rounds; round++) {
        for (const mode of ['undici-loop', 'cronhook'] as const) {
          const input: ThroughputInput = { mode, url: receiver.url, ...http };
          const outcome = await runWorker<ThroughputResult>('http-throughput', input, { timeoutMs: 120_000 });
          results.http.rounds.push(outcome);
          const key = mode === 'cronhook' ? 'cronhook' : 'loop';
          const best = results.http[key];
          if (
            outcome.status === 'ok' &&
            (best.status !== 'ok' || best.result.runsPerSec < outcome.result.runsPerSec)
          )
            results.http[key] = outcome;
          else if (best.status === 'skipped') results.http[key] = outcome;
          log(`http ${mode} round ${round + 1}: ${describe(outcome, (r) => `${r.runsPerSec} runs/s`)}`);
        }
      }
    }
    if (enabled('webhook')) await webhookSuite(receiver.url);
  } finally {
    await receiver.stop();
  }
}

const NO_POSTGRES = 'PostgreSQL is not installed (/usr/lib/postgresql/<n>/bin)';

/**
 * 5. Webhooks: per endpoint count, alternating rounds of the loop, the notifier on each storage and the load
 * generator; each mode keeps its best round (load from elsewhere only ever slows a round down).
 */
async function webhookSuite(url: string): Promise<void> {
  const w = profile.webhook;
  const modes: WebhookMode[] = ['loop', 'memory', 'sqlite', 'postgres', 'autocannon'];
  for (const endpoints of w.endpoints) {
    const rows = new Map(
      modes.map((mode) => [
        mode,
        {
          endpoints,
          mode,
          outcome: notRun() as Outcome<WebhookRow>,
          rounds: [] as Array<Outcome<WebhookRow>>,
        },
      ]),
    );
    for (let round = 0; round < w.rounds; round++) {
      for (const mode of modes) {
        const row = rows.get(mode)!;
        const outcome = await webhookRound(url, mode, endpoints);
        row.rounds.push(outcome);
        const best = row.outcome;
        if (
          outcome.status === 'ok'
            ? best.status !== 'ok' || best.result.deliveriesPerSec < outcome.result.deliveriesPerSec
            : best.status === 'skipped'
        )
          row.outcome = outcome;
        log(
          `webhook ${mode} ×${endpoints} round ${round + 1}: ${describe(outcome, (r) => `${r.deliveriesPerSec} deliveries/s, ${r.cpuUsPerDelivery} CPU µs each${'exhausted' in r && r.exhausted ? ' (backlog ran out)' : ''}`)}`,
        );
      }
    }
    results.webhook.push(...rows.values());
  }
}

function webhookRound(url: string, mode: WebhookMode, endpoints: number): Promise<Outcome<WebhookRow>> {
  const w = profile.webhook;
  const timeoutMs = w.timeoutMs;
  if (mode === 'autocannon') {
    const input: LoadGeneratorInput = {
      url,
      endpoints,
      concurrency: w.concurrency,
      warmupMs: w.warmupMs,
      durationMs: w.durationMs,
    };
    return runWorker('load-generator', input, { timeoutMs });
  }
  if (mode === 'postgres' && postgres === null)
    return Promise.resolve({ status: 'skipped', reason: NO_POSTGRES });
  const seconds = (w.warmupMs + w.durationMs + 1000) / 1000;
  const backlog = mode === 'loop' ? 0 : Math.ceil((w.backlogRate[mode] * seconds) / endpoints);
  const input: WebhookInput = {
    mode,
    url,
    endpoints,
    concurrency: w.concurrency,
    warmupMs: w.warmupMs,
    durationMs: w.durationMs,
    backlog,
    latencyMessages: w.latencyMessages,
    latencyGapMs: w.latencyGapMs,
    ...(postgres ? { postgresUrl: postgres.url } : {}),
  };
  return runWorker('webhook', input, { timeoutMs });
}

// 5b. What publishing one message costs with 1 and 50 matching endpoints.
if (enabled('publish')) {
  for (const storage of ['memory', 'sqlite', 'postgres'] as StorageKind[]) {
    if (storage === 'postgres' && postgres === null) {
      results.publish!.push({ storage, outcome: { status: 'skipped', reason: NO_POSTGRES } });
      continue;
    }
    const { timeoutMs, ...publish } = profile.publish;
    const input: PublishCostInput = {
      storage,
      ...publish,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
    };
    const outcome = await runWorker<PublishCostResult>('publish-cost', input, { timeoutMs });
    results.publish!.push({ storage, outcome });
    log(
      `publish ${storage}: ${describe(outcome, (r) => r.costs.map((c) => `${c.endpoints} endpoints ${c.usPerPublish} µs`).join(', '))}`,
    );
  }
}

if (enabled('scale-out')) {
  const { instances, jobs, warmupMs, seconds, concurrency } = profile.scaleOut;
  for (const count of instances) {
    if (postgres === null) {
      results.scaleOut.push({
        instances: count,
        jobs,
        seconds,
        outcomes: [{ status: 'skipped', reason: NO_POSTGRES }],
      });
      continue;
    }
    const base: ScaleOutInput = {
      role: 'seed',
      postgresUrl: postgres.url,
      schema: `bench_scale_${count}_${Date.now()}`,
      jobs,
      windowStart: 0,
      windowEnd: 0,
      concurrency,
    };
    const seeded = await runWorker<ScaleOutResult>('scale-out', base, { timeoutMs: 120_000 });
    if (seeded.status !== 'ok') {
      results.scaleOut.push({ instances: count, jobs, seconds, outcomes: [seeded] });
      log(`scale-out ×${count}: seeding ${seeded.status}`);
      continue;
    }
    const windowStart = Date.now() + warmupMs;
    const input: ScaleOutInput = {
      ...base,
      role: 'run',
      windowStart,
      windowEnd: windowStart + seconds * 1000,
    };
    const outcomes = await Promise.all(
      Array.from({ length: count }, () =>
        runWorker<ScaleOutResult>('scale-out', input, { timeoutMs: warmupMs + seconds * 1000 + 30_000 }),
      ),
    );
    results.scaleOut.push({ instances: count, jobs, seconds, outcomes });
    const total = outcomes.reduce((sum, o) => sum + (o.status === 'ok' ? o.result.runs : 0), 0);
    log(
      `scale-out ×${count}: ${Math.round(total / seconds)} runs/s (${outcomes.map((o) => o.status).join(', ')})`,
    );
  }
}
// 9. The dashboard's pages at 100k jobs and 1M deliveries, on SQLite and Postgres.
if (enabled('dashboard')) {
  results.dashboard = [];
  for (const storage of ['sqlite', 'postgres'] as const) {
    if (storage === 'postgres' && postgres === null) {
      const reason = 'PostgreSQL is not installed (/usr/lib/postgresql/<n>/bin)';
      results.dashboard.push({ storage, outcome: { status: 'skipped', reason } });
      continue;
    }
    const { timeoutMs, ...sizes } = profile.dashboard;
    const input: DashboardBenchInput = {
      storage,
      ...sizes,
      endpoints: 50,
      runsPerJob: 3,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
    };
    const outcome = await runWorker<DashboardBenchResult>('dashboard', input, { timeoutMs });
    results.dashboard.push({ storage, outcome });
    log(
      `dashboard ${storage}: ${describe(outcome, (r) => `slowest p99 ${Math.max(...r.pages.map((p) => p.latency.p99))} ms, seeded in ${r.seedMs} ms`)}`,
    );
  }
}
await postgres?.stop();

// 7. Telemetry: absent, API only and SDK, against its own receiver process.
if (enabled('telemetry')) {
  const receiver = await startReceiver();
  try {
    results.telemetry = await runTelemetrySuite(profile.telemetry, receiver.url, log);
  } finally {
    await receiver.stop();
  }
}

// 8. Database cost, on a server of its own with pg_stat_statements loaded (not in the timed suites' server).
if (enabled('db-cost')) {
  const server = await startBenchPostgres({ statements: true }).catch((error: unknown) => {
    log(`Postgres not started: ${String(error)}`);
    return null;
  });
  if (server === null) results.dbCost = { status: 'skipped', reason: NO_POSTGRES };
  else {
    const { timeoutMs, ...cost } = profile.dbCost;
    const input: DbCostInput = { postgresUrl: server.url, postmasterPid: server.pid, ...cost };
    try {
      results.dbCost = await runWorker<DbCostResult>('db-cost', input, { timeoutMs });
    } finally {
      await server.stop();
    }
    log(
      `db-cost: ${describe(results.dbCost, (r) => r.deliveries.map((d) => `${d.endpoints} endpoints ${Math.round(d.deliver.walBytes / d.deliveries)} WAL B/delivery`).join(', '))}`,
    );
  }
}

results.durationMs = Math.round(performance.now() - started);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(latestFile, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(docsFile, render(results));
log(`done in ${(results.durationMs / 1000).toFixed(1)} s: bench/results/latest.json, docs/benchmarks.md`);
