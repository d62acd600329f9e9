/**
 * The telemetry suite (`--only=telemetry`): HTTP jobs and webhooks with telemetry absent, on without an SDK,
 * on with the SDK, on with the SDK keeping one trace in ten, and on with the SDK's metrics only, in alternating
 * rounds (absent, api, sdk, sdk-sampled, sdk-metrics, absent, ...), each its own fresh process; the
 * best round of each counts, as for the other throughput suites (load elsewhere on the machine only slows),
 * and so does the lowest CPU time per operation. In the same rounds the reference: section 4's plain undici
 * loop without an SDK and with the SDK and the official undici instrumentation (absent, sdk-undici). Then what
 * the SDK costs per span and measurement, and what
 * cronhook's hooks cost per run and message, without I/O (bench/workers/telemetry-unit-cost.ts).
 */
import { fileURLToPath } from 'node:url';
import type { TelemetryBenchInput, TelemetryBenchResult, TelemetryMode } from '../workers/telemetry.js';
import type { TelemetryUnitCostInput, TelemetryUnitCostResult } from '../workers/telemetry-unit-cost.js';
import { type ChildOutcome, runWorker } from './child.js';
import type { Outcome } from './results.js';

/** Makes every @opentelemetry/* package unresolvable in the `absent` rounds (shared with the tests). */
const WITHOUT_OTEL = fileURLToPath(new URL('../../test/fixtures/without-otel-hook.mjs', import.meta.url));

const TELEMETRY_MODES: TelemetryMode[] = ['absent', 'api', 'sdk', 'sdk-sampled', 'sdk-metrics'];
/** The workloads and the modes each runs in (the reference loop: without and with the undici instrumentation). */
export const TELEMETRY_RUNS: Array<[TelemetryBenchInput['workload'], TelemetryMode[]]> = [
  ['http', TELEMETRY_MODES],
  ['webhook', TELEMETRY_MODES],
  ['undici', ['absent', 'sdk-undici']],
];

/**
 * Unit-cost items (bench/workers/telemetry-unit-cost.ts) the report subtracts: cronhook's hooks for one HTTP run
 * and one webhook message, and the same spans, contexts and measurements made straight through the API.
 */
export const SDK_ALONE_RUN = 'the same for one HTTP run, straight through the API (the SDK alone)';
export const SDK_ALONE_MESSAGE = 'the same for one webhook message, straight through the API (the SDK alone)';
export const HOOKS_RUN = 'cronhook hooks: one HTTP run (3 spans, 2 contexts, 2 measurements, 1 count)';
export const HOOKS_MESSAGE =
  'cronhook hooks: one webhook message (3 spans, 1 context, 1 measurement, 1 count)';

export interface TelemetryProfile {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  rounds: number;
  /** Repetitions of each unit cost (10,000 items each). */
  unitCostReps: number;
}

/** Results of the suite: the best round of each workload and mode, and every round. */
export interface TelemetryResults {
  concurrency: number;
  best: Array<{
    workload: string;
    mode: TelemetryMode;
    /** The round with the most operations per second. */
    outcome: Outcome<TelemetryBenchResult>;
    /** The lowest CPU time per operation of all its rounds (µs). */
    minCpuUsPerOp?: number;
  }>;
  rounds: Array<ChildOutcome<TelemetryBenchResult>>;
  /** Rounds of each workload and mode. */
  roundsEach?: number;
  unitCosts?: Outcome<TelemetryUnitCostResult>;
}

