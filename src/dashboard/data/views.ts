import type {
  DeliveryAttempt,
  DeliveryRecord,
  EndpointRecord,
  JobRecord,
  Message,
  NormalizedSchedule,
  RunRecord,
} from '../../index.js';
import { safeUrl } from '../../transport/safe-url.js';

/**
 * What the pages may show of a job: its definition without a header value, signing secret, body or payload
 * (only that they exist), and its URL by origin and path.
 */
export interface JobView {
  id: string;
  name: string | null;
  schedule: NormalizedSchedule;
  target:
    | {
        kind: 'http';
        method: string;
        url: string;
        headerNames: string[];
        bodyBytes: number | null;
        signed: boolean;
        timeoutMs: number | null;
      }
    | { kind: 'handler'; handler: string; hasPayload: boolean; timeoutMs: number | null };
  retry: JobRecord['retry'];
  overlap: JobRecord['overlap'];
  catchUp: JobRecord['catchUp'];
  successStatuses: number[] | null;
  jitterMs: number;
  startAt: Date | null;
  endAt: Date | null;
  maxRuns: number | null;
  enabled: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  nextRunAt: Date | null;
  runCount: number;
}

/**
 * A URL as shown: by the core's one safe form (origin and path, never credentials or the query), with `?…`
 * marking that a query was left out.
 */
export function shownUrl(url: string): string {
  const safe = safeUrl(url);
  if (safe === '') return '(not an http URL)';
  return URL.parse(url)?.search ? `${safe}?…` : safe;
}

export function jobView(job: JobRecord): JobView {
  const t = job.target;
  const target: JobView['target'] =
    'url' in t
      ? {
          kind: 'http',
          method: (t.method ?? 'POST').toUpperCase(),
          url: shownUrl(t.url),
          headerNames: Object.keys(t.headers ?? {}).sort(),
          bodyBytes:
            t.body === undefined
              ? null
              : Buffer.byteLength(typeof t.body === 'string' ? t.body : JSON.stringify(t.body)),
          signed:
            typeof t.signingSecret === 'string' ||
            (t as { hasSigningSecret?: boolean }).hasSigningSecret === true,
          timeoutMs: t.timeoutMs ?? null,
        }
      : {
          kind: 'handler',
          handler: t.handler,
          hasPayload: t.payload !== undefined,
          timeoutMs: t.timeoutMs ?? null,
        };
  return {
    id: job.id,
    name: job.name,
    schedule: job.schedule,
    target,
    retry: job.retry,
    overlap: job.overlap,
    catchUp: job.catchUp,
    successStatuses: job.successStatuses,
    jitterMs: job.jitterMs,
    startAt: job.startAt,
    endAt: job.endAt,
    maxRuns: job.maxRuns,
    enabled: job.enabled,
    metadata: job.metadata,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    nextRunAt: job.nextRunAt,
    runCount: job.runCount,
  };
}

/** A run as shown; its lease and occurrence key stay out. */
export type RunView = Omit<RunRecord, 'lockedUntil' | 'occurrenceKey'>;

export function runView(run: RunRecord): RunView {
  const { lockedUntil: _l, occurrenceKey: _o, ...rest } = run;
  return rest;
}

/** An endpoint as shown: header names, whether it has an authorization value, and how many secrets sign. */
export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  topics: string[];
  jobIds: string[] | null;
  match: EndpointRecord['match'];
  headerNames: string[];
  hasAuthorization: boolean;
  enabled: boolean;
  disabledReason: EndpointRecord['disabledReason'];
  disabledAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Secrets signing now (more than one during a rotation's grace period). */
  signingSecrets: number;
  /** When the last of the previous secrets stops signing; null when only the current one signs. */
  graceEndsAt: Date | null;
}

export function endpointView(endpoint: EndpointRecord, now: Date): EndpointView {
  const active = endpoint.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now);
  const ends = active.map((s) => s.expiresAt?.getTime()).filter((t): t is number => t !== undefined);
  return {
    id: endpoint.id,
    url: shownUrl(endpoint.url),
    description: endpoint.description,
    topics: endpoint.topics,
    jobIds: endpoint.jobIds,
    match: endpoint.match,
    headerNames: Object.keys(endpoint.headers).sort(),
    hasAuthorization: endpoint.authorization !== null,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: endpoint.disabledAt,
    failingSince: endpoint.failingSince,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    signingSecrets: active.length,
    graceEndsAt: ends.length === 0 ? null : new Date(Math.max(...ends)),
  };
}

/** A delivery as shown, without its lease. */
export type DeliveryView = Omit<DeliveryRecord, 'lockedBy' | 'lockedUntil'>;

export function deliveryView(delivery: DeliveryRecord): DeliveryView {
  const { lockedBy: _b, lockedUntil: _u, ...rest } = delivery;
  return rest;
}

/** A delivery with its message (the exact body sent; its id is the `webhook-id`) and every attempt. */
export interface DeliveryDetailView extends DeliveryView {
  message: Message;
  attemptLog: DeliveryAttempt[];
}
