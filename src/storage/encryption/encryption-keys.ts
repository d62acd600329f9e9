import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { CronhookError, describeValue } from '../../errors.js';

/** One key the host app gave, ready for AES-256-GCM. */
export interface EncryptionKey {
  /**
   * 8 hex characters derived from the key (HMAC-SHA256 of a fixed label), stored with each value so the
   * right key is picked without trying every one, and named in errors instead of the key itself.
   */
  id: string;
  key: KeyObject;
}

/** Keys given at once; more is a sign of a mistake (a list that is never trimmed). */
export const MAX_ENCRYPTION_KEYS = 16;
const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * A new key for {@link EncryptedStorage}: base64 of 32 random bytes. Keep it where the app keeps its other
 * secrets (an environment variable, a secret manager), never next to the database.
 *
 * @example
 * const key = generateEncryptionKey(); // 'q0b6…=' (44 characters)
 */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function keyError(field: string, why: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_OPTION',
    `EncryptedStorage option ${field} ${why}; expected 32 random bytes as base64 (44 characters), hex ` +
      '(64 characters) or a Uint8Array (make one with generateEncryptionKey() or `openssl rand -base64 32`)',
    { field },
  );
}

/** The id stored with values sealed by `key`. */
function keyId(bytes: Uint8Array): string {
  return createHmac('sha256', bytes).update('cronhook encryption key id v1').digest('hex').slice(0, 8);
}

function keyBytes(value: unknown, field: string): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== KEY_BYTES) throw keyError(field, `is ${value.length} bytes long`);
    return value;
  }
  // The value is never echoed: it is a key.
  if (typeof value !== 'string') throw keyError(field, `is ${describeValue(typeof value)}`);
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (BASE64_KEY.test(value)) {
    const bytes = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  throw keyError(field, `is not 32 bytes of base64 or hex (a string of ${value.length} characters)`);
}

/**
 * Checks the keys given, newest first, and prepares them. Refuses an empty list, a malformed key and the same
 * key twice, naming the position (`keys[1]`), never the value.
 */
export function parseEncryptionKeys(keys: unknown): EncryptionKey[] {
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_ENCRYPTION_KEYS) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      `EncryptedStorage option keys is ${describeValue(keys)}; expected an array of 1 to ` +
        `${MAX_ENCRYPTION_KEYS} keys, newest first`,
      { field: 'keys' },
    );
  }
  const parsed: EncryptionKey[] = [];
  keys.forEach((value, i) => {
    const bytes = keyBytes(value, `keys[${i}]`);
    const id = keyId(bytes);
    if (parsed.some((k) => k.id === id)) throw keyError(`keys[${i}]`, 'repeats an earlier key');
    parsed.push({ id, key: createSecretKey(bytes) });
  });
  return parsed;
}
