import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../notifier/types.js';
import type { JobRecord, RunRecord } from '../../storage/types.js';

/** A base instant with milliseconds, so adapters that drop them fail the round trips. */
export const T0 = Date.parse('2026-03-29T01:02:03.456Z');
export const at = (offsetMs = 0): Date => new Date(T0 + offsetMs);

/** Text that trips up encodings: accents, CJK, emoji (a surrogate pair), RTL, quotes and a backslash. */
export const UNICODE = 'Zürich · 東京 · 🚀🌍 · שלום · "quoted" \\ \'single\'';

/** A job with every field set. */
export function fullJob(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    name: `Report ${UNICODE}`,
    schedule: { kind: 'cron', cron: '*/5 * * * *', timezone: 'Europe/Zurich' },
    target: {
      url: 'https://example.com/hooks/report?x=1',
      method: 'PUT',
      headers: { 'x-team': UNICODE, authorization: 'Bearer t0ken' },
      body: { nested: { list: [1, 2.5, 'three', null, true], text: UNICODE } },
      timeoutMs: 12_345,
      signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    },
    retry: { attempts: 4, minDelayMs: 250, maxDelayMs: 90_000, factor: 3 },
    overlap: 'queue',
    catchUp: { max: 7 },
    successStatuses: [200, 201, 204],
    jitterMs: 1_500,
    startAt: at(-86_400_000),
    endAt: at(365 * 86_400_000 + 1),
    maxRuns: 1_000,
    enabled: true,
    metadata: {
      team: UNICODE,
      priority: 3,
      ratio: 0.125,
      flags: [true, false],
      owner: null,
      deep: { a: { b: 'c' } },
    },
    createdAt: at(-1_001),
    updatedAt: at(-7),
    nextRunAt: at(0),
    runCount: 42,
    lockedBy: null,
    lockedUntil: null,
    ...overrides,
  };
}

/** A job with every optional field null or minimal: a handler target without a payload. */
export function minimalJob(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    name: null,
    schedule: { kind: 'every', everyMs: 60_000, anchor: at(0).toISOString() },
    target: { handler: 'cleanup' },
    retry: { attempts: 1, minDelayMs: 1_000, maxDelayMs: 60_000, factor: 2 },
    overlap: 'skip',
    catchUp: 'latest',
    successStatuses: null,
    jitterMs: 0,
    startAt: null,
    endAt: null,
    maxRuns: null,
    enabled: true,
    metadata: {},
    createdAt: at(0),
    updatedAt: at(0),
    nextRunAt: at(0),
    runCount: 0,
    lockedBy: null,
    lockedUntil: null,
    ...overrides,
  };
}

export function run(id: string, jobId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  const scheduledAt = overrides.scheduledAt ?? at(0);
  return {
    id,
    jobId,
    trigger: 'schedule',
    scheduledAt,
    status: 'succeeded',
    startedAt: new Date(scheduledAt.getTime() + 3),
    finishedAt: new Date(scheduledAt.getTime() + 1_234),
    durationMs: 1_231,
    attempts: 2,
    statusCode: 503,
    error: { code: 'ERR_HTTP_STATUS', message: `503 from upstream ${UNICODE}` },
    responseSnippet: `{"ok":false,"text":"${UNICODE}"}`,
    instanceId: 'instance-a',
    occurrenceKey: scheduledAt.toISOString(),
    lockedUntil: null,
    ...overrides,
  };
}

/** A run in flight, leased to `instanceId` until `lockedUntil`. */
export function activeRun(id: string, jobId: string, lockedUntil: Date, overrides: Partial<RunRecord> = {}) {
  return run(id, jobId, {
    status: 'running',
    finishedAt: null,
    durationMs: null,
    statusCode: null,
    error: null,
    responseSnippet: null,
    lockedUntil,
    ...overrides,
  });
}

export function endpoint(id: string, overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id,
    url: 'https://hooks.example.com/in?src=cronhook',
    description: `Ops ${UNICODE}`,
    topics: ['job.*', 'webhook.ping'],
    jobIds: ['job-a', 'job-b'],
    match: { metadata: { team: 'ops', tier: 2, live: true, owner: null } },
    enabled: true,
    propagateTraceContext: true,
    disabledReason: null,
    disabledAt: null,
    failingSince: at(-60_000),
    createdAt: at(0),
    updatedAt: at(5),
    headers: { 'x-source': UNICODE },
    authorization: 'Bearer s3cret',
    secrets: [
      { secret: 'whsec_bmV3IHNlY3JldCBmb3Igcm90YXRpb24gdGVzdHM=', createdAt: at(1), expiresAt: null },
      {
        secret: 'whsec_b2xkIHNlY3JldCBrZXB0IGR1cmluZyBncmFjZQ==',
        createdAt: at(-9),
        expiresAt: at(3_600_001),
      },
    ],
    ...overrides,
  };
}

export function message(id: string, overrides: Partial<Message> = {}): Message {
  return {
    id,
    topic: 'job.execution.failed',
    body: JSON.stringify({ type: 'job.execution.failed', data: { text: UNICODE } }),
    jobId: 'job-a',
    createdAt: at(0),
    traceContext: null,
    ...overrides,
  };
}

export function delivery(
  id: string,
  messageId: string,
  endpointId: string,
  overrides: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    id,
    messageId,
    endpointId,
    topic: 'job.execution.failed',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: at(0),
    updatedAt: at(0),
    lockedBy: null,
    lockedUntil: null,
    ...overrides,
  };
}

export function attempt(
  id: string,
  deliveryId: string,
  overrides: Partial<DeliveryAttempt> = {},
): DeliveryAttempt {
  return {
    id,
    deliveryId,
    attempt: 1,
    trigger: 'auto',
    startedAt: at(17),
    durationMs: 321,
    statusCode: 500,
    error: { code: 'ERR_HTTP_STATUS', message: `500 ${UNICODE}` },
    responseHeaders: { 'content-type': 'application/json', 'retry-after': '120' },
    responseSnippet: `{"error":"${UNICODE}"}`,
    ...overrides,
  };
}

/**
 * `claimed` after its first attempt `made` failed (see {@link attempt}) and it is due again at 5,000, written at
 * 400: the record a notifier hands `completeAttempt` with that attempt.
 */
export function retried(claimed: DeliveryRecord, made: DeliveryAttempt): DeliveryRecord {
  return {
    ...claimed,
    attempts: 1,
    nextAttemptAt: at(5_000),
    lastAttemptAt: made.startedAt,
    lastStatusCode: made.statusCode,
    lastError: made.error,
    updatedAt: at(400),
  };
}

/** Zero-padded ids sort the same as numbers, so expected orders are easy to write. */
export const pad = (n: number): string => String(n).padStart(4, '0');
