import type { EndpointRecord, Message } from '../../notifier/types.js';
import { cloneEndpoint, cloneMessage } from '../clone.js';
import type { DataVersionSource } from './connection/changes.js';

/**
 * Messages kept decoded: enough for the deliveries a notifier holds claimed, and their neighbours. They are
 * kept in two generations of up to this many each: when the newer is full it becomes the older, and the
 * older is dropped whole. Dropping the oldest one at a time (`keys().next()` and `delete`) cost about 2 µs
 * a message: a Map walks over the holes its deletions leave at its front until it is rebuilt.
 */
const MESSAGES_KEPT = 1_024;
/** The list of every endpoint is kept up to this many endpoints (more are listed by statement each time). */
export const ENDPOINTS_LISTED = 1_000;

/**
 * Endpoints and messages as last read, decoded, so that the notifier's reads for each attempt (its endpoint
 * and its message) skip a statement and a decode (about 8 and 4 µs here), and so does its listing of every
 * endpoint for each publish (about 7 µs an endpoint: 50 endpoints cost more than the rest of a publish's
 * own work). Every read still gets its own copy, and what it gets is what a statement would return:
 *
 * - this connection's own writes drop what they change (the storage calls {@link forgetEndpoint} and
 *   {@link forgetMessages} inside the write);
 * - other connections' commits (other processes, other storages on the file) change `PRAGMA data_version`,
 *   which is read before the cache is used (once per synchronous stretch, so the two reads of an attempt
 *   share one look) and empties the cache when it moved.
 *
 * But for an attempt's reads, which are as of its delivery's claim (see {@link claimed}): each claim looks at
 * `data_version` inside its transaction (no read transaction of its own); the attempt then reads its
 * endpoint ({@link deliveryEndpoint}) and its message (kept by the claim, {@link primeClaimed}) without a
 * look. Outside a write, reading `data_version` begins a read transaction, whose WAL read locks cost more
 * than the rest of the attempt's storage reads (about 7% of the sender's main thread, profiled at 1 endpoint).
 * A change another process made since the claim reaches the deliveries claimed after it, as `Storage`'s
 * `getDeliveryEndpoint` allows; a message never changes, and one of a leased delivery is not pruned.
 */
