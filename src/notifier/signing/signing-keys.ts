import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { sameElements } from '../../arrays.js';
import { CronhookError } from '../../errors.js';

/** Endpoints whose keys are kept; past this the entry stored first is dropped (and remade when needed). */
const MAX_ENDPOINTS = 1_024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** SHA-256's block and digest sizes, in bytes. */
const BLOCK = 64;
const DIGEST = 32;

/**
 * A Standard Webhooks key as HMAC-SHA256 uses it (RFC 2104): padded to SHA-256's block (hashed first when
 * longer) and XORed with ipad (0x36) and opad (0x5c).
 */
interface PaddedKey {
  inner: Buffer;
  outer: Buffer;
}

interface EndpointKeys {
  /** The active secrets these keys were made from, newest first. */
  secrets: readonly string[];
  standard: PaddedKey[];
  /** Made on first use: only `signatureHeaders: 'hub' | 'both'` needs it. */
  hub: KeyObject | null;
}

/**
 * The HMAC keys each endpoint currently signs with, made once rather than per attempt: turning raw key
 * bytes into a key costs several times the HMAC itself in Node (`createHmac` prepares a fresh key from a
 * Buffer or string on every call). An endpoint's entry is replaced as soon as its active secrets differ
 * (a rotation, or a grace period that ended), so a retired secret's key is not kept. One per notifier.
 *
 * A Standard Webhooks signature is HMAC-SHA256 as RFC 2104 defines it, made of two one-shot SHA-256 calls:
 * `SHA256(key ^ opad || SHA256(key ^ ipad || id.timestamp.body))`. Every endpoint of a message signs the same
 * content with its own key, and `createHmac` cost ~2 µs per signature (a stream object, a key handle, three
 * calls into C++), the two hashes ~0.8. So the content's bytes are encoded once per message and timestamp,
 * after a block left for the inner key, and each signature copies its padded keys in place and hashes:
 * nothing is allocated per attempt but the digest strings.
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
  /** A block (the inner key's place) and the content's UTF-8 bytes: the inner hash's input. */
  #signed: Buffer = Buffer.alloc(BLOCK);
  /** The outer hash's input: the outer key, then the inner digest. */
  readonly #outer = Buffer.alloc(BLOCK + DIGEST);

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
    const inner = this.#content(id, timestamp, body);
    const outer = this.#outer;
    let header = '';
    for (const key of standard) {
      if (header !== '') header += ' ';
      inner.set(key.inner, 0);
      outer.set(key.outer, 0);
      // 'binary' (latin1): the digest's 32 bytes as 32 characters and back; a Buffer result costs ~1 µs more.
      outer.write(hash('sha256', inner, 'binary'), BLOCK, DIGEST, 'binary');
      header += `v1,${hash('sha256', outer, 'base64')}`;
    }
    return header;
  }

  /**
   * A block, then the bytes of `id.timestamp.body` (as `update` would encode the joined string): those made
   * for the previous signature when that was of the same content.
   */
  #content(id: string, timestamp: number, body: string): Buffer {
    if (id !== this.#signedId || timestamp !== this.#signedTimestamp || body !== this.#signedBody) {
      const head = `${id}.${timestamp}.`;
      const headBytes = Buffer.byteLength(head);
      const signed = Buffer.allocUnsafe(BLOCK + headBytes + Buffer.byteLength(body));
      signed.write(head, BLOCK);
      signed.write(body, BLOCK + headBytes);
      this.#signedId = id;
      this.#signedTimestamp = timestamp;
      this.#signedBody = body;
      this.#signed = signed;
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

/** The padded keys of a `whsec_` secret, checked as cronhook/verify checks it (the prefix is optional). */
function standardKey(secret: string): PaddedKey {
  const encoded = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!BASE64.test(encoded)) {
    // Never the value: it is a secret.
    throw new CronhookError(
      'ERR_INVALID_SECRET',
      'A stored signing secret is not "whsec_" followed by base64',
    );
  }
  let key = Buffer.from(encoded, 'base64');
  if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i]! ^= key[i]!;
    outer[i]! ^= key[i]!;
  }
  return { inner, outer };
}
