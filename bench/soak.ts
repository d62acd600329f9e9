/**
 * `npm run soak [-- --jobs=5000 --seconds=120 --storage=memory|sqlite|postgres --retention-ms=N --out=bench/results/soak.json]`: the
 * bounded soak test of issue 8. Not part of `npm test` (test/soak/soak-short.test.ts is its short version).
 * Prints one line per sample and a JSON report; see docs/reliability.md for the figures and what they prove.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { settledHeapMB } from './soak/heap.js';
import { runSoak, type SoakOptions } from './soak/run-soak.js';

const args = new Map(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [key, value = 'true'] = a.slice(2).split('=');
      return [key!, value] as const;
    }),
);
const num = (key: string, fallback: number) => Number(args.get(key) ?? fallback);
function storageKind(value: string | undefined): SoakOptions['storage'] {
  if (value === undefined || value === 'memory' || value === 'sqlite' || value === 'postgres') {
    return value ?? 'memory';
  }
  throw new Error(`--storage must be memory, sqlite or postgres; got ${value}`);
}

if (!globalThis.gc)
  process.stderr.write('note: run with --expose-gc (npm run soak does) to sample heap after GC\n');
const report = await runSoak({
  jobs: num('jobs', 5000),
  durationMs: num('seconds', 120) * 1000,
  receivers: num('receivers', 8),
  storage: storageKind(args.get('storage')),
  ...(args.has('retention-ms') ? { deliveryRetentionMs: num('retention-ms', 0) } : {}),
  attemptTimeoutMs: num('attempt-timeout-ms', 500),
  stopTimeoutMs: num('stop-timeout-ms', 5000),
  sampleEveryMs: num('sample-ms', 10_000),
  watchdogMs: num('watchdog-ms', 30_000),
  schedulerConcurrency: num('scheduler-concurrency', 200),
  notifierConcurrency: num('notifier-concurrency', 400),
  ...(args.has('per-endpoint-concurrency')
    ? { perEndpointConcurrency: num('per-endpoint-concurrency', 50) }
    : {}),
  log: (line) => process.stderr.write(`[soak] ${line}\n`),
});
// Everything runSoak created is unreachable now: what remains above the baseline would be a leak outside the
// scheduler, notifier and storage objects (global registries, timers, sockets, listeners).
await new Promise((resolve) => setTimeout(resolve, 500));
const afterTeardownHeapMB = settledHeapMB();
process.stderr.write(
  `[soak] heap after teardown ${afterTeardownHeapMB?.toFixed(1)} MB (baseline ${report.baselineHeapMB?.toFixed(1)} MB)\n`,
);
const text = JSON.stringify({ ...report, afterTeardownHeapMB }, null, 2);
process.stdout.write(`${text}\n`);
const out = args.get('out');
if (out !== undefined) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${text}\n`);
}
const lost = report.lost.runsWithoutDelivery + report.lost.vanished + report.lost.succeededNeverReceived;
const stopOk =
  report.stop.schedulerMs <= report.stop.timeoutMs + 1000 &&
  report.stop.notifierMs <= report.stop.timeoutMs + 1000;
process.exitCode = lost === 0 && stopOk ? 0 : 1;
