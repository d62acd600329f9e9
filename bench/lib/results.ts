import type { AccuracyResult } from '../workers/accuracy.js';
import type { DashboardBenchResult } from '../workers/dashboard.js';
import type { DbCostResult } from '../workers/db-cost.js';
import type { ThroughputResult } from '../workers/http-throughput.js';
import type { LoadGeneratorResult } from '../workers/load-generator.js';
import type { PublishCostResult } from '../workers/publish-cost.js';
import type { RegistrationResult } from '../workers/registration.js';
import type { ScaleOutResult } from '../workers/scale-out.js';
import type { WebhookResult } from '../workers/webhook.js';
import type { ChildOutcome } from './child.js';
import type { Library } from './peers.js';
import type { TelemetryResults } from './telemetry-suite.js';

/** A measurement that was not taken, and why. */
export type Skipped = { status: 'skipped'; reason: string };
export type Outcome<T> = ChildOutcome<T> | Skipped;

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  platform: string;
  /** 1/5/15-minute load averages when the run started: other work on the machine skews the figures. */
  loadAverage: number[];
}

/** Everything one `npm run bench` measured; written to bench/results/latest.json. */
export interface BenchResults {
  profile: 'quick' | 'full';
  date: string;
  durationMs: number;
  node: string;
  machine: Machine;
  versions: Record<string, string>;
  /**
   * Set by `--only`: the suites this run measured; every other section keeps the figures of the run described
   * here (an earlier run of the same profile).
   */
  only?: { suites: string[]; othersFrom: { date: string; durationMs: number; loadAverage: number[] } };
  registration: Array<{ library: Library; n: number; outcome: Outcome<RegistrationResult> }>;
  accuracy: Array<{ library: Library; n: number; outcome: Outcome<AccuracyResult> }>;
  http: {
    concurrency: number;
    /** The best round of each (see `rounds` for all of them). */
    loop: Outcome<ThroughputResult>;
    cronhook: Outcome<ThroughputResult>;
    rounds?: Array<Outcome<ThroughputResult>>;
  };
  /**
   * Per endpoint count and mode ('autocannon', 'loop', 'memory', 'sqlite', 'postgres'): the best round
   * (`outcome`) and every round.
   */
  webhook: Array<{
    endpoints: number;
    mode: WebhookMode;
    outcome: Outcome<WebhookRow>;
    rounds?: Array<Outcome<WebhookRow>>;
  }>;
  /** Publish cost with 1 and 50 matching endpoints, per storage. */
  publish?: Array<{ storage: string; outcome: Outcome<PublishCostResult> }>;
  /** What a delivery and an occurrence cost the Postgres server. */
  dbCost?: Outcome<DbCostResult>;
  scaleOut: Array<{
    instances: number;
    jobs: number;
    seconds: number;
    /** One per instance (or the seeding step's failure). */
    outcomes: Array<Outcome<ScaleOutResult>>;
  }>;
  /** The telemetry suite; absent from runs made before it existed. */
  telemetry?: TelemetryResults;
  /** The dashboard's pages at scale, per storage (absent in results written before it existed). */
  dashboard?: Array<{ storage: 'sqlite' | 'postgres'; outcome: Outcome<DashboardBenchResult> }>;
}

export type WebhookMode = 'autocannon' | 'loop' | 'memory' | 'sqlite' | 'postgres';
/** A webhook throughput row: the notifier or the loop (with latency), or the load generator. */
export type WebhookRow = WebhookResult | LoadGeneratorResult;

/** The result of an outcome that succeeded, else undefined. */
export function ok<T>(outcome: Outcome<T> | undefined): T | undefined {
  return outcome?.status === 'ok' ? outcome.result : undefined;
}
