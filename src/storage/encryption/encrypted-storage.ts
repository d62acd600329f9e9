import { CronhookError } from '../../errors.js';
import type { EndpointRecord } from '../../notifier/types.js';
import { readyStorage } from '../readiness.js';
import type { ClaimOptions, JobRecord, ListJobsOptions, Storage } from '../types.js';
import { parseEncryptionKeys } from './encryption-keys.js';
import { checkKeys } from './key-check.js';
import { PassThroughStorage } from './pass-through-storage.js';
import { type ReencryptResult, reencrypt } from './reencrypt.js';
import { SecretBox } from './secret-box.js';
import { mapEndpointSecrets, mapJobSecrets } from './secret-fields.js';

/** Options of `new EncryptedStorage(storage, options)`. */
export interface EncryptedStorageOptions {
  /**
   * AES-256-GCM keys, newest first: 32 random bytes each, as base64 (44 characters), hex (64) or a
   * `Uint8Array`. The first encrypts every value written; any of them decrypts. To rotate, put the new key
   * first, keep the old one after it, run {@link EncryptedStorage.reencrypt}, then drop the old key.
   * Required (there is no default key).
   * @example new EncryptedStorage(storage, { keys: [process.env.CRONHOOK_KEY_2026, process.env.CRONHOOK_KEY_2025] })
   */
  keys: Array<string | Uint8Array>;
}

/**
 * How each Storage member is treated, checked by the compiler: a member added to {@link Storage} fails to
 * compile here until it is placed, so no new method can pass secrets to an adapter unencrypted (or hand
 * ciphertext to a caller) by being forwarded blindly. The members that pass are {@link PassThroughStorage}'s.
 */
const MEMBERS = {
  migrate: 'checks keys',
  ready: 'checks keys, once',
  close: 'passes',
  subscribe: 'passes',
  shared: 'passes',
  insertJob: 'seals',
  updateJob: 'seals',
  replaceJob: 'seals, when the storage underneath has it',
  getJob: 'opens',
  peekJob:
    "left out: the adapter's own shared records hold ciphertext, and opened ones would be decrypted copies kept per record for in-process storage only; triggerJob reads with getJob",
  listJobs: 'opens',
  deleteJob: 'passes',
  nextDueAt: 'passes',
  claimDueJobs: 'opens',
  advanceJob: 'passes: runs and schedule state hold no secrets',
  insertRun: 'passes',
  updateRun: 'passes',
  getRun: 'passes',
  listRuns: 'passes',
  renewRunLeases: 'passes',
  claimExpiredRuns: 'passes',
  claimRunRequests: 'passes, when the storage underneath has it: runs hold no secrets',
  pruneRuns: 'passes',
  insertRunNow: 'passes, when the storage underneath has it: runs hold no secrets',
  updateRunNow: 'passes, when the storage underneath has it',
  pruneRunsNow: 'passes, when the storage underneath has it',
  insertEndpoint: 'seals',
  updateEndpoint: 'seals',
  replaceEndpoint: 'seals, when the storage underneath has it',
  getEndpoint: 'opens',
  getDeliveryEndpoint: 'opens, when the storage underneath has it',
  listEndpoints: 'opens',
  peekEndpoints: 'left out, as peekJob; publish lists endpoints (or uses currentEndpoints, which opens)',
  currentEndpoints:
    'opens, when the storage underneath has it: each record it hands out is opened once, kept while it hands out that record again',
  deleteEndpoint: 'passes',
  insertMessage: 'passes: messages are the bodies sent to receivers, not secrets',
  insertFanout: 'passes, as insertMessage',
  getMessage: 'passes',
  claimDeliveries: 'passes',
  completeAttempt:
    'passes, its endpoint patch cut to the status fields it declares (a record would carry secrets)',
  completeAttemptNow: 'passes, when the storage underneath has it, as completeAttempt',
  updateDelivery: 'passes',
  getDelivery: 'passes',
  listDeliveries: 'passes',
  listAttempts: 'passes',
  nextDeliveryAt: 'passes',
  pruneDeliveries: 'passes',
  stats: 'passes: counts only',
  latestRuns: 'passes',
  listFailingJobs: 'opens',
} satisfies Record<keyof Storage, string>;
void MEMBERS;

