import { requireEndpointOpened } from '../../../storage/encryption/key-check.js';
import { requestSecrets } from '../../../transport/echoed-secrets.js';
import type { EndpointRecord } from '../../types.js';

/** The values an endpoint's requests carry that are secret (its signing secrets never leave at all). */
export function endpointSecrets(endpoint: Readonly<EndpointRecord>): string[] {
  const headers =
    endpoint.authorization === null
      ? endpoint.headers
      : { ...endpoint.headers, authorization: endpoint.authorization };
  return requestSecrets(endpoint.url, headers);
}

/**
 * What an attempt works out of its endpoint: before sending, that nothing it sends is still sealed (encrypted
 * at rest without its key), and after the answer, which values a receiver's echo must not keep. For records of
 * in-process storage (`peekEndpoints`: read-only, a new record on every write) both are worked out once per
 * record instead of once per attempt: with many endpoints, an attempt's endpoint has left the CPU's caches
 * since its previous attempt, and these walks over its URL, headers and secrets were a good part of what an
 * attempt cost more at 50 endpoints than at 1.
 */
export class CheckedEndpoints {
  /** Records that passed the check, with their secret values. */
  readonly #checked = new WeakMap<Readonly<EndpointRecord>, readonly string[]>();

  /**
   * Throws `ERR_ENCRYPTION_KEY` as `requireEndpointOpened` does. `peeked`: the record is in-process
   * storage's own; one that passed once passes later too (a secret only leaves the active ones as time goes
   * on), so it is not checked again.
   */
  requireOpened(endpoint: Readonly<EndpointRecord>, now: number, peeked: boolean): void {
    if (peeked && this.#checked.has(endpoint)) return;
    requireEndpointOpened(endpoint, now);
    if (peeked) this.#checked.set(endpoint, endpointSecrets(endpoint));
  }

  /** The endpoint's secret values (see `requestSecrets`), to be cut out of what is kept of an answer. */
  secrets(endpoint: Readonly<EndpointRecord>, peeked: boolean): readonly string[] {
    return (peeked ? this.#checked.get(endpoint) : undefined) ?? endpointSecrets(endpoint);
  }
}
