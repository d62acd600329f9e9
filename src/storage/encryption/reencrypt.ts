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

/** How to page through, re-read and rewrite one kind of record. */
interface RecordKind<T extends { id: string }> {
  list(page: { limit: number; after?: string }): Promise<T[]>;
  get(id: string): Promise<T | null>;
  update(record: T): Promise<void>;
  map(record: T, f: SecretTransform): T;
}

/** Rewrites the records of one kind that need it; returns [rewritten, undecryptable]. */
async function reencryptKind<T extends { id: string }>(
  kind: RecordKind<T>,
  box: SecretBox,
): Promise<[number, number]> {
  let rewritten = 0;
  let undecryptable = 0;
  for (let after: string | undefined; ; ) {
    const page = await kind.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const listed of page) {
      if (reseal(listed, kind.map, box) === null) continue;
      // Read again right before writing, so the write carries the newest state of everything else.
      const current = await kind.get(listed.id);
      const next = current === null ? null : reseal(current, kind.map, box);
      if (next === 'stuck') undecryptable++;
      else if (next !== null) {
        await kind.update(next);
        rewritten++;
      }
    }
    if (page.length < PAGE) return [rewritten, undecryptable];
    after = page[page.length - 1]!.id;
  }
}

export async function reencrypt(storage: Storage, box: SecretBox): Promise<ReencryptResult> {
  const [endpoints, stuckEndpoints] = await reencryptKind<EndpointRecord>(
    {
      list: (page) => storage.listEndpoints(page),
      get: (id) => storage.getEndpoint(id),
      update: (record) => storage.updateEndpoint(record),
      map: mapEndpointSecrets,
    },
    box,
  );
  const [jobs, stuckJobs] = await reencryptKind<JobRecord>(
    {
      list: (page) => storage.listJobs(page),
      get: (id) => storage.getJob(id),
      update: (record) => storage.updateJob(record),
      map: mapJobSecrets,
    },
    box,
  );
  return { endpoints, jobs, undecryptable: stuckEndpoints + stuckJobs };
}
