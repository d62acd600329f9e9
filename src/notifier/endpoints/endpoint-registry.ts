import { CronhookError } from '../../errors.js';
import type { Storage } from '../../storage/types.js';
import { newId } from '../ids.js';
import { generateSecret, validateSecret } from '../signing/signatures.js';
import type { Endpoint, EndpointInput, EndpointPatch, EndpointRecord } from '../types.js';
import {
  applyEndpointPatch,
  enabledState,
  toPublicEndpoint,
  validateEndpointInput,
} from './endpoint-fields.js';
import { prepareRotation, type RotateSecretOptions, rotateSecrets } from './secret-rotation.js';

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
    const record: EndpointRecord = {
      ...fields,
      id: newId('ep'),
      secrets: [{ secret, createdAt: now, expiresAt: null }],
      disabledReason: fields.enabled ? null : 'manual',
      disabledAt: fields.enabled ? null : now,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#storage.insertEndpoint(record);
    return { endpoint: toPublicEndpoint(record), secret };
  }

  async update(id: string, patch: EndpointPatch): Promise<Endpoint> {
    const record = await this.require(id);
    const next = applyEndpointPatch(record, patch, this.#now());
    await this.#storage.updateEndpoint(next);
    if (next.enabled && !record.enabled) this.#wake();
    return toPublicEndpoint(next);
  }

  async enable(id: string): Promise<Endpoint> {
    const record = await this.require(id);
    const next: EndpointRecord = { ...record, ...enabledState(), updatedAt: this.#now() };
    await this.#storage.updateEndpoint(next);
    this.#wake();
    return toPublicEndpoint(next);
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
    const record = await this.require(id);
    const now = this.#now();
    const secrets = rotateSecrets(record, rotation, now);
    await this.#storage.updateEndpoint({ ...record, secrets, updatedAt: now });
    return { secret: rotation.secret };
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
