/**
 * `cronhook/verify`: the receiver side of cronhook's webhooks. Standalone on purpose (node:crypto and the
 * import-free error base class only) so a receiver can depend on it without pulling the scheduler in.
 *
 * @example
 * import { verifyWebhook, type WebhookEvent } from 'cronhook/verify';
 * const secret = process.env.CRONHOOK_SECRET; // read once at start-up: a missing one stops the app, not each request
 * if (!secret) throw new Error('CRONHOOK_SECRET is not set');
 * app.post('/hooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook<WebhookEvent>({ payload: req.body, headers: req.headers, secret });
 *   res.sendStatus(204);
 * });
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CronhookError, type WebhookVerificationErrorCode } from '../errors.js';
import { MIN_SECRET_BYTES, secretKey } from './secret.js';

export type { ErrorInfo, WebhookVerificationErrorCode } from '../errors.js';
export type * from './webhook-events.js';

/**
 * Thrown by {@link verifyWebhook}: the request must be rejected (answer 400 or 401). Match on `code`. Like
 * every cronhook error it extends `CronhookError`, whose module imports nothing, so this entry point still
 * brings no dependency with it.
 */
export class WebhookVerificationError extends CronhookError {
  override name = 'WebhookVerificationError';
  declare readonly code: WebhookVerificationErrorCode;

  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A `whsec_…` secret, or several (any one of them may have signed). */
export type WebhookSecret = string | readonly string[];

/** A request body exactly as received: the raw string or bytes, never re-serialized JSON. */
export type WebhookPayload = string | Uint8Array;

/**
 * Request headers: Node's `req.headers`, a fetch `Headers`, or a plain record. Names are matched
 * case-insensitively.
 */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>;

export interface SignWebhookInput {
  /** The `webhook-id` (`msg_…`). */
  id: string;
  /** Unix seconds, or a Date (truncated to whole seconds). */
  timestamp: number | Date;
  /** The exact body sent. */
  payload: WebhookPayload;
  /** One secret (`whsec_` + base64 of at least 24 bytes), or several: one signature each, in the order given. */
  secret: WebhookSecret;
}

/**
 * Computes the Standard Webhooks `webhook-signature` header value: space-separated `v1,<base64>` entries,
 * one per secret, each the HMAC-SHA256 of `id.timestamp.payload` keyed with the base64-decoded secret.
 *
 * @example
 * const signature = signWebhook({ id: 'msg_1', timestamp: new Date(), payload: body, secret: 'whsec_…' });
 */
export function signWebhook(input: SignWebhookInput): string {
  const secrets = toSecretList(input.secret);
  if (typeof input.id !== 'string' || input.id === '' || /\s/.test(input.id)) {
    throw new TypeError('signWebhook: id must be a non-empty string without whitespace');
  }
  const timestamp = toUnixSeconds(input.timestamp);
  return secrets
    .map((secret) => `v1,${hmacStandard(decodeSecret(secret), input.id, timestamp, input.payload)}`)
    .join(' ');
}

/**
 * Computes an `x-hub-signature-256` value (`sha256=<hex HMAC-SHA256 of the body>`), the scheme of receivers
 * written for GitHub-style webhooks. The key is the secret string itself, as those receivers use it.
 *
 * @example
 * const header = signHubSignature({ payload: body, secret: 'whsec_…' });
 */
export function signHubSignature(input: { payload: WebhookPayload; secret: string }): string {
  if (typeof input.secret !== 'string' || input.secret === '') {
    throw new TypeError('signHubSignature: secret must be a non-empty string');
  }
  return `sha256=${createHmac('sha256', input.secret).update(toBytes(input.payload)).digest('hex')}`;
}

export interface VerifyWebhookInput {
  /** The raw body exactly as received. Parsing and re-serializing JSON changes the bytes and breaks it. */
  payload: WebhookPayload;
  headers: WebhookHeaders;
  /** The endpoint's secret, or several during a rotation. */
  secret: WebhookSecret;
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds. @default 300 */
  toleranceSec?: number;
  /** The current time. @default new Date() */
  now?: Date;
}

/**
 * Verifies a Standard Webhooks request and returns its parsed JSON body. Throws
 * {@link WebhookVerificationError} when a header is missing, the timestamp is outside `toleranceSec`, or no
 * signature matches any of the secrets (compared in constant time). Strict: a signature matches only as the
 * canonical base64 a sender writes, the timestamp is digits without a leading zero, and each secret must
 * decode to at least 24 bytes.
 *
 * The body is `unknown` until you name its type: {@link WebhookEvent} for what cronhook sends (narrow on
 * `type`), with your own published topics added as a union. The signature proves who sent the body, not that
 * it has that shape: a receiver for other senders validates it.
 *
 * @example
 * const event = verifyWebhook<WebhookEvent>({ payload: rawBody, headers: req.headers, secret: [newSecret, oldSecret] });
 * if (event.type === 'job.execution.failed') alert(event.data.job.id, event.data.run.error.message);
 */
export function verifyWebhook<T = unknown>(input: VerifyWebhookInput): T {
  const secrets = toSecretList(input.secret).map(decodeSecret);
  const id = requireHeader(input.headers, 'webhook-id');
  const timestampHeader = requireHeader(input.headers, 'webhook-timestamp');
  const signatureHeader = requireHeader(input.headers, 'webhook-signature');
  // Digits only, without leading zeros: the one spelling a sender writes.
  if (!/^(?:0|[1-9]\d{0,14})$/.test(timestampHeader)) {
    throw new WebhookVerificationError(
      'ERR_INVALID_HEADER',
      `webhook-timestamp must be unix seconds, got ${JSON.stringify(timestampHeader.slice(0, 40))}`,
    );
  }
  const timestamp = Number(timestampHeader);
  const tolerance = input.toleranceSec ?? 300;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new TypeError(`verifyWebhook: toleranceSec must be a number >= 0, got ${String(tolerance)}`);
  }
  const nowMs = input.now?.getTime() ?? Date.now();
  if (Number.isNaN(nowMs)) throw new TypeError('verifyWebhook: now is an invalid Date');
  const now = Math.floor(nowMs / 1000);
  if (timestamp < now - tolerance) {
    throw new WebhookVerificationError(
      'ERR_TIMESTAMP_TOO_OLD',
      `webhook-timestamp is ${now - timestamp} s old, more than the ${tolerance} s tolerance`,
    );
  }
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError(
      'ERR_TIMESTAMP_TOO_NEW',
      `webhook-timestamp is ${timestamp - now} s in the future, more than the ${tolerance} s tolerance`,
    );
  }

  // Signatures are compared as text, so only the canonical base64 a sender writes matches: no base64url, no
  // missing padding, nothing appended that a lenient decoder would skip.
  const candidates = signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'latin1'));
  let matched = false;
  for (const key of secrets) {
    const expected = Buffer.from(hmacStandard(key, id, timestamp, input.payload), 'latin1');
    // Every candidate is compared (no early exit) so timing reveals nothing about which one matched.
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookVerificationError(
      'ERR_INVALID_SIGNATURE',
      candidates.length === 0
        ? 'webhook-signature holds no v1 signature'
        : 'No signature in webhook-signature matches the secret (verify the raw body, not re-serialized JSON)',
    );
  }

  const text =
    typeof input.payload === 'string' ? input.payload : Buffer.from(input.payload).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new WebhookVerificationError('ERR_INVALID_PAYLOAD', 'The signed body is not valid JSON', {
      cause: error,
    });
  }
}

