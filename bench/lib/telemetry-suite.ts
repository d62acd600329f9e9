/**
 * The telemetry suite (`--only=telemetry`): HTTP jobs and webhooks with telemetry absent, on without an SDK,
 * and on with the SDK, in alternating rounds (absent, api, sdk, absent, ...), each its own fresh process; the
 * best round of each counts, as for the other throughput suites (load elsewhere on the machine only slows).
 */
import { fileURLToPath } from 'node:url';
import type { TelemetryBenchInput, TelemetryBenchResult, TelemetryMode } from '../workers/telemetry.js';
import { type ChildOutcome, runWorker } from './child.js';
import type { Outcome } from './results.js';

/** Makes every @opentelemetry/* package unresolvable in the `absent` rounds (shared with the tests). */
const WITHOUT_OTEL = fileURLToPath(new URL('../../test/fixtures/without-otel-hook.mjs', import.meta.url));

export const TELEMETRY_MODES: TelemetryMode[] = ['absent', 'api', 'sdk'];
export const TELEMETRY_WORKLOADS: Array<TelemetryBenchInput['workload']> = ['http', 'webhook'];

export interface TelemetryProfile {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  rounds: number;
}

/** Results of the suite: the best round of each workload and mode, and every round. */
export interface TelemetryResults {
  concurrency: number;
  best: Array<{ workload: string; mode: TelemetryMode; outcome: Outcome<TelemetryBenchResult> }>;
  rounds: Array<ChildOutcome<TelemetryBenchResult>>;
}

export async function runTelemetrySuite(
  profile: TelemetryProfile,
  url: string,
  log: (message: string) => void,
): Promise<TelemetryResults> {
  const results: TelemetryResults = { concurrency: profile.concurrency, best: [], rounds: [] };
  const best = new Map<string, ChildOutcome<TelemetryBenchResult>>();
  for (let round = 0; round < profile.rounds; round++) {
    for (const workload of TELEMETRY_WORKLOADS) {
      for (const mode of TELEMETRY_MODES) {
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
        const text = outcome.status === 'ok' ? `${outcome.result.opsPerSec}/s` : outcome.status;
        log(`telemetry ${workload} ${mode} round ${round + 1}: ${text}`);
      }
    }
  }
  for (const workload of TELEMETRY_WORKLOADS) {
    for (const mode of TELEMETRY_MODES) {
      const outcome = best.get(`${workload}/${mode}`);
      if (outcome !== undefined) results.best.push({ workload, mode, outcome });
    }
  }
  return results;
}

/** Throughput of `mode` against `absent` for a workload, from the best rounds; null when one is missing. */
export function telemetryRatio(
  results: TelemetryResults,
  workload: string,
  mode: TelemetryMode,
): number | null {
  const rate = (m: TelemetryMode) => {
    const outcome = results.best.find((b) => b.workload === workload && b.mode === m)?.outcome;
    return outcome?.status === 'ok' ? outcome.result.opsPerSec : null;
  };
  const base = rate('absent');
  const value = rate(mode);
  return base === null || value === null || base === 0 ? null : value / base;
}
