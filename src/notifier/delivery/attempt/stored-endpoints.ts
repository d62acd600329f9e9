import type { CompleteAttemptInput, Storage } from '../../../storage/types.js';
import type { EndpointRecord } from '../../types.js';

/**
 * Where the deliverer reads an attempt's endpoint, and the endpoint as the attempt's outcome left it (for the
 * outcome's events). Apart from the deliverer because the two depend on one thing it does not: whether storage
 * hands out its own records (`peekEndpoints`, in process) or copies read with I/O. The deliverer calls these
 * methods where it called its own private ones; no call is added per attempt.
 */
export class StoredEndpoints {
  readonly #storage: Storage;
  /**
   * The array `peekEndpoints` last handed out: non-null once an endpoint was read from in-process storage's own
   * (read-only) records, which are then never copied nor read again with I/O. Read-only outside this class.
   */
  peeked: readonly Readonly<EndpointRecord>[] | null = null;
  /** {@link peeked}'s records by id. */
  #peekedById = new Map<string, Readonly<EndpointRecord>>();

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /**
   * The endpoint as stored now. In-process storage hands over its own read-only records (`peekEndpoints`,
   * a new array once one is written): no copy of the endpoint is made for each attempt. Else
   * `getDeliveryEndpoint` (may answer with the row the delivery's claim read), else `getEndpoint`.
   */
  read(id: string): Readonly<EndpointRecord> | null | Promise<EndpointRecord | null> {
    const storage = this.#storage;
    const all = storage.peekEndpoints?.();
    if (all === undefined) {
      return storage.getDeliveryEndpoint ? storage.getDeliveryEndpoint(id) : storage.getEndpoint(id);
    }
    if (all !== this.peeked) {
      this.peeked = all;
      this.#peekedById = new Map(all.map((e) => [e.id, e]));
    }
    return this.#peekedById.get(id) ?? null;
  }

  /**
   * The endpoint an outcome disabled, as stored: storage stamps the outcome past the stored `updatedAt`, which
   * a change made during the request moved past the copy the attempt read. Read again only when storage hands
   * out no records of its own (see {@link storedOutcome}), and only while it is still this outcome's write
   * (disabled at that instant); else null.
   */
  async disabled(changes: NonNullable<CompleteAttemptInput['endpoint']>): Promise<EndpointRecord | null> {
    if (this.peeked !== null) return null;
    const stored = await this.#storage.getEndpoint(changes.id);
    const disabledAt = changes.disabledAt?.getTime();
    return stored !== null && !stored.enabled && stored.disabledAt?.getTime() === disabledAt ? stored : null;
  }

  /**
   * The endpoint as the attempt's outcome left it, for its events. In-process storage is read again (its
   * record is the stored one, a change made during the request included); else the outcome's changes over the
   * copy the attempt read (their `updatedAt` is past that copy's, as storage stamps it when nothing else wrote
   * the endpoint meanwhile).
   */
  storedOutcome(read: EndpointRecord, changes: CompleteAttemptInput['endpoint']): EndpointRecord {
    if (changes === undefined) return read;
    if (this.peeked !== null) {
      const stored = this.read(read.id);
      if (stored !== null && !(stored instanceof Promise)) return stored;
    }
    return { ...read, ...changes };
  }
}
