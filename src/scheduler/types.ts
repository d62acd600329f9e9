import type { ErrorInfo } from '../errors.js';
import type { ErrorEventPayload } from '../events.js';
import type { CatchUpPolicy, NormalizedSchedule, ScheduleInput } from '../schedule/types.js';
import type { HiddenUrlPart } from '../transport/safe-url.js';

/** An HTTP call made by a job. */
export interface HttpTarget {
  /**
   * Absolute http(s) URL of at most 2048 characters, without `user:password@` (use `headers`). Every call goes
   * to it whole; `getJob` returns it by origin and path only ({@link PublicHttpTarget.url}).
   */
  url: string;
  /** @default 'POST' */
  method?: string;
  /**
   * Sent with every call; values are visible ASCII, spaces and tabs, at most 8192 bytes in all, and never
   * returned (`getJob` gives `headerNames`). `host`, `content-length`, `transfer-encoding`, `connection` and
   * the other headers the HTTP client sets are refused. A `content-type` here replaces the default of `body`.
   * @example { authorization: 'Bearer …', 'x-api-key': '…' }
   */
  headers?: Record<string, string>;
  /**
   * The request body, at most 262,144 bytes. An object or array is sent as JSON with
   * `content-type: application/json`; a string is sent as it is with `content-type: text/plain; charset=utf-8`,
   * unless `headers` name another content type (pass an object to send JSON, or set `content-type` for a string
   * holding JSON, XML, a form...). A body is never sent without a content type.
   * @default no body
   * @example { url, body: { kind: 'daily' } }                                  // application/json
   * @example { url, body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
   */
  body?: string | Record<string, unknown> | unknown[];
  /** Per attempt. @default 30_000 */
  timeoutMs?: number;
  /**
   * When set (`whsec_` + base64 of 24 to 64 bytes), each call is signed with the Standard Webhooks headers so
   * the target can prove it came from this scheduler. Never returned by `getJob`/`listJobs`.
   */
  signingSecret?: string;
  /**
   * Send the W3C `traceparent`/`tracestate` headers of the call's span, so the target's own spans join the
   * run's trace (when telemetry is on; see docs/observability.md). Switch off for a target that must not
   * learn trace ids, or that rejects unknown headers.
   * @default true
   * @example target: { url: 'https://partner.example.com/hook', propagateTraceContext: false }
   */
  propagateTraceContext?: boolean;
}
/** An in-process handler registered with `scheduler.handle(name, fn)`. */
export interface HandlerTarget {
  handler: string;
  /** JSON data passed to the handler as `ctx.payload` (stored as its JSON copy); at most 262,144 bytes. */
  payload?: unknown;
  /** Per attempt. @default 30_000 */
  timeoutMs?: number;
}
export type JobTarget = HttpTarget | HandlerTarget;

/**
 * An HTTP target as returned by `getJob`, `listJobs` and the `job.*` events: the URL without its query (and
 * fragment), header names without their values, and whether calls are signed, never the secret (as endpoints
 * return `headerNames` only). Storage keeps the values and the whole URL, and every call goes to it. To
 * change a target, give a whole {@link HttpTarget} again, its whole URL and headers with their values.
 */
export interface PublicHttpTarget extends Omit<HttpTarget, 'url' | 'headers' | 'signingSecret'> {
  /**
   * Where calls go, named safely: origin and path only, never `user:password@`, the query (it often holds a
   * token) or the fragment. `urlHidden` says which of them the stored URL has.
   * @example 'https://api.example.com/charge' // stored: 'https://api.example.com/charge?api_key=…'
   */
  url: string;
  /**
   * The parts of the stored URL left out of `url`, in URL order; `[]` when `url` is the whole URL.
   * @default []
   * @example ['query'] // stored: 'https://api.example.com/charge?api_key=…'
   */
  urlHidden: HiddenUrlPart[];
  /** Names of the headers sent with each call. */
  headerNames: string[];
  /** True when each call is signed with a `signingSecret`. */
  hasSigningSecret: boolean;
}
/** A job's target as returned: {@link PublicHttpTarget} or {@link HandlerTarget}. */
export type PublicJobTarget = PublicHttpTarget | HandlerTarget;

/** Retry policy of one run: attempts with exponential backoff on the clock. Default: no retry. */
export interface RetryPolicy {
  /** Total attempts including the first. @default 1 */
  attempts?: number;
  /** @default 1000 */
  minDelayMs?: number;
  /** @default 60_000 */
  maxDelayMs?: number;
  /** @default 2 */
  factor?: number;
}

export type OverlapPolicy = 'skip' | 'allow' | 'queue';

/** What `addJob` takes. */
export interface JobDefinition {
  /** Unique id. @default a generated `job_…` id */
  id?: string;
  /** At most 200 characters; sent in every `job.*` webhook. */
  name?: string;
  schedule: ScheduleInput;
  target: JobTarget;
  retry?: RetryPolicy;
  /** @default 'skip' */
  overlap?: OverlapPolicy;
  /** @default 'latest' */
  catchUp?: CatchUpPolicy;
  /** Statuses counted as success for HTTP targets. @default 200–299 */
  successStatuses?: number[];
  /** Spread each occurrence's start by a deterministic pseudo-random 0..jitterMs. @default 0 */
  jitterMs?: number;
  startAt?: Date | string;
  endAt?: Date | string;
  maxRuns?: number;
  /** @default true */
  enabled?: boolean;
  /** JSON data, at most 16,384 bytes; sent in every `job.*` webhook and matched by endpoint filters. */
  metadata?: Record<string, unknown>;
}

