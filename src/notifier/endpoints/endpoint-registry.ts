import { isDeepStrictEqual } from 'node:util';
import { CronhookError, describeValue, isCronhookError } from '../../errors.js';
import { CHANGE_ATTEMPTS, concurrentChange } from '../../storage/concurrent-change.js';
import { duplicateEndpoint } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import { newId } from '../ids.js';
import { generateSecret, validateSecret } from '../signing/signatures.js';
import type {
  Endpoint,
  EndpointInput,
  EndpointPatch,
  EndpointRecord,
  UpsertEndpointResult,
} from '../types.js';
import {
  applyEndpointPatch,
  enabledState,
  validateEndpointId,
  validateEndpointInput,
} from './endpoint-fields.js';
import { toPublicEndpoint } from './public-endpoint.js';
import { prepareRotation, type RotateSecretOptions, rotateSecrets } from './secret-rotation.js';

type EndpointFields = ReturnType<typeof validateEndpointInput>;

/** A storage's duplicate-id error (adapters written before ids could be chosen said ERR_INVALID_ENDPOINT). */
function isDuplicate(error: unknown): boolean {
  return (
    isCronhookError(error, 'ERR_DUPLICATE_ENDPOINT') ||
    (isCronhookError(error, 'ERR_INVALID_ENDPOINT') && error.field === 'id')
  );
}

/**
 * What an upsert compares: every field an input sets (taken from `source`, the stored record or the input's
 * validated fields), topics and job ids as sets, `enabled` only when the input gives it.
 */
function comparable(source: EndpointFields, fields: EndpointFields, withEnabled: boolean): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields) as (keyof EndpointFields)[]) {
    if (key !== 'enabled' || withEnabled) out[key] = source[key];
  }
  out.topics = [...source.topics].sort();
  out.jobIds = source.jobIds === null ? null : [...source.jobIds].sort();
  return out;
}

/**
 * The endpoints the app registers, behind the notifier's endpoint methods: validates input before anything
 * is stored, keeps secrets out of what it returns, and wakes the dispatcher when an endpoint is enabled so
 * its waiting deliveries are sent.
 */
export class EndpointRegistry {
  readonly #storage: Storage;
  readonly #now: () => Date;
  readonly #wake: () => void;

  constructor(storage: Storage, now: () => Date, wake: () => void) {
    this.#storage = storage;
    this.#now = now;
    this.#wake = wake;
  }

  async add(input: EndpointInput): Promise<{ endpoint: Endpoint; secret: string }> {
    const fields = validateEndpointInput(input);
    const secret = input.secret === undefined ? generateSecret() : validateSecret(input.secret);
    const now = this.#now();
    const record = newRecord(input.id ?? newId('ep', now.getTime()), fields, secret, now);
    try {
      await this.#storage.insertEndpoint(record);
    } catch (error) {
      throw isDuplicate(error) ? duplicateEndpoint(record.id) : error;
    }
    return { endpoint: toPublicEndpoint(record), secret };
  }