export async function runTelemetrySuite(
  profile: TelemetryProfile,
  url: string,
  log: (message: string) => void,
): Promise<TelemetryResults> {
  const results: TelemetryResults = {
    concurrency: profile.concurrency,
    best: [],
    rounds: [],
    roundsEach: profile.rounds,
  };
  const best = new Map<string, ChildOutcome<TelemetryBenchResult>>();
  const minCpu = new Map<string, number>();
  for (let round = 0; round < profile.rounds; round++) {
    for (const [workload, modes] of TELEMETRY_RUNS) {
      for (const mode of modes) {
        const input: TelemetryBenchInput = {
          workload,
          mode,
          url,
          concurrency: profile.concurrency,
          warmupMs: profile.warmupMs,
          durationMs: profile.durationMs,
        };
        const outcome = await runWorker<TelemetryBenchResult>('telemetry', input, {
          timeoutMs: profile.warmupMs + profile.durationMs + 60_000,
          ...(mode === 'absent' ? { nodeFlags: ['--import', WITHOUT_OTEL] } : {}),
        });
        results.rounds.push(outcome);
        const key = `${workload}/${mode}`;
        const previous = best.get(key);
        if (
          previous === undefined ||
          previous.status !== 'ok' ||
          (outcome.status === 'ok' && outcome.result.opsPerSec > previous.result.opsPerSec)
        ) {
          best.set(key, outcome);
        }
        if (outcome.status === 'ok') {
          minCpu.set(key, Math.min(minCpu.get(key) ?? Number.POSITIVE_INFINITY, outcome.result.cpuUsPerOp));
        }
        const text =
          outcome.status === 'ok'
            ? `${outcome.result.opsPerSec}/s, ${outcome.result.cpuUsPerOp} CPU µs/op`
            : outcome.status;
        log(`telemetry ${workload} ${mode} round ${round + 1}: ${text}`);
      }
    }
  }
  for (const [workload, modes] of TELEMETRY_RUNS) {
    for (const mode of modes) {
      const key = `${workload}/${mode}`;
      const outcome = best.get(key);
      if (outcome === undefined) continue;
      const cpu = minCpu.get(key);
      results.best.push({ workload, mode, outcome, ...(cpu === undefined ? {} : { minCpuUsPerOp: cpu }) });
    }
  }
  const unitInput: TelemetryUnitCostInput = { reps: profile.unitCostReps };
  results.unitCosts = await runWorker<TelemetryUnitCostResult>('telemetry-unit-cost', unitInput, {
    timeoutMs: 300_000,
  });
  log(`telemetry unit costs: ${results.unitCosts.status}`);
  return results;
}

function bestOf(results: TelemetryResults, workload: string, mode: TelemetryMode) {
  return results.best.find((b) => b.workload === workload && b.mode === mode);
}

/** Throughput of `mode` against `absent` for a workload, from the best rounds; null when one is missing. */
export function telemetryRatio(
  results: TelemetryResults,
  workload: string,
  mode: TelemetryMode,
): number | null {
  const rate = (m: TelemetryMode) => {
    const outcome = bestOf(results, workload, m)?.outcome;
    return outcome?.status === 'ok' ? outcome.result.opsPerSec : null;
  };
  const base = rate('absent');
  const value = rate(mode);
  return base === null || value === null || base === 0 ? null : value / base;
}

/** The lowest CPU time per operation of `mode` (µs); null when not measured. */
export function telemetryCpu(
  results: TelemetryResults,
  workload: string,
  mode: TelemetryMode,
): number | null {
  const entry = bestOf(results, workload, mode);
  if (entry === undefined) return null;
  if (entry.minCpuUsPerOp !== undefined) return entry.minCpuUsPerOp;
  return entry.outcome.status === 'ok' ? entry.outcome.result.cpuUsPerOp : null;
}

/**
 * What the throughput ratio would be if the process were CPU-bound: CPU per operation absent over CPU per
 * operation in `mode` (lowest of the rounds each); null when one is missing.
 */
export function telemetryCpuRatio(
  results: TelemetryResults,
  workload: string,
  mode: TelemetryMode,
): number | null {
  const base = telemetryCpu(results, workload, 'absent');
  const value = telemetryCpu(results, workload, mode);
  return base === null || value === null || value === 0 ? null : base / value;
}
