/**
 * Encryption at rest for the CLI: the keys come from the environment (never a flag, which would end up in
 * shell history and process lists), and a database whose secrets are encrypted is not opened without them.
 */
import { CronhookError } from '../errors.js';
import { EncryptedStorage } from '../storage/encryption/encrypted-storage.js';
import { findSealedKeyId } from '../storage/encryption/key-check.js';
import type { Storage } from '../storage/types.js';
import { UsageError } from './command.js';

/** The environment variable holding the keys: newest first, separated by commas or whitespace. */
export const KEYS_ENV = 'CRONHOOK_ENCRYPTION_KEYS';

/** The keys in {@link KEYS_ENV}, or null when it is unset or blank. */
export function keysFromEnv(): string[] | null {
  const text = process.env[KEYS_ENV]?.trim();
  return text ? text.split(/[\s,]+/) : null;
}

/** `storage` wrapped in EncryptedStorage with the keys of {@link KEYS_ENV}; as it is when there are none. */
export function withEnvKeys(storage: Storage): Storage {
  const keys = keysFromEnv();
  if (keys === null) return storage;
  try {
    return new EncryptedStorage(storage, { keys });
  } catch (error) {
    // The message names the key's position, never its value.
    if (error instanceof CronhookError) {
      throw new UsageError(`${KEYS_ENV} (keys newest first, comma-separated): ${error.message}`, KEYS_ENV);
    }
    throw error;
  }
}

/**
 * Refuses a storage opened without keys whose stored secrets are encrypted: the CLI would otherwise write new
 * secrets in plain text beside them, and `cronhook run` would fail every delivery that needs one.
 */
export async function refuseEncryptedWithoutKeys(storage: Storage): Promise<void> {
  if (storage instanceof EncryptedStorage) return;
  const keyId = await findSealedKeyId(storage);
  if (keyId === null) return;
  throw new CronhookError(
    'ERR_ENCRYPTION_KEY',
    `the secrets in this database are encrypted (key ${keyId}): set ${KEYS_ENV} to the key (several, ` +
      'newest first, separated by commas)',
  );
}
