/**
 * `npm run bench [-- --quick] [-- --only=registration,accuracy,http,webhook,publish,scale-out,telemetry,db-cost,dashboard]`:
 * builds the package (`npm run build`: the workers measure the built dist/, as users get it), runs every library
 * in its own fresh process, one after the other, and writes bench/results/latest.json and docs/benchmarks.md.
 * `npm run bench -- --render` only re-renders docs/benchmarks.md from bench/results/latest.json, without a build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BenchProfile, FULL, QUICK } from './config.js';
import { startBenchPostgres } from './lib/postgres.js';
import { startReceiver } from './lib/receiver.js';
import type { BenchResults } from './lib/results.js';
import { runTelemetrySuite } from './lib/telemetry-suite.js';
import { renderReport } from './report/index.js';
import { accuracySuite } from './suites/accuracy.js';
import { notRun, type SuiteContext } from './suites/context.js';
import { dashboardSuite } from './suites/dashboard.js';
import { dbCostSuite } from './suites/db-cost.js';
import { httpSuite } from './suites/http.js';
import { publishSuite } from './suites/publish.js';
import { registrationSuite } from './suites/registration.js';
import { scaleOutSuite } from './suites/scale-out.js';
import { webhookSuite } from './suites/webhook.js';

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

// --render: rewrite docs/benchmarks.md from bench/results/latest.json (after editing bench/report/). Nothing
// is measured, so nothing is built: nothing this file imports loads dist/ (only the workers do).
if (args.includes('--render')) {
  const latest = fileURLToPath(new URL('results/latest.json', import.meta.url));
  writeFileSync(docsFile, render(JSON.parse(readFileSync(latest, 'utf8')) as BenchResults));
  process.exit(0);
}

// The workers import `cronhook` as an app does, through the package's exports to dist/: build it from this
// checkout first (tsup cleans dist/, so nothing else should import it during these seconds).
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`[bench] npm run build failed (${build.status ?? build.signal}): nothing measured\n`);
  process.exit(1);
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

// With --only, the other suites keep the figures of the previous run of the same profile.
const latestFile = `${root}bench/results/latest.json`;
if (only !== undefined && existsSync(latestFile)) {
  const previous = JSON.parse(readFileSync(latestFile, 'utf8')) as BenchResults;
  if (previous.profile === profile.name) {
    results.only = {
      suites: only,
      othersFrom: previous.only?.othersFrom ?? {
        date: previous.date,
        durationMs: previous.durationMs,
        loadAverage: previous.machine.loadAverage,
      },
    };
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

const context: SuiteContext = { profile, results, log, postgres: null };
if (enabled('registration')) await registrationSuite(context);
if (enabled('accuracy')) await accuracySuite(context);

// 4 + 5 + 6 + 9. HTTP against one local receiver process; Postgres for webhooks, publish, scale-out and dashboard.
if (enabled('webhook') || enabled('publish') || enabled('scale-out') || enabled('dashboard')) {
  context.postgres = await startBenchPostgres().catch((error: unknown) => {
    log(`Postgres not started: ${String(error)}`);
    return null;
  });
}
if (enabled('http') || enabled('webhook')) {
  const receiver = await startReceiver();
  try {
    if (enabled('http')) await httpSuite(context, receiver.url);
    if (enabled('webhook')) await webhookSuite(context, receiver.url);
  } finally {
    await receiver.stop();
  }
}
if (enabled('publish')) await publishSuite(context);
if (enabled('scale-out')) await scaleOutSuite(context);
if (enabled('dashboard')) await dashboardSuite(context);
await context.postgres?.stop();

// 7. Telemetry: absent, API only and SDK, against its own receiver process.
if (enabled('telemetry')) {
  const receiver = await startReceiver();
  try {
    results.telemetry = await runTelemetrySuite(profile.telemetry, receiver.url, log);
  } finally {
    await receiver.stop();
  }
}

if (enabled('db-cost')) await dbCostSuite(context);

results.durationMs = Math.round(performance.now() - started);
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(latestFile, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(docsFile, render(results));
log(`done in ${(results.durationMs / 1000).toFixed(1)} s: bench/results/latest.json, docs/benchmarks.md`);
