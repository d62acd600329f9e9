import type { EndpointRecord } from '../../../notifier/types.js';
import { cloneEndpoint, deepFreeze } from '../../clone.js';
import { duplicateEndpoint, notFound } from '../../errors.js';

/**
 * The endpoints of `MemoryOutbox`, stored frozen: written only by replacing a record, so that
 * `peekEndpoints` can hand the records and their listing out without copies.
 */
export class MemoryEndpoints {
  readonly #endpoints = new Map<string, EndpointRecord>();
  /**
   * The stored endpoints in listing order, until one is written: every publish matches its event against all
   * of them, and endpoints change rarely. Frozen, as the records are.
   */
  #sorted: readonly EndpointRecord[] | null = null;

  insert(endpoint: EndpointRecord): void {
    if (this.#endpoints.has(endpoint.id)) throw duplicateEndpoint(endpoint.id);
    this.#endpoints.set(endpoint.id, deepFreeze(cloneEndpoint(endpoint)));
    this.#sorted = null;
  }

  /** Replaces a stored endpoint; returns the record it replaced. */
  update(endpoint: EndpointRecord): Readonly<EndpointRecord> {
    const existing = this.#endpoints.get(endpoint.id);
    if (!existing) throw notFound('endpoint', endpoint.id);
    this.#endpoints.set(endpoint.id, deepFreeze(cloneEndpoint(endpoint)));
    this.#sorted = null;
    return existing;
  }

  /** The stored record itself (frozen), or undefined. */
  stored(id: string): Readonly<EndpointRecord> | undefined {
    return this.#endpoints.get(id);
  }

  get(id: string): EndpointRecord | null {
    const endpoint = this.#endpoints.get(id);
    return endpoint ? cloneEndpoint(endpoint) : null;
  }

  list(options: { limit?: number; after?: string } = {}): EndpointRecord[] {
    const all = this.peek();
    const start = options.after === undefined ? 0 : all.findIndex((e) => e.id === options.after) + 1;
    return all.slice(start, start + (options.limit ?? 100)).map(cloneEndpoint);
  }

  /** The stored endpoints in listing order, shared until one is written (see `Storage.peekEndpoints`). */
  peek(): readonly EndpointRecord[] {
    this.#sorted ??= Object.freeze(
      [...this.#endpoints.values()].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      ),
    );
    return this.#sorted;
  }

  delete(id: string): boolean {
    if (!this.#endpoints.delete(id)) return false;
    this.#sorted = null;
    return true;
  }
}
