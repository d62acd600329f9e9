import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './encryption-keys.js';

/**
 * How an encrypted value starts. What follows is `<key id>:<base64url of IV (12 bytes) | ciphertext | GCM tag
 * (16 bytes)>`. A value without it is plaintext (written before encryption was turned on).
 */
export const SEALED_PREFIX = 'cronhook:enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Values kept per cache: enough for every endpoint and job with secrets in most apps. */
const CACHE_ENTRIES = 10_000;

/** True when `value` is an encrypted value (whether or not this process can decrypt it). */
export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** The id of the key a sealed value was encrypted with (null for plaintext). */
export function sealedKeyId(value: string): string | null {
  if (!isSealed(value)) return null;
  const end = value.indexOf(':', SEALED_PREFIX.length);
  return end === -1 ? '' : value.slice(SEALED_PREFIX.length, end);
}

/**
 * AES-256-GCM over single string values, with the first key sealing and every key opening. Each value is
 * bound to where it is stored (`context`, the additional authenticated data: record kind, id and field),
 * so a value copied into another row or field does not decrypt there.
 *
 * Decrypting costs a few microseconds, and the notifier reads an endpoint's secrets for every attempt: results
 * are cached by ciphertext (the context checked on a hit; a hit costs a few hundred nanoseconds), and the
 * ciphertext made for a (context, plaintext) is reused, so rewriting an unchanged record does not make a new
 * ciphertext (and a cache miss) each time.
 */
export class SecretBox {
  readonly #keys: readonly EncryptionKey[];
  readonly #byId: ReadonlyMap<string, EncryptionKey>;
  /** Plaintext by ciphertext, with the context it was opened (or sealed) for. */
  readonly #opened = new BoundedCache<{ context: string; plaintext: string }>();
  /** Ciphertext by context and plaintext. */
  readonly #sealed = new BoundedCache<string>();

  constructor(keys: readonly EncryptionKey[]) {
    this.#keys = keys;
    this.#byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** Id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.#keys[0]!.id;
  }

  /** Ids of every key given, newest first. */
  get keyIds(): string[] {
    return this.#keys.map((k) => k.id);
  }

  /** Encrypts `plaintext` for `context` with the newest key. A value that is already sealed is kept. */
  seal(plaintext: string, context: string): string {
    if (isSealed(plaintext)) return plaintext;
    const cacheKey = `${context}\u0000${plaintext}`;
    const cached = this.#sealed.get(cacheKey);
    if (cached !== undefined) return cached;
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const sealed = `${SEALED_PREFIX}${id}:${body.toString('base64url')}`;
    this.#sealed.set(cacheKey, sealed);
    this.#opened.set(sealed, { context, plaintext });
    return sealed;
  }

  /**
   * The plaintext of `value` stored at `context`: plaintext values as they are, sealed ones decrypted. Null
   * when a sealed value cannot be opened: its key is not among ours, or it fails authentication (another
   * key with a clashing id, altered data, or a value moved from another field).
   */
  open(value: string, context: string): string | null {
    if (!isSealed(value)) return value;
    const cached = this.#opened.get(value);
    // The context is compared, not assumed: a value copied into another field must fail there.
    if (cached !== undefined && cached.context === context) return cached.plaintext;
    const id = sealedKeyId(value)!;
    const key = this.#byId.get(id);
    if (key === undefined) return null;
    const body = Buffer.from(value.slice(SEALED_PREFIX.length + id.length + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, body.subarray(0, IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plaintext =
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES), undefined, 'utf8') +
        decipher.final('utf8');
      this.#opened.set(value, { context, plaintext });
      return plaintext;
    } catch {
      return null;
    }
  }

  /** True when `value` is plaintext or sealed with an older key: re-encryption would rewrite it. */
  isStale(value: string): boolean {
    return sealedKeyId(value) !== this.currentKeyId;
  }
}

/** A Map that forgets its oldest entry past {@link CACHE_ENTRIES}. */
class BoundedCache<V> {
  readonly #map = new Map<string, V>();

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (this.#map.size >= CACHE_ENTRIES) this.#map.delete(this.#map.keys().next().value as string);
    this.#map.set(key, value);
  }
}
