import { randomBytes } from 'node:crypto';
import { CronhookError, describeValue } from '../../errors.js';
import { signHubSignature, signWebhook } from '../../verify/index.js';
import { MAX_SECRET_BYTES, SECRET_PREFIX, secretKey } from '../../verify/secret.js';
import type { EndpointSecret } from '../types.js';
import type { SigningKeys } from './signing-keys.js';

export { signHubSignature, signWebhook };

/** Most secrets an endpoint signs with at once (the current one plus those in their grace period). */
export const MAX_ACTIVE_SECRETS = 10;

/**
 * A new signing secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * const secret = generateSecret(); // 'whsec_k3J…'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * Checks a secret the host app supplies: `whsec_` followed by canonical base64 of 24 to 64 bytes, as
 * cronhook/verify reads it (src/verify/secret.ts), so receivers accept what the sender signs with. The
 * message never repeats the value, since it is a secret.
 */
export function validateSecret(secret: unknown, field = 'secret'): string {
  const fail = (why: string) =>
    new CronhookError(
      'ERR_INVALID_ENDPOINT',
      `${field} ${why}; expected "whsec_" followed by base64 of 24 to 64 random bytes (omit it to have one generated)`,
      { field },
    );
  if (typeof secret !== 'string') throw fail(`must be a string, got ${describeValue(typeof secret)}`);
  if (!secret.startsWith(SECRET_PREFIX)) throw fail('does not start with "whsec_"');
  const key = secretKey(secret);
  if (typeof key === 'string') throw fail(key);
  if (key.length > MAX_SECRET_BYTES) throw fail(`decodes to ${key.length} bytes`);
  return secret;
}

/**
 * The secrets that sign at `now`, newest first: the current one (no expiry), then those still within their
 * grace. Ties in `createdAt` (two rotations in one millisecond) fall back to the list order, newest last.
 */
export function activeSecrets(secrets: readonly EndpointSecret[], now: number): string[] {
  // The usual case, one current secret, without building and sorting a list per attempt.
  if (secrets.length === 1) {
    const only = secrets[0]!;
    return only.expiresAt === null || only.expiresAt.getTime() > now ? [only.secret] : [];
  }
  return secrets
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => s.expiresAt === null || s.expiresAt.getTime() > now)
    .sort(
      (a, b) =>
        Number(a.s.expiresAt !== null) - Number(b.s.expiresAt !== null) ||
        b.s.createdAt.getTime() - a.s.createdAt.getTime() ||
        b.index - a.index,
    )
    .map(({ s }) => s.secret);
}

export type SignatureHeaders = 'standard' | 'hub' | 'both';

export interface SignedHeadersInput {
  /** Whose secrets these are: signing keys are cached per endpoint. */
  endpointId: string;
  messageId: string;
  /** Epoch ms of this attempt. */
  now: number;
  body: string;
  /** Active secrets, newest first. */
  secrets: readonly string[];
  scheme: SignatureHeaders;
}

/**
 * The message id checked last, and the last timestamp as text: a message is signed for each of its endpoints
 * in a row, within one second nearly always, so its check and its text are made once for all of them.
 */
let lastCheckedId = '';
let lastTimestamp = -1;
let lastTimestampText = '';

function timestampText(timestamp: number): string {
  if (timestamp !== lastTimestamp) {
    lastTimestamp = timestamp;
    lastTimestampText = String(timestamp);
  }
  return lastTimestampText;
}

/**
 * Sets the signature headers of one attempt in `headers` (the request's own, so no object is made for them),
 * replacing any of the same name, and returns it. The Standard Webhooks headers are always sent (`webhook-id`
 * is also the idempotency key); `webhook-signature` only with 'standard' or 'both'. The hub header carries one
 * signature, by the newest secret, because that scheme has no room for several. `keys` holds each endpoint's
 * HMAC keys; the values are those of `signWebhook` and `signHubSignature`.
 */
export function signatureHeaders(
  input: SignedHeadersInput,
  keys: SigningKeys,
  headers: Record<string, string> = {},
): Record<string, string> {
  const timestamp = Math.floor(input.now / 1000);
  headers['webhook-id'] = input.messageId;
  headers['webhook-timestamp'] = timestampText(timestamp);
  if (input.scheme !== 'hub') {
    if (input.messageId !== lastCheckedId) {
      if (input.messageId === '' || /\s/.test(input.messageId)) {
        throw new TypeError('signWebhook: id must be a non-empty string without whitespace');
      }
      lastCheckedId = input.messageId;
    }
    if (input.secrets.length === 0) {
      throw new CronhookError('ERR_INVALID_SECRET', 'The endpoint has no active signing secret');
    }
    headers['webhook-signature'] = keys.standard(
      input.endpointId,
      input.secrets,
      input.messageId,
      timestamp,
      input.body,
    );
  }
  if (input.scheme !== 'standard' && input.secrets[0] !== undefined) {
    headers['x-hub-signature-256'] = keys.hub(input.endpointId, input.secrets, input.body);
  }
  return headers;
}
