import type { Job, Run, SchedulerEvents } from '../scheduler/types.js';
import { safeUrl } from '../transport/safe-url.js';
import type {
  JobPayload,
  RunPayload,
  RunPayloadStatus,
  WebhookBody,
  WebhookEvent,
  WebhookEventOf,
} from '../verify/webhook-events.js';

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

/**
 * The data of the webhook for a scheduler event, as its topic's type in `WebhookEvent` declares it (the
 * run's status is checked to be the one the topic promises).
 */
export function jobEventData(e: SchedulerEvents[keyof typeof JOB_TOPICS]): WebhookEvent['data'] {
  const job = jobPayload(e.job);
  switch (e.type) {
    case 'job.started':
      return {
        job,
        run: runPayload(e.run, 'running'),
      } satisfies WebhookEventOf<'job.execution.started'>['data'];
    case 'job.succeeded':
      return {
        job,
        run: runPayload(e.run, 'succeeded'),
      } satisfies WebhookEventOf<'job.execution.succeeded'>['data'];
    case 'job.failed': {
      const run = runPayload(e.run, 'failed');
      return {
        job,
        run: { ...run, error: run.error ?? e.error },
      } satisfies WebhookEventOf<'job.execution.failed'>['data'];
    }
    case 'job.missed': {
      const { count, first, last } = e.missed;
      return {
        job,
        run: runPayload(e.run, 'missed'),
        missed: { count, first: first.toISOString(), last: last.toISOString() },
      } satisfies WebhookEventOf<'job.execution.missed'>['data'];
    }
  }
}

/**
 * A run as sent, typed with the status its topic promises: the scheduler emits each event with its run in
 * that status (test/verify/webhook-events.test.ts holds every topic to it on real webhooks).
 */
function runPayload<S extends RunPayloadStatus>(run: Run, _status: S): RunPayload<S> {
  return runFields(run) as RunPayload<S>;
}

function runFields(run: Run): RunPayload {
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
  // Joined, not a template literal: V8 makes a template of long parts a rope (a tree of its 7 pieces). The outbox
  // kept that tree with the message (~200 bytes more per stored message), and the message's first send flattened
  // it (undici measures and encodes the body) into a copy made in the old generation, where the stored message
  // is by then. A join makes the one flat string at once, while the message is young.
  return [
    '{"type":',
    JSON.stringify(topic),
    ',"timestamp":',
    JSON.stringify(at.toISOString()),
    ',"data":',
    dataText,
    '}',
  ].join('');
}