/**
 * Encryption at rest for any storage: wraps an adapter (SQLite, Postgres, your own) so that the secrets
 * cronhook keeps (endpoint signing secrets, authorization and header values; HTTP jobs' signing secrets and
 * header values) reach it only as AES-256-GCM ciphertext, and come back decrypted. Everything else passes
 * through unchanged. Give the same wrapped storage to the Scheduler and the WebhookNotifier.
 *
 * Values written before encryption was turned on are read as they are; {@link reencrypt} encrypts them, and
 * moves values sealed with an older key to the newest one. `ready()` and `migrate()` (`start()` calls one)
 * check that the keys open what is stored, so a wrong or missing key fails at start-up with `ERR_ENCRYPTION_KEY`; a value
 * that still cannot be decrypted later is never used as if it were the secret: the delivery or run that
 * needs it fails with the same code (the delivery stays pending, its attempts not spent).
 *
 * @example
 * import { EncryptedStorage, Scheduler, WebhookNotifier } from 'cronhook';
 * import { SqliteStorage } from 'cronhook/storage/sqlite';
 * const storage = new EncryptedStorage(new SqliteStorage({ path: 'cronhook.db' }), {
 *   keys: [process.env.CRONHOOK_ENCRYPTION_KEY!],
 * });
 * const scheduler = new Scheduler({ storage });
 * const notifier = new WebhookNotifier({ scheduler, storage });
 */
export class EncryptedStorage extends PassThroughStorage implements Storage {
  /** The adapter underneath, which only ever sees ciphertext. */
  readonly #inner: Storage;
  // The optional members that seal or open, when the storage underneath has them (others: PassThroughStorage).
  readonly currentEndpoints?: Storage['currentEndpoints'];
  /** currentEndpoints: the opened copy of each record the storage underneath handed out. */
  readonly #opened = new WeakMap<Readonly<EndpointRecord>, Readonly<EndpointRecord>>();
  readonly replaceJob?: Storage['replaceJob'];
  readonly replaceEndpoint?: Storage['replaceEndpoint'];
  readonly getDeliveryEndpoint?: Storage['getDeliveryEndpoint'];
  readonly listFailingJobs?: Storage['listFailingJobs'];
  readonly #box: SecretBox;
  /** The keys opened what is stored (checked by migrate() or the first ready() that got that far). */
  #keysChecked = false;
  readonly #seal: (value: string, context: string) => string;
  readonly #open: (value: string, context: string) => string;

