import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { CronhookError, describeValue } from '../errors.js';
import type { Emitter } from '../events.js';
import { parseDuration } from '../schedule/normalize.js';
import type { Logger, SchedulerEvents } from '../scheduler/types.js';
import type { Storage } from '../storage/types.js';
import type { NotifierTelemetryOptions } from '../telemetry/options.js';
import { compileAddressPolicy } from '../transport/guard/address-guard.js';
import type { Transport } from '../transport/types.js';
import type { SignatureHeaders } from './signing/signatures.js';

/** What the notifier needs of a scheduler: its typed `on` (a `Scheduler` fits). */
export type NotifierEventSource = Pick<Emitter<SchedulerEvents>, 'on'> & {
  /** The scheduler's clock: the notifier's default clock when it has none of its own. */
  readonly clock?: Clock;
};

const HOUR = 3_600_000;

/** Default retry delays after attempts 1..7: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

/**
 * Options of `new WebhookNotifier(...)`. Every option is checked when the notifier is created.
 *
 * @example
 * new WebhookNotifier({ scheduler, storage, retrySchedule: ['10s', '1m', '10m'], signatureHeaders: 'both' });
 */
export interface WebhookNotifierOptions {
  /**
   * The scheduler whose `job.started`, `job.succeeded`, `job.failed` and `job.missed` events become webhooks.
   * Without one the notifier still delivers what the app sends with `publish()`.
   */
  scheduler?: NotifierEventSource;
  /** Where endpoints, messages, deliveries and attempts are kept. @default new MemoryStorage() */
  storage?: Storage;
  /** @default new HttpTransport() */
  transport?: Transport;
  /**
   * The only source of time: retry delays, timestamps, leases. A FakeClock in tests.
   * @default the scheduler's clock when `scheduler` is given, else systemClock
   * @example new WebhookNotifier({ scheduler, storage, clock: new FakeClock() })
   */
  clock?: Clock;
  /** Identifies this instance in delivery leases. @default a random id */
  instanceId?: string;
  /**
   * Delays before each retry, in ms or as `'5m'`; its length is the number of retries.
   * @default [5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h]
   */
  retrySchedule?: Array<number | string>;
  /** Each retry delay is spread by up to ± this fraction, so receivers are not hit in waves. @default 0.2 */
  retryJitter?: number;
  /** Time for one attempt: connect, headers and body. @default 15_000 */
  attemptTimeoutMs?: number;
  /**
   * Requests in flight at once in this instance. A slot is free again once its request is answered, while
   * the result is stored; no request starts while 32 times this many results wait to be stored.
   * @default 10
   */
  concurrency?: number;
  /** Requests in flight at once to one endpoint, so a slow receiver cannot starve the others. @default 4 */
  perEndpointConcurrency?: number;
  /**
   * An endpoint whose attempt has run this long (answered or not) is slow until an attempt of it ends sooner.
   * While slow, it holds at most one of the `concurrency` slots, and slow endpoints together at most half of
   * them (at least one), so however many receivers stall, endpoints that answer promptly keep the other half.
   * At most `attemptTimeoutMs`.
   * @default attemptTimeoutMs / 3 (5_000 with the default timeout)
   * @example new WebhookNotifier({ storage, attemptTimeoutMs: 30_000, slowAttemptMs: 2_000 })
   */
  slowAttemptMs?: number;
  /**
   * Deliveries claimed ahead of free slots (leased to this instance, in memory), so that a slot freed by an
   * answer is refilled at once instead of after a claim's round trip and commit, and claims take deliveries
   * in batches. An endpoint holds at most its share of them (`perEndpointConcurrency / concurrency` of this,
   * at least `perEndpointConcurrency`); only endpoints known to answer promptly have deliveries wait (a new
   * or slow one's that cannot start are handed back), and all are handed back on `stop()`. `0` claims only
   * for free slots. After a claim whose deliveries went to several endpoints (fan-outs), up to half of this
   * more may wait when an endpoint's share is more than half of it (as with `perEndpointConcurrency` equal to
   * `concurrency`): the claim made when half of it is left then takes a whole share, so claims are fewer and
   * larger (not with the default `perEndpointConcurrency`, whose claims are whole shares already). The same
   * after a claim of one prompt endpoint's deliveries alone when its share is all of this (it may use every
   * slot): it may then hold up to half of this more than its share (one endpoint's claims of a whole share,
   * not half). With several instances, each may hold that many that others cannot take until they are sent or
   * handed back.
   * @default 8 × concurrency (80 with the default concurrency; see docs/scaling.md for why)
   * @example new WebhookNotifier({ storage, concurrency: 32, prefetch: 128 })
   */
  prefetch?: number;
  /**
   * `'standard'`: Standard Webhooks `webhook-signature`; `'hub'`: `x-hub-signature-256` instead; `'both'`.
   * @default 'standard'
   */
  signatureHeaders?: SignatureHeaders;
  /**
   * Allow deliveries to loopback, private, link-local and other internal addresses. Off by default so an
   * endpoint URL cannot reach your internal network.
   * @default false
   */
  allowPrivateNetworks?: boolean;
  /** Internal hosts, IPs or CIDR ranges deliveries may reach anyway, e.g. `['10.1.2.0/24']`. @default [] */
  allow?: string[];
  /** An endpoint failing without a success for this long is disabled. @default 5 days */
  disableAfterMs?: number;
  /** Longest `Retry-After` honoured; a receiver asking for more gets this. @default 3_600_000 (1 h) */
  maxRetryAfterMs?: number;
  /**
   * How long finished (succeeded or failed) deliveries, their attempts and their messages stay in the
   * delivery log after their last update. Checked at start and then every tenth of this time (at least a
   * second, at most an hour apart), when the storage implements `pruneDeliveries`: a finished delivery is
   * gone at most that interval after its retention ran out. Pending deliveries are never pruned. `0` keeps
   * everything forever.
   * @default 604_800_000 (7 days)
   * @example new WebhookNotifier({ storage, deliveryRetentionMs: 30 * 24 * 3_600_000 }) // 30 days
   * @example new WebhookNotifier({ storage, deliveryRetentionMs: 60_000 }) // kept a minute, gone within 66 s
   */
  deliveryRetentionMs?: number;
  /** How long a claimed delivery stays ours; must exceed `attemptTimeoutMs`. @default 60_000 */
  leaseMs?: number;
  /** How often shared storage is checked for deliveries other instances stored. @default 1_000 */
  pollIntervalMs?: number;
  /** Let the process exit while only the notifier's timer is pending. @default false */
  unref?: boolean;
  /** Receives one line per attempt and per problem; never a secret or authorization value. */
  logger?: Logger;
  /**
   * OpenTelemetry spans and metrics of messages and delivery attempts. On whenever `@opentelemetry/api` is
   * installed, with the global tracer and meter providers unless others are given here; `false` switches it
   * off. Without the API installed nothing is loaded. See docs/observability.md.
   * @default {} (the global providers, per-endpoint metrics)
   * @example new WebhookNotifier({ scheduler, telemetry: { meterProvider, perEndpointMetrics: false } })
   */
  telemetry?: NotifierTelemetryOptions | false;
}

