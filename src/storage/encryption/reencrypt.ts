import { CronhookError } from '../../errors.js';
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
interface RecordKind<T extends { id: string; updatedAt: Date }> {
  name: string;
  list(page: { limit: number; after?: string }): Promise<T[]>;
  get(id: string): Promise<T | null>;
  /** Writes `record`; false when the stored one is no longer the one read (updated at `read`). */
  write(record: T, read: Date): Promise<boolean>;
  map(record: T, f: SecretTransform): T;
}

/** Times a record that keeps changing under re-encryption is read and written again before giving up. */
const TRIES = 20;

/** Re-encrypts one record: 'rewritten', 'stuck' (a value will not decrypt), or 'current' (nothing to do). */
async function reencryptOne<T extends { id: string; updatedAt: Date }>(
  kind: RecordKind<T>,
  id: string,
  box: SecretBox,
): Promise<'rewritten' | 'stuck' | 'current'> {
  for (let i = 0; i < TRIES; i++) {
    // Read right before writing, so the write carries the newest state of everything else.
    const current = await kind.get(id);
    const next = current === null ? null : reseal(current, kind.map, box);
    if (next === null) return 'current';
    if (next === 'stuck') return 'stuck';
    if (await kind.write(next, current!.updatedAt)) return 'rewritten';
  }
  throw new CronhookError(
    'ERR_STORAGE',
    `reencrypt: ${kind.name} ${id} was changed by another process each of ${TRIES} times it was rewritten; ` +
      'run reencrypt again',
  );
}

/** Rewrites the records of one kind that need it; returns [rewritten, undecryptable]. */
async function reencryptKind<T extends { id: string; updatedAt: Date }>(
  kind: RecordKind<T>,
  box: SecretBox,
): Promise<[number, number]> {
  let rewritten = 0;
  let undecryptable = 0;
  for (let after: string | undefined; ; ) {
    const page = await kind.list({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const listed of page) {
      if (reseal(listed, kind.map, box) === null) continue;
      const outcome = await reencryptOne(kind, listed.id, box);
      if (outcome === 'rewritten') rewritten++;
      else if (outcome === 'stuck') undecryptable++;
    }
    if (page.length < PAGE) return [rewritten, undecryptable];
    after = page[page.length - 1]!.id;
  }
}

/**
 * `EncryptedStorage.reencrypt()` over the storage underneath. Records are rewritten with `replaceEndpoint` /
 * `replaceJob` when the storage has them, so a record changed by another process since it was read is read
 * again instead of being overwritten; otherwise with `updateEndpoint` / `updateJob`.
 */
export async function reencrypt(storage: Storage, box: SecretBox): Promise<ReencryptResult> {
  const [endpoints, stuckEndpoints] = await reencryptKind<EndpointRecord>(
    {
      name: 'endpoint',
      list: (page) => storage.listEndpoints(page),
      get: (id) => storage.getEndpoint(id),
      write: async (record, read) => {
        if (storage.replaceEndpoint) return storage.replaceEndpoint(record, read);
        await storage.updateEndpoint(record);
        return true;
      },
      map: mapEndpointSecrets,
    },
    box,
  );
  const [jobs, stuckJobs] = await reencryptKind<JobRecord>(
    {
      name: 'job',
      list: (page) => storage.listJobs(page),
      get: (id) => storage.getJob(id),
      write: async (record, read) => {
        // The resealed record carries the schedule state as read: a claim or advance since is not undone.
        if (storage.replaceJob) return storage.replaceJob(record, read, record);
        await storage.updateJob(record);
        return true;
      },
      map: mapJobSecrets,
    },
    box,
  );
  return { endpoints, jobs, undecryptable: stuckEndpoints + stuckJobs };
}