  /**
   * Creates endpoint `input.id`, or brings the stored one to `input` (see `WebhookNotifier.upsertEndpoint`).
   * Each write is conditional on what was read (insertEndpoint's unique id, `replaceEndpoint`'s updatedAt) and
   * retried against the winner's endpoint when it loses, so instances upserting together end with one endpoint;
   * after {@link CHANGE_ATTEMPTS} lost writes, `ERR_CONCURRENT_CHANGE` with nothing written.
   */
  async upsert(input: EndpointInput): Promise<UpsertEndpointResult> {
    const fields = validateEndpointInput(input);
    if (input.id === undefined) {
      throw new CronhookError(
        'ERR_INVALID_ENDPOINT',
        `id is ${describeValue(input.id)}; an endpoint is upserted by its id, so the input needs one`,
        { field: 'id' },
      );
    }
    const id = validateEndpointId(input.id);
    const given = input.secret === undefined ? undefined : validateSecret(input.secret);
    const echo = given === undefined ? {} : { secret: given };
    const givesEnabled = input.enabled !== undefined;
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const stored = await this.#storage.getEndpoint(id);
      const now = this.#now();
      if (stored === null) {
        const secret = given ?? generateSecret();
        const record = newRecord(id, fields, secret, now);
        try {
          await this.#storage.insertEndpoint(record);
          return { endpoint: toPublicEndpoint(record), created: true, updated: false, secret };
        } catch (error) {
          if (isDuplicate(error)) continue; // created meanwhile: compare with it
          throw error;
        }
      }
      const current = stored.secrets.find((s) => s.expiresAt === null)?.secret;
      const rotate = given !== undefined && given !== current;
      const same = isDeepStrictEqual(
        comparable(stored, fields, givesEnabled),
        comparable(fields, fields, givesEnabled),
      );
      if (same && !rotate) {
        return { endpoint: toPublicEndpoint(stored), created: false, updated: false, ...echo };
      }
      const { enabled, ...patch } = fields;
      const stamp = stampAfter(stored, now);
      const next = applyEndpointPatch(stored, givesEnabled ? { ...patch, enabled } : patch, stamp);
      // The previous secret keeps signing for the default grace period, so receivers can switch.
      if (rotate) next.secrets = rotateSecrets(stored, prepareRotation({ secret: given }), now);
      if (await this.#writeIfUnchanged(next, stored)) {
        if (next.enabled && !stored.enabled) this.#wake();
        return { endpoint: toPublicEndpoint(next), created: false, updated: true, ...echo };
      }
    }
    throw concurrentChange(`upsertEndpoint(${JSON.stringify(id)})`, 'endpoint');
  }

  /**
   * `WebhookNotifier.updateEndpoint`, applied by `#change`: `ERR_CONCURRENT_CHANGE`, nothing written, when it
   * keeps losing.
   */
  async update(id: string, patch: EndpointPatch): Promise<Endpoint> {
    const { read, written } = await this.#change(id, 'updateEndpoint', (record, stamp) =>
      applyEndpointPatch(record, patch, stamp),
    );
    if (written.enabled && !read.enabled) this.#wake();
    return toPublicEndpoint(written);
  }

  /**
   * `WebhookNotifier.enableEndpoint`, applied by `#change`: `ERR_CONCURRENT_CHANGE`, nothing written, when it
   * keeps losing.
   */
  async enable(id: string): Promise<Endpoint> {
    const { written } = await this.#change(id, 'enableEndpoint', (record, stamp) => ({
      ...record,
      ...enabledState(),
      updatedAt: stamp,
    }));
    this.#wake();
    return toPublicEndpoint(written);
  }

  async remove(id: string): Promise<boolean> {
    return this.#storage.deleteEndpoint(id);
  }

  async get(id: string): Promise<Endpoint | null> {
    const record = await this.#storage.getEndpoint(id);
    return record === null ? null : toPublicEndpoint(record);
  }

  async list(options: { limit?: number; after?: string }): Promise<Endpoint[]> {
    return (await this.#storage.listEndpoints(options)).map(toPublicEndpoint);
  }

  /**
   * `WebhookNotifier.rotateSecret`, applied by `#change`: `ERR_CONCURRENT_CHANGE`, nothing written, when it
   * keeps losing.
   */
  async rotateSecret(id: string, options: RotateSecretOptions): Promise<{ secret: string }> {
    const rotation = prepareRotation(options);
    await this.#change(id, 'rotateSecret', (record, stamp) => ({
      ...record,
      secrets: rotateSecrets(record, rotation, this.#now()),
      updatedAt: stamp,
    }));
    return { secret: rotation.secret };
  }

  /**
   * Applies `change` to the stored endpoint `id` and writes the result only while the stored endpoint is still
   * the one read (`replaceEndpoint` on its `updatedAt`): an attempt's outcome (failing streak, auto-disable),
   * another instance's change or a removal landing between the read and the write is never undone; the
   * change is applied again to what is stored then, up to {@link CHANGE_ATTEMPTS} times, then `ERR_CONCURRENT_CHANGE`
   * with nothing written. `stamp` is the new `updatedAt` ({@link stampAfter}).
   */
  async #change(
    id: string,
    operation: string,
    change: (record: EndpointRecord, stamp: Date) => EndpointRecord,
  ): Promise<{ read: EndpointRecord; written: EndpointRecord }> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const read = await this.require(id);
      const written = change(read, stampAfter(read, this.#now()));
      if (await this.#writeIfUnchanged(written, read)) return { read, written };
    }
    throw concurrentChange(`${operation}(${JSON.stringify(id)})`, 'endpoint');
  }

  /**
   * Writes `next` only while the stored endpoint is still `read` (its `updatedAt`); false when another write
   * came between. A storage without `replaceEndpoint` (a custom adapter) gets `updateEndpoint`: the last
   * writer wins there.
   */
  async #writeIfUnchanged(next: EndpointRecord, read: EndpointRecord): Promise<boolean> {
    if (this.#storage.replaceEndpoint === undefined) {
      await this.#storage.updateEndpoint(next);
      return true;
    }
    return this.#storage.replaceEndpoint(next, read.updatedAt);
  }

  /** The stored endpoint, secrets included (for sending), or ERR_ENDPOINT_NOT_FOUND. */
  async require(id: string): Promise<EndpointRecord> {
    const record = await this.#storage.getEndpoint(id);
    if (record === null) {
      throw new CronhookError('ERR_ENDPOINT_NOT_FOUND', `No endpoint with id ${JSON.stringify(id)}`, {
        field: 'endpointId',
      });
    }
    return record;
  }
}

/**
 * The `updatedAt` of a change written over `read`: later than the one read even on a clock that stands still,
 * so the next conditional write compares against this one.
 */
function stampAfter(read: EndpointRecord, now: Date): Date {
  return new Date(Math.max(now.getTime(), read.updatedAt.getTime() + 1));
}

/** A new endpoint's record. */
function newRecord(id: string, fields: EndpointFields, secret: string, now: Date): EndpointRecord {
  return {
    ...fields,
    id,
    secrets: [{ secret, createdAt: now, expiresAt: null }],
    disabledReason: fields.enabled ? null : 'manual',
    disabledAt: fields.enabled ? null : now,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
}
