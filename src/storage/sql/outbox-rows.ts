import type { DeliveryAttempt, DeliveryRecord, EndpointRecord, Message } from '../../notifier/types.js';
import { readTraceContext } from '../../telemetry/trace-context.js';
import {
  bool,
  date,
  json,
  ms,
  num,
  parsed,
  str,
  type TableCodec,
  type ValuesCodec,
  valuesCodec,
} from './codec.js';

interface StoredSecret {
  secret: string;
  createdAt: number;
  expiresAt: number | null;
}

export const endpointCodec: TableCodec<EndpointRecord> = {
  columns: [
    'id',
    'url',
    'description',
    'topics',
    'job_ids',
    'match_filter',
    'headers',
    'auth_header',
    'secrets',
    'enabled',
    'disabled_reason',
    'disabled_at',
    'failing_since',
    'created_at',
    'updated_at',
    'propagate_trace_context',
  ],
  encode: (e, d) => [
    e.id,
    e.url,
    e.description,
    json(e.topics),
    json(e.jobIds),
    json(e.match),
    json(e.headers),
    e.authorization,
    json(
      e.secrets.map(
        (s): StoredSecret => ({ secret: s.secret, createdAt: ms(s.createdAt)!, expiresAt: ms(s.expiresAt) }),
      ),
    ),
    d.bool(e.enabled),
    e.disabledReason,
    ms(e.disabledAt),
    ms(e.failingSince),
    ms(e.createdAt),
    ms(e.updatedAt),
    d.bool(e.propagateTraceContext),
  ],
  decode: (r, d) => ({
    id: String(r.id),
    url: String(r.url),
    description: str(r.description),
    topics: parsed(r.topics, d) as string[],
    jobIds: parsed(r.job_ids, d) as string[] | null,
    match: parsed(r.match_filter, d) as EndpointRecord['match'],
    headers: parsed(r.headers, d) as Record<string, string>,
    authorization: str(r.auth_header),
    secrets: (parsed(r.secrets, d) as StoredSecret[]).map((s) => ({
      secret: s.secret,
      createdAt: new Date(s.createdAt),
      expiresAt: date(s.expiresAt),
    })),
    enabled: bool(r.enabled),
    disabledReason: str(r.disabled_reason) as EndpointRecord['disabledReason'],
    disabledAt: date(r.disabled_at),
    failingSince: date(r.failing_since),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
    propagateTraceContext: bool(r.propagate_trace_context),
  }),
};

export const messageCodec: ValuesCodec<Message> = valuesCodec({
  columns: ['id', 'topic', 'body', 'job_id', 'created_at', 'traceparent', 'tracestate'],
  encode: (m) => [
    m.id,
    m.topic,
    m.body,
    m.jobId,
    ms(m.createdAt),
    m.traceContext?.traceparent ?? null,
    m.traceContext?.tracestate ?? null,
  ],
  fromValues: ([id, topic, body, jobId, createdAt, traceparent, tracestate]) => ({
    id: String(id),
    topic: String(topic),
    body: String(body),
    jobId: str(jobId),
    createdAt: date(createdAt)!,
    traceContext:
      traceparent === null || traceparent === undefined
        ? null
        : readTraceContext({ traceparent, tracestate: tracestate ?? undefined }),
  }),
});

export const deliveryCodec: ValuesCodec<DeliveryRecord> = valuesCodec({
  columns: [
    'id',
    'message_id',
    'endpoint_id',
    'topic',
    'status',
    'attempts',
    'next_attempt_at',
    'last_attempt_at',
    'last_status_code',
    'last_error',
    'created_at',
    'updated_at',
    'locked_by',
    'locked_until',
  ],
  encode: (x) => [
    x.id,
    x.messageId,
    x.endpointId,
    x.topic,
    x.status,
    x.attempts,
    ms(x.nextAttemptAt),
    ms(x.lastAttemptAt),
    x.lastStatusCode,
    json(x.lastError),
    ms(x.createdAt),
    ms(x.updatedAt),
    x.lockedBy,
    ms(x.lockedUntil),
  ],
  fromValues: (v, d) => ({
    id: String(v[0]),
    messageId: String(v[1]),
    endpointId: String(v[2]),
    topic: String(v[3]),
    status: String(v[4]) as DeliveryRecord['status'],
    attempts: Number(v[5]),
    nextAttemptAt: date(v[6]),
    lastAttemptAt: date(v[7]),
    lastStatusCode: num(v[8]),
    lastError: parsed(v[9], d) as DeliveryRecord['lastError'],
    createdAt: date(v[10])!,
    updatedAt: date(v[11])!,
    lockedBy: str(v[12]),
    lockedUntil: date(v[13]),
  }),
});

export const attemptCodec: TableCodec<DeliveryAttempt> = {
  columns: [
    'id',
    'delivery_id',
    'attempt',
    'triggered_by',
    'started_at',
    'duration_ms',
    'status_code',
    'error',
    'response_headers',
    'response_snippet',
  ],
  encode: (a) => [
    a.id,
    a.deliveryId,
    a.attempt,
    a.trigger,
    ms(a.startedAt),
    a.durationMs,
    a.statusCode,
    json(a.error),
    json(a.responseHeaders),
    a.responseSnippet,
  ],
  decode: (r, d) => ({
    id: String(r.id),
    deliveryId: String(r.delivery_id),
    attempt: Number(r.attempt),
    trigger: String(r.triggered_by) as DeliveryAttempt['trigger'],
    startedAt: date(r.started_at)!,
    durationMs: Number(r.duration_ms),
    statusCode: num(r.status_code),
    error: parsed(r.error, d) as DeliveryAttempt['error'],
    responseHeaders: parsed(r.response_headers, d) as Record<string, string>,
    responseSnippet: str(r.response_snippet),
  }),
};