  constructor(storage: Storage, options: EncryptedStorageOptions) {
    if (storage === null || typeof storage !== 'object' || typeof storage.getEndpoint !== 'function') {
      throw new CronhookError('ERR_INVALID_OPTION', 'EncryptedStorage: storage must be a Storage adapter', {
        field: 'storage',
      });
    }
    if (options === null || typeof options !== 'object') {
      throw new CronhookError('ERR_INVALID_OPTION', 'EncryptedStorage: options must be an object with keys', {
        field: 'options',
      });
    }
    super(storage);
    this.#inner = storage;
    this.#box = new SecretBox(parseEncryptionKeys(options.keys));
    this.#seal = (value, context) => this.#box.seal(value, context);
    // A value no key opens stays sealed: whoever needs it refuses it (ERR_ENCRYPTION_KEY) instead of using
    // ciphertext as a secret, and writing the record back keeps it as it was.
    this.#open = (value, context) => this.#box.open(value, context) ?? value;
    if (storage.currentEndpoints) {
      this.currentEndpoints = async () =>
        (await storage.currentEndpoints!()).map((sealed) => {
          const kept = this.#opened.get(sealed);
          if (kept !== undefined) return kept;
          const opened = this.#openEndpoint(sealed);
          this.#opened.set(sealed, opened);
          return opened;
        });
    }
    if (storage.replaceJob) {
      this.replaceJob = (job, expected, state) =>
        storage.replaceJob!(mapJobSecrets(job, this.#seal), expected, state);
    }
    if (storage.getDeliveryEndpoint) {
      this.getDeliveryEndpoint = async (id) => {
        const endpoint = await storage.getDeliveryEndpoint!(id);
        return endpoint === null ? null : this.#openEndpoint(endpoint);
      };
    }
    if (storage.replaceEndpoint) {
      this.replaceEndpoint = (endpoint, expected) =>
        storage.replaceEndpoint!(mapEndpointSecrets(endpoint, this.#seal), expected);
    }
    if (storage.listFailingJobs) {
      this.listFailingJobs = async (options) => (await storage.listFailingJobs!(options)).map(this.#openJob);
    }
  }

  /** Ids of the keys given, newest first (8 hex characters derived from each key; never the key). */
  get keyIds(): string[] {
    return this.#box.keyIds;
  }

  /**
   * Migrates the storage underneath, then checks the keys against what is stored (the first 100 endpoints
   * and jobs): a value sealed with a key not given, or one that fails to decrypt, rejects with
   * `ERR_ENCRYPTION_KEY` naming the record and the key id.
   */
  async migrate(): Promise<void> {
    await this.#inner.migrate();
    await checkKeys(this.#inner, this.#box);
    this.#keysChecked = true;
  }

  /**
   * Makes the storage underneath ready (its `ready()`, else `migrate()`), then checks the keys as `migrate()`
   * does, the first time it succeeds: `scheduler.start()` and `notifier.start()` call this.
   */
  async ready(): Promise<void> {
    await readyStorage(this.#inner);
    if (this.#keysChecked) return;
    await checkKeys(this.#inner, this.#box);
    this.#keysChecked = true;
  }

  /**
   * Rewrites every endpoint and job holding a plaintext secret (written before encryption was turned on)
   * or one sealed with an older key, so that all are sealed with the newest key; then older keys can be
   * dropped. Idempotent: a second run rewrites nothing. Each record is read again just before it is written,
   * and written only if unchanged since (`replaceEndpoint` / `replaceJob` when the storage has them; for a job
   * that includes its next run, run count and lease, which a running scheduler's claims change), else read
   * again. With a storage that lacks them the last writer wins: re-encrypt jobs while the schedulers are
   * stopped then (for example `cronhook encryption reencrypt` during a deploy).
   * @example
   * const { endpoints, jobs, undecryptable } = await storage.reencrypt();
   */
  reencrypt(): Promise<ReencryptResult> {
    return reencrypt(this.#inner, this.#box);
  }

  #openJob = (job: JobRecord): JobRecord => mapJobSecrets(job, this.#open);
  #openEndpoint = (endpoint: EndpointRecord): EndpointRecord => mapEndpointSecrets(endpoint, this.#open);

  insertJob(job: JobRecord): Promise<void> {
    return this.#inner.insertJob(mapJobSecrets(job, this.#seal));
  }
  updateJob(job: JobRecord): Promise<void> {
    return this.#inner.updateJob(mapJobSecrets(job, this.#seal));
  }
  async getJob(id: string): Promise<JobRecord | null> {
    const job = await this.#inner.getJob(id);
    return job === null ? null : this.#openJob(job);
  }
  async listJobs(options?: ListJobsOptions): Promise<JobRecord[]> {
    return (await this.#inner.listJobs(options)).map(this.#openJob);
  }
  async claimDueJobs(options: ClaimOptions): Promise<JobRecord[]> {
    return (await this.#inner.claimDueJobs(options)).map(this.#openJob);
  }

  insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#inner.insertEndpoint(mapEndpointSecrets(endpoint, this.#seal));
  }
  updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    return this.#inner.updateEndpoint(mapEndpointSecrets(endpoint, this.#seal));
  }
  async getEndpoint(id: string): Promise<EndpointRecord | null> {
    const endpoint = await this.#inner.getEndpoint(id);
    return endpoint === null ? null : this.#openEndpoint(endpoint);
  }
  async listEndpoints(options?: { limit?: number; after?: string }): Promise<EndpointRecord[]> {
    return (await this.#inner.listEndpoints(options)).map(this.#openEndpoint);
  }
}
