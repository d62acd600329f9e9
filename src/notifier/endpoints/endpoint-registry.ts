import { isDeepStrictEqual } from 'node:util';
import { CronhookError, describeValue, isCronhookError } from '../../errors.js';
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

/**
 * A write of `upsert`, `update`, `enable` or `rotateSecret` that lost a race to another write (another instance,
 * an attempt's outcome) is retried against the endpoint stored then, this often.
 */
const ATTEMPTS = 10;

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
   * retried against the winner's endpoint when it loses, so instances upserting together end with one endpoint.
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
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
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
      // updatedAt moves forward even on a clock that stands still: the next conditional write compares it.
      const stamp = new Date(Math.max(now.getTime(), stored.updatedAt.getTime() + 1));
      const next = applyEndpointPatch(stored, givesEnabled ? { ...patch, enabled } : patch, stamp);
      // The previous secret keeps signing for the default grace period, so receivers can switch.
      if (rotate) next.secrets = rotateSecrets(stored, prepareRotation({ secret: given }), now);
      const written =
        this.#storage.replaceEndpoint === undefined
          ? await this.#storage.updateEndpoint(next).then(() => true)
          : await this.#storage.replaceEndpoint(next, stored.updatedAt);
      if (written) {
        if (next.enabled && !stored.enabled) this.#wake();
        return { endpoint: toPublicEndpoint(next), created: false, updated: true, ...echo };
      }
    }
    throw concurrentChange('upsertEndpoint', id);
  }

  async update(id: string, patch: EndpointPatch): Promise<Endpoint> {
    const { read, written } = await this.#change(id, 'updateEndpoint', (record, stamp) =>
      applyEndpointPatch(record, patch, stamp),
    );
    if (written.enabled && !read.enabled) this.#wake();
    return toPublicEndpoint(written);
  }

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
   * change is applied again to what is stored then, up to {@link ATTEMPTS} times, then `ERR_CONCURRENT_CHANGE`
   * with nothing written. `stamp` is the new `updatedAt`, later than the one read even on a clock that stands
   * still, so the next conditional write sees this one. A storage without `replaceEndpoint` (a custom adapter)
   * gets `updateEndpoint`: the last writer wins there.
   */
  async #change(
    id: string,
    operation: string,
    change: (record: EndpointRecord, stamp: Date) => EndpointRecord,
  ): Promise<{ read: EndpointRecord; written: EndpointRecord }> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const read = await this.require(id);
      const stamp = new Date(Math.max(this.#now().getTime(), read.updatedAt.getTime() + 1));
      const written = change(read, stamp);
      if (this.#storage.replaceEndpoint === undefined) {
        await this.#storage.updateEndpoint(written);
        return { read, written };
      }
      if (await this.#storage.replaceEndpoint(written, read.updatedAt)) return { read, written };
    }
    throw concurrentChange(operation, id);
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

/** The error of `operation` on endpoint `id` when another write came between each of its reads and writes. */
function concurrentChange(operation: string, id: string): CronhookError {
  return new CronhookError(
    'ERR_CONCURRENT_CHANGE',
    `${operation}(${JSON.stringify(id)}): the stored endpoint was changed by another write (an attempt's ` +
      `outcome, another change) between each of ${ATTEMPTS} reads and writes; nothing was written, try again`,
  );
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
