import type { ErrorInfo } from '../errors.js';
import type { TraceContext } from '../telemetry/trace-context.js';
import type { HiddenUrlPart } from '../transport/safe-url.js';

/** Filter on the job an event is about. */
export interface EndpointMatch {
  /** Every key must equal the job's `metadata[key]`. */
  metadata?: Record<string, string | number | boolean | null>;
}

/** A webhook endpoint as returned by the notifier: never holds secrets or the authorization value. */
export interface Endpoint {
  id: string;
  /**
   * Where deliveries go, named safely: origin and path only, never `user:password@`, the query (it often
   * holds a token) or the fragment. Storage keeps the whole URL and deliveries go to it; `urlHidden` says
   * what was left out. To change the URL, give a whole URL; leave `url` out of a patch to keep the stored one.
   * @example 'https://hooks.example.com/in' // stored: 'https://hooks.example.com/in?token=…'
   */
  url: string;
  /**
   * The parts of the stored URL left out of `url`, in URL order; `[]` when `url` is the whole URL.
   * @default []
   * @example ['query'] // stored: 'https://hooks.example.com/in?token=…'
   */
  urlHidden: HiddenUrlPart[];
  description: string | null;
  /** Topics, or wildcards `job.*` and `*`. */
  topics: string[];
  /** Only events of these jobs; null for all. */
  jobIds: string[] | null;
  match: EndpointMatch | null;
  /** Extra header names sent with each delivery (values are not returned). */
  headerNames: string[];
  hasAuthorization: boolean;
  enabled: boolean;
  /** Deliveries carry the W3C `traceparent`/`tracestate` of their attempt's span (when telemetry is on). */
  propagateTraceContext: boolean;
  disabledReason: 'manual' | 'gone' | 'failing' | null;
  disabledAt: Date | null;
  /** Start of the current streak of failed attempts; null after a success. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A signing secret and when it stops signing (null: current). */
export interface EndpointSecret {
  secret: string;
  createdAt: Date;
  expiresAt: Date | null;
}

/** An endpoint as stored, with its secrets. Only storage and the notifier see it. */
export interface EndpointRecord extends Omit<Endpoint, 'urlHidden' | 'headerNames' | 'hasAuthorization'> {
  /** The whole URL deliveries go to, query included. */
  url: string;
  headers: Record<string, string>;
  authorization: string | null;
  secrets: EndpointSecret[];
}

/** A message: one event, stored once, delivered to each matching endpoint. */
export interface Message {
  /** `msg_…`; sent as `webhook-id`, the same for every attempt and redelivery. */
  id: string;
  topic: string;
  /** The exact JSON body sent. */
  body: string;
  jobId: string | null;
  createdAt: Date;
  /**
   * The trace context the message was stored in (a run's, or the publishing code's), when telemetry was on:
   * every delivery attempt's span links to it, in whichever process makes the attempt. Null without one.
   */
  traceContext: TraceContext | null;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/**
 * Every {@link DeliveryStatus}.
 * @internal not exported by the package (its types are; this value is cronhook's own)
 */
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

/** One message to one endpoint. */
export interface Delivery {
  id: string;
  messageId: string;
  endpointId: string;
  topic: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: ErrorInfo | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A delivery as stored, with its lease. */
export interface DeliveryRecord extends Delivery {
  lockedBy: string | null;
  lockedUntil: Date | null;
}

/** One HTTP attempt of a delivery, kept in the delivery log. */
export interface DeliveryAttempt {
  id: string;
  deliveryId: string;
  /** 1-based. */
  attempt: number;
  trigger: 'auto' | 'redeliver' | 'replay' | 'ping';
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: ErrorInfo | null;
  /** Response headers of interest (retry-after, content-type, …). */
  responseHeaders: Record<string, string>;
  /** First 4 KB of the response body. */
  responseSnippet: string | null;
}

/** What `addEndpoint` takes. */
export interface EndpointInput {
  /**
   * The endpoint's id, chosen by the app (as jobs have): 1–128 letters, digits and `. _ : @ -`, starting with a
   * letter or digit. Give one to set endpoints up declaratively with `upsertEndpoint`.
   * @default a generated `ep_…` id
   */
  id?: string;
  /**
   * Where deliveries are POSTed: http or https, no credentials in the URL. Kept whole; returned by origin and
   * path only ({@link Endpoint.url}, with `urlHidden`).
   */
  url: string;
  /**
   * Topics to receive (at most 100), or wildcards: `job.*` (every topic starting with `job.`) and `*`
   * (everything).
   * @default ['*']
   */
  topics?: string[];
  description?: string | null;
  /** Sent as the `Authorization` header (visible ASCII); never returned or logged. */
  authorization?: string | null;
  /**
   * Extra headers sent with each delivery; cronhook's own headers win on a clash. Values are visible ASCII,
   * spaces and tabs, at most 8192 bytes with `authorization`; `host`, `content-length` and the other headers
   * the HTTP client sets are refused.
   */
  headers?: Record<string, string>;
  /** Only events of these jobs (at most 1000). @default null (all jobs) */
  jobIds?: string[] | null;
  /** Only events of jobs whose metadata has these values, e.g. one endpoint per customer. At most 16 KiB. */
  match?: EndpointMatch | null;
  /** `whsec_` + canonical base64 of 24–64 bytes. @default a generated secret of 32 random bytes */
  secret?: string;
  /** @default true */
  enabled?: boolean;
  /**
   * Send the W3C `traceparent`/`tracestate` headers of each attempt's span, so the receiver's spans join the
   * trace (when telemetry is on). Switch off for a receiver that must not learn trace ids.
   * @default true
   * @example await notifier.addEndpoint({ url, propagateTraceContext: false });
   */
  propagateTraceContext?: boolean;
}

/** What `updateEndpoint` takes: the fields to change. Secrets change through `rotateSecret`. */
export type EndpointPatch = Partial<Omit<EndpointInput, 'secret' | 'id'>>;

/** What `notifier.upsertEndpoint` resolves with. */
export interface UpsertEndpointResult {
  /** The endpoint as stored now (never its secrets). */
  endpoint: Endpoint;
  /** This call created it. */
  created: boolean;
  /** This call changed it (its fields, or its secret to the one given). */
  updated: boolean;
  /**
   * The signing secret, only to the call that created the endpoint (generated, or the one given), or when the
   * input gave one. Absent otherwise: the secret is never read back.
   */
  secret?: string;
}

/** `getDelivery` result: the delivery, its message and every attempt, oldest first. */
export interface DeliveryDetails extends Delivery {
  message: Message;
  attemptLog: DeliveryAttempt[];
}

/** Options of `listDeliveries`. */
export interface DeliveryQuery {
  endpointId?: string;
  status?: DeliveryStatus;
  topic?: string;
  /** Deliveries created at or after this time. */
  since?: Date;
  /**
   * Deliveries created before this time (not at it): with `since`, a window.
   * @example notifier.listDeliveries({ since: new Date('2026-03-01'), until: new Date('2026-03-02') })
   */
  until?: Date;
  /** @default 50 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of deliveries, newest first. */
export interface DeliveryPage {
  deliveries: Delivery[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

interface NotifierEventBase<T extends string> {
  type: T;
  at: Date;
}
interface DeliveryEventBase<T extends string> extends NotifierEventBase<T> {
  delivery: Delivery;
  attempt: DeliveryAttempt;
  endpoint: Endpoint;
}

/** Payloads of the notifier's events, one object per event. None holds a secret or authorization value. */
export interface NotifierEvents {
  'delivery.succeeded': DeliveryEventBase<'delivery.succeeded'>;
  /** An attempt failed and another is scheduled at `delivery.nextAttemptAt`. */
  'delivery.retrying': DeliveryEventBase<'delivery.retrying'>;
  /** The last attempt failed: the delivery is `failed` (see `replay`). */
  'delivery.failed': DeliveryEventBase<'delivery.failed'>;
  'endpoint.disabled': NotifierEventBase<'endpoint.disabled'> & {
    endpoint: Endpoint;
    reason: 'gone' | 'failing';
  };
  error: NotifierEventBase<'error'> & { error: unknown; event?: string };
}
export type NotifierEventName = keyof NotifierEvents;
