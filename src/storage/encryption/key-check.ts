import { CronhookError } from '../../errors.js';
import type { EndpointRecord } from '../../notifier/types.js';
import type { Storage } from '../types.js';
import { isSealed, type SecretBox, sealedKeyId } from './secret-box.js';
import { mapEndpointSecrets, mapJobSecrets } from './secret-fields.js';

/** Endpoints and jobs read at start-up to check the keys: enough to catch a wrong key, cheap with 100k jobs. */
const SAMPLE = 100;

const HOW_TO_GIVE_KEYS =
  "give the key it was written with among EncryptedStorage's keys (the cronhook CLI reads them, newest " +
  'first, from the CRONHOOK_ENCRYPTION_KEYS environment variable)';

/**
 * Throws `ERR_ENCRYPTION_KEY` when `value`, about to be used as `what` (e.g. "Endpoint ep_1's
 * authorization"), is still encrypted: the storage was opened without `EncryptedStorage`, or without the key
 * the value was written with, or the value does not decrypt. Such a value is never sent as if it were the
 * secret; the message names the key id, never the value.
 */
export function requireOpened(value: string, what: string): void {
  if (!isSealed(value)) return;
  throw new CronhookError(
    'ERR_ENCRYPTION_KEY',
    `${what} is encrypted at rest with key ${sealedKeyId(value)} and could not be decrypted: ${HOW_TO_GIVE_KEYS}`,
  );
}

/** {@link requireOpened} for what an attempt to `endpoint` sends at `now`: its authorization, headers, signing secrets. */
export function requireEndpointOpened(endpoint: EndpointRecord, now: number): void {
  // Checked before every attempt: a message is only built for a value that is still sealed.
  const auth = endpoint.authorization;
  if (auth !== null && isSealed(auth)) requireOpened(auth, `${owner(endpoint)} authorization`);
  for (const name in endpoint.headers) {
    const value = endpoint.headers[name]!;
    if (isSealed(value)) requireOpened(value, `${owner(endpoint)} header ${name}`);
  }
  for (const s of endpoint.secrets) {
    if ((s.expiresAt === null || s.expiresAt.getTime() > now) && isSealed(s.secret))
      requireOpened(s.secret, `${owner(endpoint)} signing secret`);
  }
}

const owner = (endpoint: EndpointRecord) => `Endpoint ${endpoint.id}'s`;

/**
 * The start-up check of `EncryptedStorage`: every secret of the first {@link SAMPLE} endpoints and jobs must
 * decrypt with the keys given. Rejects with `ERR_ENCRYPTION_KEY` naming the first record whose value does
 * not, and the id of its key.
 */
export async function checkKeys(storage: Storage, box: SecretBox): Promise<void> {
  const [endpoints, jobs] = await Promise.all([
    storage.listEndpoints({ limit: SAMPLE }),
    storage.listJobs({ limit: SAMPLE }),
  ]);
  const check = (what: string) => (value: string, context: string) => {
    if (box.open(value, context) !== null) return value;
    const id = sealedKeyId(value)!;
    throw new CronhookError(
      'ERR_ENCRYPTION_KEY',
      box.keyIds.includes(id)
        ? `${what} do not decrypt with key ${id}: the stored value was altered or copied from another record`
        : `${what} are encrypted with key ${id}, which is not among the keys given ` +
            `(${box.keyIds.join(', ')}): ${HOW_TO_GIVE_KEYS}`,
    );
  };
  for (const endpoint of endpoints) mapEndpointSecrets(endpoint, check(`Endpoint ${endpoint.id}'s secrets`));
  for (const job of jobs) mapJobSecrets(job, check(`Job ${job.id}'s secrets`));
}

/**
 * The key id of the first encrypted value among the first {@link SAMPLE} endpoints and jobs of a storage read
 * without `EncryptedStorage`, or null when none is: the CLI refuses to work on encrypted secrets without keys.
 */
export async function findSealedKeyId(storage: Storage): Promise<string | null> {
  const [endpoints, jobs] = await Promise.all([
    storage.listEndpoints({ limit: SAMPLE }),
    storage.listJobs({ limit: SAMPLE }),
  ]);
  let found: string | null = null;
  const look = (value: string) => {
    found ??= sealedKeyId(value);
    return value;
  };
  for (const endpoint of endpoints) mapEndpointSecrets(endpoint, look);
  for (const job of jobs) mapJobSecrets(job, look);
  return found;
}
