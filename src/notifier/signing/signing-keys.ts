import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { sameElements } from '../../arrays.js';
import { CronhookError } from '../../errors.js';
import { HMAC_BLOCK, type HmacKey, hmacBase64, hmacInput, hmacKey } from './hmac-sha256.js';

/** Endpoints whose keys are kept; past this the entry stored first is dropped (and remade when needed). */
const MAX_ENDPOINTS = 1_024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface EndpointKeys {
  /** The active secrets these keys were made from, newest first. */
  secrets: readonly string[];
  standard: HmacKey[];
  /** Made on first use: only `signatureHeaders: 'hub' | 'both'` needs it. */
  hub: KeyObject | null;
}

/**
 * The HMAC keys each endpoint currently signs with, made once rather than per attempt: turning raw key
 * bytes into a key costs several times the HMAC itself in Node (`createHmac` prepares a fresh key from a
 * Buffer or string on every call). An endpoint's entry is replaced as soon as its active secrets differ
 * (a rotation, or a grace period that ended), so a retired secret's key is not kept. One per notifier.
 * Standard Webhooks signatures are made by hmac-sha256.ts (two one-shot hashes instead of a `createHmac` per
 * attempt), over the content's bytes encoded once per message and timestamp.
 */
export class SigningKeys {
  readonly #byEndpoint = new Map<string, EndpointKeys>();
  /**
   * The last content signed (`id.timestamp.body`) and its parts: a message goes to each of its endpoints in a
   * row, within the same second nearly always, so its bytes are made once for all of them.
   */
  #signedId = '';
  #signedTimestamp = -1;
  #signedBody = '';
  /** The content as hmacBase64 signs it (see hmacInput). */
  #signed: Buffer = Buffer.alloc(HMAC_BLOCK);

  /**
   * The `webhook-signature` value: one `v1,<base64 HMAC-SHA256 of id.timestamp.body>` per active secret,
   * keyed with its base64-decoded bytes, exactly as `signWebhook` in cronhook/verify computes it.
   */
  standard(
    endpointId: string,
    secrets: readonly string[],
    id: string,
    timestamp: number,
    body: string,
  ): string {
    const { standard } = this.#keys(endpointId, secrets);
    const signed = this.#content(id, timestamp, body);
    let header = '';
    for (const key of standard) {
      if (header !== '') header += ' ';
      header += `v1,${hmacBase64(key, signed)}`;
    }
    return header;
  }

  /** `id.timestamp.body` as hmacBase64 signs it: the one made for the previous signature when the same. */
  #content(id: string, timestamp: number, body: string): Buffer {
    if (id !== this.#signedId || timestamp !== this.#signedTimestamp || body !== this.#signedBody) {
      this.#signedId = id;
      this.#signedTimestamp = timestamp;
      this.#signedBody = body;
      this.#signed = hmacInput(`${id}.${timestamp}.`, body);
    }
    return this.#signed;
  }

  /** The `x-hub-signature-256` value: hex HMAC-SHA256 of the body keyed with the newest secret's string. */
  hub(endpointId: string, secrets: readonly string[], body: string): string {
    const entry = this.#keys(endpointId, secrets);
    entry.hub ??= createSecretKey(secrets[0]!, 'utf8');
    return `sha256=${createHmac('sha256', entry.hub).update(body).digest('hex')}`;
  }

  #keys(endpointId: string, secrets: readonly string[]): EndpointKeys {
    const entry = this.#byEndpoint.get(endpointId);
    if (entry !== undefined && sameElements(entry.secrets, secrets)) return entry;
    const fresh: EndpointKeys = { secrets: [...secrets], standard: secrets.map(standardKey), hub: null };
    if (entry === undefined && this.#byEndpoint.size >= MAX_ENDPOINTS) {
      this.#byEndpoint.delete(this.#byEndpoint.keys().next().value as string);
    }
    this.#byEndpoint.set(endpointId, fresh);
    return fresh;
  }
}

/** The key of a `whsec_` secret, checked as cronhook/verify checks it (the prefix is optional). */
function standardKey(secret: string): HmacKey {
  const encoded = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!BASE64.test(encoded)) {
    // Never the value: it is a secret.
    throw new CronhookError(
      'ERR_INVALID_SECRET',
      'A stored signing secret is not "whsec_" followed by base64',
    );
  }
  return hmacKey(Buffer.from(encoded, 'base64'));
}
