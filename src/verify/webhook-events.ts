/**
 * The bodies of the webhooks cronhook sends, as a receiver sees them: one type per topic, discriminated by
 * `type`. Types only (no code), so `cronhook/verify` stays free of dependencies; the notifier builds every
 * body from these same types, so what is declared here is what is sent.
 */
import type { ErrorInfo } from '../errors.js';

/** A run's status as sent (see `RunStatus`). */
export type RunPayloadStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'missed';

/** Why a run happened (see `RunTrigger`). */
export type RunPayloadTrigger = 'schedule' | 'manual' | 'catch-up' | 'retry-after-crash';

/** The job as a receiver sees it: what it is and where it points, never headers, bodies or secrets. */
export interface JobPayload {
  id: string;
  name: string | null;
  /** `{ kind: 'cron', cron }`, `{ kind: 'every', everyMs }` or `{ kind: 'at', at }`. */
  schedule: { kind: 'cron'; cron: string } | { kind: 'every'; everyMs: number } | { kind: 'at'; at: string };
  /** IANA timezone of a cron schedule; null for the others. */
  timezone: string | null;
  /** HTTP targets: method and URL without credentials or query string; handler targets: the handler name. */
  target: { url: string; method: string } | { handler: string };
  metadata: Record<string, unknown>;
}

/** One run as a receiver sees it; times are ISO-8601 strings. `S` narrows the status a topic carries. */
export interface RunPayload<S extends RunPayloadStatus = RunPayloadStatus> {
  id: string;
  trigger: RunPayloadTrigger;
  scheduledAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  status: S;
  attempts: number;
  statusCode: number | null;
  error: ErrorInfo | null;
}

/** What a `job.execution.missed` webhook stands for: how many occurrences, the oldest and the newest (ISO). */
export interface MissedPayload {
  count: number;
  first: string;
  last: string;
}

/**
 * The envelope of every webhook: `{ type, timestamp, data }`. For the bodies cronhook itself sends, use
 * {@link WebhookEvent}; `WebhookBody<T>` fits the topics an app publishes with `notifier.publish`.
 */
export interface WebhookBody<T = unknown> {
  type: string;
  /** ISO-8601 time of the event. */
  timestamp: string;
  data: T;
}

/** A run started: `data.run.status` is `'running'`. */
export interface JobExecutionStartedEvent
  extends WebhookBody<{ job: JobPayload; run: RunPayload<'running'> }> {
  type: 'job.execution.started';
}

/** A run succeeded. */
export interface JobExecutionSucceededEvent
  extends WebhookBody<{ job: JobPayload; run: RunPayload<'succeeded'> }> {
  type: 'job.execution.succeeded';
}

/** A run failed (after its retries): `data.run.error` says why. */
export interface JobExecutionFailedEvent
  extends WebhookBody<{ job: JobPayload; run: RunPayload<'failed'> & { error: ErrorInfo } }> {
  type: 'job.execution.failed';
}

/**
 * Occurrences were missed (the scheduler was down, or a catch-up ran only the newest): `data.run` is the
 * newest missed occurrence's run, `data.missed` how many it stands for and between which times.
 */
export interface JobExecutionMissedEvent
  extends WebhookBody<{ job: JobPayload; run: RunPayload<'missed'>; missed: MissedPayload }> {
  type: 'job.execution.missed';
}

/** `notifier.ping()` ("Test now"). */
export interface WebhookPingEvent extends WebhookBody<{ endpointId: string }> {
  type: 'webhook.ping';
}

/**
 * Every body cronhook sends, discriminated by `type`: narrow on it and `data` follows. Name it when verifying
 * (`verifyWebhook<WebhookEvent>(…)`); topics your app publishes come on top (`WebhookEvent | MyEvents`).
 *
 * @example
 * const event = verifyWebhook<WebhookEvent>({ payload: rawBody, headers: req.headers, secret });
 * switch (event.type) {
 *   case 'job.execution.failed': page(event.data.job.id, event.data.run.error.message); break;
 *   case 'job.execution.missed': log(`${event.data.missed.count} runs of ${event.data.job.id} missed`); break;
 * }
 */
export type WebhookEvent =
  | JobExecutionStartedEvent
  | JobExecutionSucceededEvent
  | JobExecutionFailedEvent
  | JobExecutionMissedEvent
  | WebhookPingEvent;

/** The topics cronhook sends. */
export type WebhookEventType = WebhookEvent['type'];

/** The body of one topic. @example type Failed = WebhookEventOf<'job.execution.failed'>; */
export type WebhookEventOf<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>;