export class RecordCache {
  readonly #source: DataVersionSource;
  readonly #endpoints = new Map<string, EndpointRecord>();
  #messages = new Map<string, Message>();
  /** The previous generation of {@link #messages}. */
  #olderMessages = new Map<string, Message>();
  /** Messages of the deliveries claims returned, in two generations as {@link #messages}. */
  #claimedMessages = new Map<string, Message>();
  #olderClaimedMessages = new Map<string, Message>();
  /**
   * Every endpoint in listing order (created_at, id); 'too many' when there were more than
   * {@link ENDPOINTS_LISTED}; null until read.
   */
  #list: EndpointRecord[] | 'too many' | null = null;
  #version: number | null = null;
  /**
   * Until when (`performance.now()`) an attempt's reads are served as of the last claim without a look: the
   * end of that claim's lease. Past it (the notifier stopped claiming; an attempt made by hand), they look.
   */
  #claimUntil = 0;
  #checked = false;
  readonly #uncheck = () => {
    this.#checked = false;
  };

  constructor(source: DataVersionSource) {
    this.#source = source;
  }

  /** The endpoint (a copy), from the cache or `load`. */
  endpoint(id: string, load: (id: string) => EndpointRecord | null): EndpointRecord | null {
    this.#validate();
    return this.#endpoint(id, load);
  }

  /**
   * Every endpoint in listing order, from the cache or `load`, which returns null when there are more than
   * {@link ENDPOINTS_LISTED}; null then. The records are the cache's own: the caller copies what it hands out.
   */
  endpointList(load: () => EndpointRecord[] | null): readonly EndpointRecord[] | null {
    this.#validate();
    this.#list ??= load() ?? 'too many';
    return this.#list === 'too many' ? null : this.#list;
  }

  /**
   * The endpoint (a copy) for an attempt of a delivery claimed here: from the cache as of the last claim, or
   * `load`, without a look at `data_version` (see {@link claimed}).
   */
  deliveryEndpoint(id: string, load: (id: string) => EndpointRecord | null): EndpointRecord | null {
    if (!this.#asOfClaim()) this.#validate();
    return this.#endpoint(id, load);
  }

  /** The endpoint (a copy) as kept, else as `load` reads it (then kept); the callers decide whether to look first. */
  #endpoint(id: string, load: (id: string) => EndpointRecord | null): EndpointRecord | null {
    let endpoint = this.#endpoints.get(id);
    if (endpoint === undefined) {
      const loaded = load(id);
      if (loaded === null) return null;
      endpoint = loaded;
      this.#endpoints.set(id, loaded);
    }
    return cloneEndpoint(endpoint);
  }

  /**
   * The message (a copy), from the cache or `load`. A message a claim kept ({@link primeClaimed}) is returned
   * without a look at `data_version` within that claim's lease: it is an attempt's read.
   */
  message(id: string, load: (id: string) => Message | null): Message | null {
    if (this.#asOfClaim()) {
      const message = this.#claimedMessage(id);
      if (message !== undefined) return cloneMessage(message);
    }
    this.#validate();
    let message = this.#claimedMessage(id) ?? this.#messages.get(id) ?? this.#olderMessages.get(id);
    if (message === undefined) {
      const loaded = load(id);
      if (loaded === null) return null;
      message = loaded;
      this.#keep(loaded);
    }
    return cloneMessage(message);
  }

  /**
   * Inside a claim's transaction, with `data_version` as read in it: empties the cache when another connection
   * committed since the last look. The attempts of the claim's deliveries read as of this (see
   * {@link deliveryEndpoint}) until its lease (`leaseMs`) ends.
   */
  claimed(version: number, leaseMs: number): void {
    if (version !== this.#version) this.#reset(version);
    this.#claimUntil = performance.now() + leaseMs;
  }

  #claimedMessage(id: string): Message | undefined {
    return this.#claimedMessages.get(id) ?? this.#olderClaimedMessages.get(id);
  }

  #asOfClaim(): boolean {
    return this.#version !== null && performance.now() < this.#claimUntil;
  }

  /**
   * Ids among `ids` whose message no claim kept (to read them in one statement and {@link primeClaimed} them);
   * those kept otherwise are kept as claimed too. Inside a claim, after {@link claimed}.
   */
  missingMessages(ids: Iterable<string>): string[] {
    const missing: string[] = [];
    for (const id of ids) {
      if (this.#claimedMessages.has(id) || this.#olderClaimedMessages.has(id)) continue;
      const kept = this.#messages.get(id) ?? this.#olderMessages.get(id);
      if (kept === undefined) missing.push(id);
      else this.#keepClaimed(kept);
    }
    return missing;
  }

  /** Keeps messages a claim just read or wrote (decoded, not handed out elsewhere), for its attempts. */
  primeClaimed(messages: Message[]): void {
    for (const message of messages) this.#keepClaimed(message);
  }

  /** An endpoint was written (inserted, changed or deleted). */
  forgetEndpoint(id: string): void {
    this.#endpoints.delete(id);
    this.#list = null;
  }

  /** Messages may have been deleted (retention). */
  forgetMessages(): void {
    this.#messages.clear();
    this.#olderMessages.clear();
    this.#claimedMessages.clear();
    this.#olderClaimedMessages.clear();
  }

  #keep(message: Message): void {
    if (this.#messages.size >= MESSAGES_KEPT) {
      this.#olderMessages = this.#messages;
      this.#messages = new Map();
    }
    this.#messages.set(message.id, message);
  }

  #keepClaimed(message: Message): void {
    if (this.#claimedMessages.size >= MESSAGES_KEPT) {
      this.#olderClaimedMessages = this.#claimedMessages;
      this.#claimedMessages = new Map();
    }
    this.#claimedMessages.set(message.id, message);
  }

  #validate(): void {
    if (this.#checked) return;
    this.#checked = true;
    queueMicrotask(this.#uncheck);
    const version = this.#source.dataVersion();
    if (version !== this.#version) this.#reset(version);
  }

  #reset(version: number): void {
    this.#version = version;
    this.#endpoints.clear();
    this.#list = null;
    this.forgetMessages();
  }
}