/** Options after defaults and checks. */
export interface ResolvedNotifierOptions {
  instanceId: string;
  retrySchedule: number[];
  retryJitter: number;
  attemptTimeoutMs: number;
  concurrency: number;
  perEndpointConcurrency: number;
  slowAttemptMs: number;
  prefetch: number;
  signatureHeaders: SignatureHeaders;
  allowPrivateNetworks: boolean;
  allow: string[];
  disableAfterMs: number;
  maxRetryAfterMs: number;
  /** 0: keep forever. */
  deliveryRetentionMs: number;
  leaseMs: number;
  pollIntervalMs: number;
  unref: boolean;
}

function invalid(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `WebhookNotifier option ${field} is ${describeValue(value)}; expected ${allowed}`,
    { field },
  );
}

function int(field: string, value: unknown, fallback: number, min: number, max = 2 ** 31 - 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(field, value, 'true or false');
  return value;
}

function hasMethod(value: unknown, method: string): boolean {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, method) === 'function';
}

/** Checks every option eagerly so a typo fails at startup, not at the first delivery. */
/**
 * Default `prefetch` per slot of `concurrency`. Measured (docs/scaling.md): claiming only for free slots made a
 * busy endpoint on Postgres cost about 5 statements and 5 row updates per delivery (the excess of each claim
 * over its per-endpoint limit handed back) and halved its throughput; 4 per slot kept claims in batches, and
 * the fair-dispatch guarantees hold as without it. 8 per slot: claims twice as large and half as many, and on
 * Postgres most of a claim's cost is paid once per claim (sender + server CPU per delivery ~5-10% lower over
 * HTTP; SQLite lower too, memory level within the noise, perhaps 1-2% higher).
 */
const PREFETCH_PER_SLOT = 8;

