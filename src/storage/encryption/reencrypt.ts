import type { EndpointRecord } from '../../notifier/types.js';
import type { JobRecord, Storage } from '../types.js';
import type { SecretBox } from './secret-box.js';
import { mapEndpointSecrets, mapJobSecrets, type SecretTransform } from './secret-fields.js';

/** What `EncryptedStorage.reencrypt()` did. */
export interface ReencryptResult {
  /** Endpoints rewritten with every secret sealed by the newest key. */
  endpoints: number;
  /** Jobs rewritten likewise. */
  jobs: number;
  /**
   * Records left as they were because one of their values does not decrypt with the keys given (their old
   * key is missing): give that key too and run again before dropping any key.
   */
  undecryptable: number;
}

const PAGE = 200;

/** One record's secrets resealed, or why not: null when it needs nothing, 'stuck' when a value will not open. */
function reseal<T>(record: T, map: (record: T, f: SecretTransform) => T, box: SecretBox): T | null | 'stuck' {
  let stale = false;
  let stuck = false;
  const resealed = map(record, (value, context) => {
    if (!box.isStale(value)) return value;
    stale = true;
    const plain = box.open(value, context);
    if (plain === null) {
      stuck = true;
      return value;
    }
    return box.seal(plain, context);
  });
  return stuck ? 'stuck' : stale ? resealed : null;
}

export async function reencrypt(storage: Storage, box: SecretBox): Promise<ReencryptResult> {
  const result: ReencryptResult = { endpoints: 0, jobs: 0, undecryptable: 0 };
  for (let after: string | undefined; ; ) {
    const page = await storage.listEndpoints({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const listed of page) {
      if (reseal(listed, mapEndpointSecrets, box) === null) continue;
      // Read again right before writing, so the write carries the newest state of everything else.
      const current = await storage.getEndpoint(listed.id);
      const next = current === null ? null : reseal<EndpointRecord>(current, mapEndpointSecrets, box);
      if (next === 'stuck') result.undecryptable++;
      else if (next !== null) {
        await storage.updateEndpoint(next);
        result.endpoints++;
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  for (let after: string | undefined; ; ) {
    const page = await storage.listJobs({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const listed of page) {
      if (reseal(listed, mapJobSecrets, box) === null) continue;
      const current = await storage.getJob(listed.id);
      const next = current === null ? null : reseal<JobRecord>(current, mapJobSecrets, box);
      if (next === 'stuck') result.undecryptable++;
      else if (next !== null) {
        await storage.updateJob(next);
        result.jobs++;
      }
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.id;
  }
  return result;
}
