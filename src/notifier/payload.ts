import type { ErrorInfo } from '../errors.js';
import type { Job, Run, RunStatus, RunTrigger } from '../scheduler/types.js';
import { safeUrl } from '../transport/safe-url.js';

/** Topics the notifier publishes for scheduler events. */
export const JOB_TOPICS = {
  'job.started': 'job.execution.started',
  'job.succeeded': 'job.execution.succeeded',
  'job.failed': 'job.execution.failed',
  'job.missed': 'job.execution.missed',
} as const;

export type JobTopic = (typeof JOB_TOPICS)[keyof typeof JOB_TOPICS];

/** Topic of `notifier.ping()`. */
export const PING_TOPIC = 'webhook.ping';

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

export interface RunPayload {
  id: string;
  trigger: RunTrigger;
  scheduledAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  status: RunStatus;
  attempts: number;
  statusCode: number | null;
  error: ErrorInfo | null;
}

/** Body of every webhook: `{ type, timestamp, data }`. For job topics `data` is `{ job, run }`. */
export interface WebhookBody<T = unknown> {
  type: string;
  /** ISO-8601 time of the event. */
  timestamp: string;
  data: T;
}

export function jobPayload(job: Job): JobPayload {
  const s = job.schedule;
  const schedule: JobPayload['schedule'] =
    s.kind === 'cron'
      ? { kind: 'cron', cron: s.cron }
      : s.kind === 'every'
        ? { kind: 'every', everyMs: s.everyMs }
        : { kind: 'at', at: s.at };
  const target: JobPayload['target'] =
    'url' in job.target
      ? { url: safeUrl(job.target.url), method: (job.target.method ?? 'POST').toUpperCase() }
      : { handler: job.target.handler };
  return {
    id: job.id,
    name: job.name,
    schedule,
    timezone: s.kind === 'cron' ? s.timezone : null,
    target,
    metadata: job.metadata,
  };
}

export function runPayload(run: Run): RunPayload {
  return {
    id: run.id,
    trigger: run.trigger,
    scheduledAt: run.scheduledAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.durationMs,
    status: run.status,
    attempts: run.attempts,
    statusCode: run.statusCode,
    error: run.error === null ? null : { code: run.error.code, message: run.error.message },
  };
}

/**
 * The exact JSON text sent (and signed) for an event: that of a {@link WebhookBody}. Throws a TypeError when
 * `data` has no JSON form (undefined, a function): the body would silently lack its `data`.
 */
export function buildBody(topic: string, at: Date, data: unknown): string {
  const dataText = JSON.stringify(data);
  if (dataText === undefined) throw new TypeError(`data (${typeof data}) has no JSON form`);
  return `{"type":${JSON.stringify(topic)},"timestamp":${JSON.stringify(at.toISOString())},"data":${dataText}}`;
}