export function validateNotifierOptions(options: WebhookNotifierOptions): ResolvedNotifierOptions {
  if (options === null || typeof options !== 'object') throw invalid('options', options, 'an object');
  if (options.scheduler !== undefined && !hasMethod(options.scheduler, 'on')) {
    throw invalid('scheduler', options.scheduler, 'a Scheduler (an object with on())');
  }
  if (options.storage !== undefined && !hasMethod(options.storage, 'claimDeliveries')) {
    throw invalid('storage', options.storage, 'a Storage adapter');
  }
  if (options.transport !== undefined && !hasMethod(options.transport, 'send')) {
    throw invalid('transport', options.transport, 'a Transport (an object with send())');
  }
  if (
    options.clock !== undefined &&
    !(hasMethod(options.clock, 'now') && hasMethod(options.clock, 'setTimeout'))
  ) {
    throw invalid('clock', options.clock, 'a Clock (now() and setTimeout())');
  }
  if (options.logger !== undefined && (options.logger === null || typeof options.logger !== 'object')) {
    throw invalid('logger', options.logger, 'an object with debug/info/warn/error methods, such as console');
  }
  const instanceId = options.instanceId ?? `notifier_${randomUUID()}`;
  if (typeof instanceId !== 'string' || instanceId === '' || instanceId.length > 200) {
    throw invalid('instanceId', instanceId, 'a non-empty string of at most 200 characters');
  }

  let retrySchedule: number[] = [...DEFAULT_RETRY_SCHEDULE];
  if (options.retrySchedule !== undefined) {
    if (!Array.isArray(options.retrySchedule) || options.retrySchedule.length > 50) {
      throw invalid('retrySchedule', options.retrySchedule, 'an array of at most 50 delays (ms or "5m")');
    }
    retrySchedule = options.retrySchedule.map((delay, i) => {
      const ms = typeof delay === 'number' || typeof delay === 'string' ? parseDuration(delay) : Number.NaN;
      if (!Number.isFinite(ms) || ms < 0 || ms > 30 * 24 * HOUR) {
        throw invalid(`retrySchedule[${i}]`, delay, 'a delay from 0 to 30 days, in ms or like "5m"');
      }
      return ms;
    });
  }
  const retryJitter = options.retryJitter ?? 0.2;
  if (typeof retryJitter !== 'number' || !(retryJitter >= 0 && retryJitter <= 1)) {
    throw invalid('retryJitter', retryJitter, 'a fraction from 0 to 1');
  }
  const signatureHeaders = options.signatureHeaders ?? 'standard';
  if (!['standard', 'hub', 'both'].includes(signatureHeaders)) {
    throw invalid('signatureHeaders', signatureHeaders, '"standard", "hub" or "both"');
  }
  const allow = options.allow ?? [];
  if (!Array.isArray(allow) || allow.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw invalid('allow', allow, 'an array of hosts, IPs or CIDR ranges');
  }
  // Each entry is parsed now: one the address guard cannot read ('10.0.0.0/33') would fail every delivery.
  compileAddressPolicy({ allow }, '');

  const attemptTimeoutMs = int('attemptTimeoutMs', options.attemptTimeoutMs, 15_000, 1, 10 * 60_000);
  const leaseMs = int('leaseMs', options.leaseMs, Math.max(60_000, attemptTimeoutMs * 2), 1_000);
  if (leaseMs <= attemptTimeoutMs) {
    throw invalid(
      'leaseMs',
      leaseMs,
      `more than attemptTimeoutMs (${attemptTimeoutMs}) so a lease outlives an attempt`,
    );
  }
  const concurrency = int('concurrency', options.concurrency, 10, 1, 1000);
  return {
    instanceId,
    retrySchedule,
    retryJitter,
    attemptTimeoutMs,
    concurrency,
    perEndpointConcurrency: int('perEndpointConcurrency', options.perEndpointConcurrency, 4, 1, 1000),
    slowAttemptMs: int(
      'slowAttemptMs',
      options.slowAttemptMs,
      Math.max(1, Math.floor(attemptTimeoutMs / 3)),
      1,
      attemptTimeoutMs,
    ),
    prefetch: int('prefetch', options.prefetch, PREFETCH_PER_SLOT * concurrency, 0, 10_000),
    signatureHeaders,
    allowPrivateNetworks: bool('allowPrivateNetworks', options.allowPrivateNetworks, false),
    allow: [...allow],
    disableAfterMs: int('disableAfterMs', options.disableAfterMs, 5 * 24 * HOUR, 0, Number.MAX_SAFE_INTEGER),
    maxRetryAfterMs: int('maxRetryAfterMs', options.maxRetryAfterMs, HOUR, 0, 30 * 24 * HOUR),
    deliveryRetentionMs: int(
      'deliveryRetentionMs',
      options.deliveryRetentionMs,
      7 * 24 * HOUR,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    leaseMs,
    pollIntervalMs: int('pollIntervalMs', options.pollIntervalMs, 1_000, 10),
    unref: bool('unref', options.unref, false),
  };
}
