import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { CronhookError, describeValue } from '../errors.js';
import { appLogger } from '../logger.js';
import { isValidTimezone } from '../schedule/timezone.js';
import type { Storage } from '../storage/types.js';
import type { SchedulerTelemetryOptions } from '../telemetry/options.js';
import { compileAddressPolicy } from '../transport/guard/address-guard.js';
import type { AddressPolicy, Transport } from '../transport/types.js';
import type { Logger, MissedEvents } from './types.js';

/** Options of `new Scheduler(...)`. */
export interface SchedulerOptions {
  /** @default new MemoryStorage() */
  storage?: Storage;
  /** @default new HttpTransport() */
  transport?: Transport;
  /** @default systemClock */
  clock?: Clock;
  /** Default IANA timezone of cron jobs. @default 'UTC' */
  timezone?: string;
  /** Runs in flight at once in this instance. @default 10 */
  concurrency?: number;
  /** Identifies this instance in leases. @default a random id */
  instanceId?: string;
  /** How long a claimed run stays ours without renewal. @default 30_000 */
  leaseMs?: number;
  /** How often shared storage is checked for work other instances added. @default 1_000 */
  pollIntervalMs?: number;
  /**
   * Runs kept per job; older ones are pruned. Occurrences that did not run (`missed`, `skipped`) are kept
   * apart, up to the same number, so they never push real runs out.
   * @default 100
   */
  runRetention?: number;
  /**
   * How late a job's oldest due occurrence may be and the job still count as merely late (Quartz's misfire
   * threshold): within it every due occurrence runs, in order. Past it (the app was down, the machine slept,
   * the wall clock jumped), the job's `catchUp` policy decides which run, and the rest are missed. Lower it
   * for frequent jobs that should not run a burst of late occurrences after a short outage.
   * @default 60_000
   * @example
   * // An every-5s job down for 30 s runs once ('latest'), not six times; a nightly one 4 min late is missed.
   * new Scheduler({ storage, misfireThresholdMs: 10_000 });
   */
  misfireThresholdMs?: number;
  /**
   * How missed occurrences are reported. `'each'`: every missed occurrence is recorded as a `missed` run and
   * emits `job.missed` (the newest `maxMissedEvents` of a catch-up). `'summary'`: one `missed` run (the newest
   * missed occurrence) and one `job.missed` per catch-up, whose `missed` gives the count and the first and
   * last missed times; the WebhookNotifier then sends one `job.execution.missed` webhook, not one per occurrence.
   * @default 'each'
   * @example
   * new Scheduler({ storage, missedEvents: 'summary' });
   * scheduler.on('job.missed', (e) => log(`${e.job.id}: ${e.missed.count} missed since ${e.missed.first.toISOString()}`));
   */
  missedEvents?: MissedEvents;
  /**
   * With `missedEvents: 'each'`: most missed occurrences recorded and reported per job per catch-up, whatever
   * its `catchUp` policy. The newest are kept; older ones are neither recorded nor reported (use
   * `missedEvents: 'summary'` to have them counted). Ignored with `'summary'`.
   * @default 100
   */
  maxMissedEvents?: number;
  /** Let the process exit while only the scheduler's timer is pending. @default false */
  unref?: boolean;
  /**
   * Destination policy for HTTP jobs. Jobs usually call the app's own services, so by default nothing is
   * blocked; pass `{ allowPrivateNetworks: false }` when job URLs come from untrusted users.
   * @default undefined (the transport's default: allow)
   */
  addressPolicy?: AddressPolicy;
  logger?: Logger;
  /**
   * OpenTelemetry spans and metrics of runs, attempts and HTTP calls. On whenever `@opentelemetry/api` is
   * installed, with the global tracer and meter providers unless others are given here; `false` switches it
   * off. Without the API installed nothing is loaded. See docs/observability.md.
   * @default {} (the global providers, per-job metrics)
   * @example new Scheduler({ telemetry: { tracerProvider, meterProvider, perJobMetrics: false } })
   */
  telemetry?: SchedulerTelemetryOptions | false;
}

/** Largest `misfireThresholdMs`: a year. */
const MAX_MISFIRE_MS = 365 * 86_400_000;

function option(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `Scheduler option ${field} is ${describeValue(value)}; expected ${allowed}`,
    {
      field,
    },
  );
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw option(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

/** Validates scheduler options eagerly and fills in defaults. */
export function validateSchedulerOptions(options: SchedulerOptions) {
  if (options === null || typeof options !== 'object') throw option('options', options, 'an object');
  const timezone = options.timezone ?? 'UTC';
  if (typeof timezone !== 'string' || !isValidTimezone(timezone)) {
    throw option('timezone', timezone, "an IANA timezone such as 'UTC' or 'Europe/Berlin'");
  }
  const instanceId = options.instanceId ?? `inst_${randomUUID()}`;
  if (typeof instanceId !== 'string' || instanceId.length === 0 || instanceId.length > 200) {
    throw option('instanceId', instanceId, 'a non-empty string of at most 200 characters');
  }
  if (options.unref !== undefined && typeof options.unref !== 'boolean')
    throw option('unref', options.unref, 'a boolean');
  // Checked now: a policy that does not compile would fail every HTTP run, and a falsy one (null, false)
  // would quietly mean "no policy", allowing every address.
  if (options.addressPolicy !== undefined) compileAddressPolicy(options.addressPolicy, 'addressPolicy');
  const missedEvents = options.missedEvents ?? 'each';
  if (missedEvents !== 'each' && missedEvents !== 'summary')
    throw option('missedEvents', missedEvents, "'each' or 'summary'");
  return {
    timezone,
    instanceId,
    concurrency: integer('concurrency', options.concurrency, 10, 1, 10_000),
    leaseMs: integer('leaseMs', options.leaseMs, 30_000, 1000, 86_400_000),
    pollIntervalMs: integer('pollIntervalMs', options.pollIntervalMs, 1000, 10, 3_600_000),
    runRetention: integer('runRetention', options.runRetention, 100, 0, 1_000_000),
    misfireThresholdMs: integer(
      'misfireThresholdMs',
      options.misfireThresholdMs,
      60_000,
      1000,
      MAX_MISFIRE_MS,
    ),
    missedEvents,
    maxMissedEvents: integer('maxMissedEvents', options.maxMissedEvents, 100, 0, 100_000),
    unref: options.unref ?? false,
    logger: appLogger(options.logger),
    addressPolicy: options.addressPolicy,
  };
}