/** What `scheduler.upsertJob` resolves with. */
export interface UpsertJobResult {
  /** The job as stored now. */
  job: Job;
  /** This call created it. */
  created: boolean;
  /** This call changed its definition. */
  updated: boolean;
}

/** A job as returned by `getJob`, `listJobs` and events: never a header value or signing secret. */
export interface Job {
  id: string;
  name: string | null;
  schedule: NormalizedSchedule;
  /** Header names only, never values or the signing secret (see {@link PublicHttpTarget}). */
  target: PublicJobTarget;
  retry: Required<RetryPolicy>;
  overlap: OverlapPolicy;
  catchUp: CatchUpPolicy;
  successStatuses: number[] | null;
  jitterMs: number;
  startAt: Date | null;
  endAt: Date | null;
  maxRuns: number | null;
  enabled: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  /** Next occurrence, or null when the job has no more. */
  nextRunAt: Date | null;
  /** Occurrences run so far (counts toward `maxRuns`). */
  runCount: number;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'missed';

/**
 * Every {@link RunStatus}, in a run's order: what option checks, CLI choices and run counts list.
 * @internal not exported by the package (its types are; this value is cronhook's own)
 */
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'missed',
];

/**
 * The statuses a run ends in: it will not change again.
 * @internal
 */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'skipped', 'missed'];

/**
 * The statuses of a run in flight: it holds its occurrence, may still be written by the instance holding it
 * (`Storage.updateRun`'s fence), is taken over when its lease runs out, and is never pruned.
 * @internal
 */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running'];

/**
 * Whether a run of `status` is in flight: one of the two {@link ACTIVE_RUN_STATUSES}, compared by name (MemoryStorage
 * asks several times per run write, and `includes` on the list was a builtin call each time). @internal
 */
export const isRunActive = (status: string): boolean => status === 'queued' || status === 'running';
export type RunTrigger = 'schedule' | 'manual' | 'catch-up' | 'retry-after-crash';

/** One execution (or recorded non-execution) of a job occurrence. */
export interface Run {
  id: string;
  jobId: string;
  trigger: RunTrigger;
  scheduledAt: Date;
  status: RunStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  attempts: number;
  statusCode: number | null;
  error: ErrorInfo | null;
  /** First 4 KB of the last response body (HTTP targets) or of the handler's JSON result. */
  responseSnippet: string | null;
  /** Instance that holds (or held) the run. */
  instanceId: string | null;
}

/** What a handler receives. */
export interface JobContext<P = unknown> {
  job: Job;
  run: Run;
  payload: P;
  /** Aborts on timeout and on `scheduler.stop()`. */
  signal: AbortSignal;
  /** 1-based attempt number. */
  attempt: number;
}
export type JobHandler<P = unknown> = (ctx: JobContext<P>) => unknown;

export type { Logger } from '../logger.js';

export interface JobEventBase<T extends string> {
  type: T;
  at: Date;
  job: Job;
}
export interface RunEventBase<T extends string> extends JobEventBase<T> {
  run: Run;
}

/**
 * How missed occurrences are reported (`SchedulerOptions.missedEvents`): `'each'`, one `missed` run and one
 * `job.missed` event per missed occurrence; `'summary'`, one of each per catch-up, with the count and range.
 */
export type MissedEvents = 'each' | 'summary';

/** What a `job.missed` event reports: how many occurrences were missed, and the first and last of them. */
export interface MissedOccurrences {
  /** Occurrences missed (1 with `missedEvents: 'each'`). */
  count: number;
  /** Scheduled time of the oldest missed occurrence. */
  first: Date;
  /** Scheduled time of the newest missed occurrence (the event's `run.scheduledAt`). */
  last: Date;
}

/** Payloads of the scheduler's events, one object per event. */
export interface SchedulerEvents {
  'job.added': JobEventBase<'job.added'>;
  'job.updated': JobEventBase<'job.updated'>;
  'job.removed': JobEventBase<'job.removed'>;
  'job.paused': JobEventBase<'job.paused'>;
  'job.resumed': JobEventBase<'job.resumed'>;
  'job.started': RunEventBase<'job.started'>;
  'job.succeeded': RunEventBase<'job.succeeded'>;
  'job.failed': RunEventBase<'job.failed'> & { error: ErrorInfo };
  'job.retrying': RunEventBase<'job.retrying'> & { error: ErrorInfo; attempt: number; delayMs: number };
  /**
   * A run recorded without running: `'overlap'`, its job's previous run was still going (`overlap: 'skip'`);
   * `'expired'`, a run request (`requestRun`) no instance took before it expired.
   */
  'job.skipped': RunEventBase<'job.skipped'> & { reason: 'overlap' | 'expired' };
  'job.missed': RunEventBase<'job.missed'> & { missed: MissedOccurrences };
  error: ErrorEventPayload & { job?: Job; run?: Run };
}
export type SchedulerEventName = keyof SchedulerEvents;
