import type { EndpointRecord, Message } from '../../notifier/types.js';
import { cloneEndpoint, cloneMessage } from '../clone.js';
import type { DataVersionSource } from './changes.js';

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
 * Messages never change once stored, so they are also taken from claims (`prime`).
 */
export class RecordCache {
  readonly #source: DataVersionSource;
  readonly #endpoints = new Map<string, EndpointRecord>();
  #messages = new Map<string, Message>();
  /** The previous generation of {@link #messages}. */
  #olderMessages = new Map<string, Message>();
  /**
   * Every endpoint in listing order (created_at, id); 'too many' when there were more than
   * {@link ENDPOINTS_LISTED}; null until read.
   */
  #list: EndpointRecord[] | 'too many' | null = null;
  #version: number | null = null;
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
   * Every endpoint in listing order, from the cache or `load`, which returns null when there are more than
   * {@link ENDPOINTS_LISTED}; null then. The records are the cache's own: the caller copies what it hands out.
   */
  endpointList(load: () => EndpointRecord[] | null): readonly EndpointRecord[] | null {
    this.#validate();
    this.#list ??= load() ?? 'too many';
    return this.#list === 'too many' ? null : this.#list;
  }

  /** The message (a copy), from the cache or `load`. */
  message(id: string, load: (id: string) => Message | null): Message | null {
    this.#validate();
    let message = this.#messages.get(id) ?? this.#olderMessages.get(id);
    if (message === undefined) {
      const loaded = load(id);
      if (loaded === null) return null;
      message = loaded;
      this.#keep(loaded);
    }
    return cloneMessage(message);
  }

  /** Ids among `ids` whose message is not kept (to read them in one statement and {@link prime} them). */
  missingMessages(ids: Iterable<string>): string[] {
    this.#validate();
    const missing: string[] = [];
    for (const id of ids) if (!this.#messages.has(id) && !this.#olderMessages.has(id)) missing.push(id);
    return missing;
  }

  /** Keeps messages just read (decoded, not handed out elsewhere). */
  prime(messages: Message[]): void {
    for (const message of messages) this.#keep(message);
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
  }

  #keep(message: Message): void {
    if (this.#messages.size >= MESSAGES_KEPT) {
      this.#olderMessages = this.#messages;
      this.#messages = new Map();
    }
    this.#messages.set(message.id, message);
  }

  #validate(): void {
    if (this.#checked) return;
    this.#checked = true;
    queueMicrotask(this.#uncheck);
    const version = this.#source.dataVersion();
    if (version === this.#version) return;
    this.#version = version;
    this.#endpoints.clear();
    this.#list = null;
    this.#messages.clear();
    this.#olderMessages.clear();
  }
}
