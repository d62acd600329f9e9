import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { CronhookError } from '../errors.js';

/** Secrets whose keys are kept; past this the oldest entry is dropped (an endpoint has at most 10 active). */
const MAX_KEYS = 1_024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * HMAC keys of the secrets a notifier signs with, made once per secret. Turning raw key bytes into a key
 * costs several times the HMAC itself in Node (`createHmac` prepares a fresh key from a Buffer or string
 * on every call), and every attempt of an endpoint signs with the same secrets. Keyed by the secret
 * itself, so a rotated secret simply gets its own entry; the map is bounded and belongs to one notifier.
 */
export class SigningKeys {
  readonly #standard = new Map<string, KeyObject>();
  readonly #hub = new Map<string, KeyObject>();

  /**
   * The Standard Webhooks signature (base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the secret's
   * base64-decoded bytes), exactly as `signWebhook` in cronhook/verify computes it.
   */
  standard(secret: string, id: string, timestamp: number, body: string): string {
    const key = this.#standard.get(secret) ?? remember(this.#standard, secret, standardKey(secret));
    return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  }

  /** The `x-hub-signature-256` value: hex HMAC-SHA256 of the body keyed with the secret string itself. */
  hub(secret: string, body: string): string {
    const key = this.#hub.get(secret) ?? remember(this.#hub, secret, createSecretKey(secret, 'utf8'));
    return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  }
}

function remember(cache: Map<string, KeyObject>, secret: string, key: KeyObject): KeyObject {
  if (cache.size >= MAX_KEYS) cache.delete(cache.keys().next().value as string);
  cache.set(secret, key);
  return key;
}

/** The key bytes of a `whsec_` secret, checked as cronhook/verify checks them (the prefix is optional). */
function standardKey(secret: string): KeyObject {
  const encoded = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!BASE64.test(encoded)) {
    // Never the value: it is a secret.
    throw new CronhookError(
      'ERR_INVALID_SECRET',
      'A stored signing secret is not "whsec_" followed by base64',
    );
  }
  return createSecretKey(Buffer.from(encoded, 'base64'));
}