function hmacStandard(key: Buffer, id: string, timestamp: number, payload: WebhookPayload): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(toBytes(payload)).digest('base64');
}

function toBytes(payload: WebhookPayload): string | Uint8Array {
  if (typeof payload === 'string' || payload instanceof Uint8Array) return payload;
  throw new WebhookVerificationError(
    'ERR_INVALID_PAYLOAD',
    'payload must be the raw body as a string or bytes (Buffer, Uint8Array), not a parsed object',
  );
}

function toSecretList(secret: WebhookSecret): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...secret] : null;
  if (list === null || list.length === 0) {
    throw new WebhookVerificationError('ERR_INVALID_SECRET', 'secret must be a string or a non-empty array');
  }
  return list;
}

/**
 * Key bytes of a secret; the `whsec_` prefix is optional, as in other Standard Webhooks libraries. A secret
 * too short to resist guessing is refused, as senders refuse it.
 */
function decodeSecret(secret: string): Buffer {
  if (typeof secret !== 'string') {
    throw new WebhookVerificationError('ERR_INVALID_SECRET', 'Each secret must be a string');
  }
  const key = secretKey(secret);
  if (typeof key === 'string') {
    throw new WebhookVerificationError(
      'ERR_INVALID_SECRET',
      `A secret must be "whsec_" followed by base64 of at least ${MIN_SECRET_BYTES} bytes, as shown when the ` +
        `endpoint was created; this one ${key}`,
    );
  }
  return key;
}

function toUnixSeconds(timestamp: number | Date): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError('signWebhook: timestamp must be whole unix seconds or a valid Date');
  }
  return seconds;
}

function requireHeader(headers: WebhookHeaders, name: string): string {
  let value: string | readonly string[] | null | undefined;
  if (headers === null || (typeof headers !== 'object' && typeof headers !== 'function')) {
    // A framework that hands over no headers: every header is missing, which the caller answers with 400.
    throw new WebhookVerificationError(
      'ERR_MISSING_HEADER',
      `The ${name} header is missing (no headers given)`,
    );
  }
  if (typeof (headers as { get?: unknown }).get === 'function') {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const record = headers as Record<string, string | readonly string[] | undefined>;
    value = record[name];
    if (value === undefined) {
      const key = Object.keys(record).find((k) => k.toLowerCase() === name);
      if (key !== undefined) value = record[key];
    }
  }
  const text =
    typeof value === 'string'
      ? value
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value.join(' ')
        : undefined;
  if (text === undefined && value !== undefined && value !== null) {
    throw new WebhookVerificationError('ERR_INVALID_HEADER', `The ${name} header is not text`);
  }
  if (text === undefined || text.trim() === '') {
    throw new WebhookVerificationError('ERR_MISSING_HEADER', `The ${name} header is missing`);
  }
  return text.trim();
}
