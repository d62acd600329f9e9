import type { Clock } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import { fanoutDeliveries } from '../../../storage/fanout.js';
import type { Storage } from '../../../storage/types.js';
import type { NotifierHooks } from '../../../telemetry/hooks.js';
import { newId } from '../../ids.js';
import { buildBody } from '../../payload.js';
import type { MatchSubject } from '../../topics.js';
import type { DeliveryRecord, EndpointRecord } from '../../types.js';
import { MatchingEndpoints } from './matching-endpoints.js';

const PAGE = 500;

/**
 * The outbox's write side: turns an event into a stored message and one delivery per matching endpoint, in
 * one atomic write, before any attempt is made.
 */
export class MessageWriter {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #onStored: (endpointIds: readonly string[]) => void;
  readonly #telemetry: NotifierHooks | null;
  #listing: Promise<EndpointRecord[]> | null = null;
  readonly #matching = new MatchingEndpoints();

  /**
   * @param onStored called after deliveries due now were stored, with their endpoints (wakes the dispatcher).
   * @param telemetry the notifier's telemetry hooks; null when telemetry is off.
   */
  constructor(
    storage: Storage,
    clock: Clock,
    onStored: (endpointIds: readonly string[]) => void,
    telemetry: NotifierHooks | null = null,
  ) {
    this.#storage = storage;
    this.#clock = clock;
    this.#onStored = onStored;
    this.#telemetry = telemetry;
  }

  /**
   * Stores the event for every endpoint that wants it; resolves with the message id. `maxBytes` bounds the
   * body (the app's own events); nothing is read or stored when the data is refused.
   */
  async publish(subject: MatchSubject, at: Date, data: unknown, maxBytes?: number): Promise<string> {
    const body = encodeBody(subject.topic, at, data, maxBytes);
    // In-process storage hands over its own read-only records: no copy of every endpoint per publish; shared
    // storage may keep decoded ones, checking only that they are current.
    const peeked = this.#storage.peekEndpoints?.();
    const all =
      peeked ??
      (await (this.#storage.currentEndpoints ? this.#storage.currentEndpoints() : this.#endpoints()));
    const { ids } = this.#matching.match(all, subject, peeked !== undefined);
    const now = new Date(this.#clock.now());
    return (await this.#insert(subject.topic, body, subject.jobId, ids, now, false)).messageId;
  }

  /**
   * Every endpoint, listed once for all the publishes called in one synchronous stretch (a scheduler emits
   * the events of a batch of runs together): the listing starts after all of them were called, so each sees
   * every endpoint stored before it was called, as with a listing of its own.
   */
  #endpoints(): Promise<EndpointRecord[]> {
    this.#listing ??= Promise.resolve().then(() => {
      this.#listing = null;
      return this.#listAll();
    });
    return this.#listing;
  }

  async #listAll(): Promise<EndpointRecord[]> {
    const all: EndpointRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#storage.listEndpoints({
        limit: PAGE,
        ...(after === undefined ? {} : { after }),
      });
      all.push(...page);
      if (page.length < PAGE) return all;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Stores a message and one delivery per endpoint, due at `dueAt` (null: the caller sends it directly, as
   * ping does). Nothing is stored when there is no endpoint.
   */
  async store(
    topic: string,
    at: Date,
    data: unknown,
    jobId: string | null,
    endpoints: EndpointRecord[],
    dueAt: Date | null,
  ): Promise<{ messageId: string; deliveries: DeliveryRecord[] }> {
    const { messageId, deliveries } = await this.#insert(
      topic,
      encodeBody(topic, at, data),
      jobId,
      endpoints.map((endpoint) => endpoint.id),
      dueAt,
      true,
    );
    return { messageId, deliveries: deliveries ?? [] };
  }

  async #insert(
    topic: string,
    body: string,
    jobId: string | null,
    endpointIds: readonly string[],
    dueAt: Date | null,
    records: boolean,
  ): Promise<{ messageId: string; deliveries: DeliveryRecord[] | null }> {
    const now = new Date(this.#clock.now());
    const messageId = newId('msg', now.getTime());
    if (endpointIds.length === 0) return { messageId, deliveries: [] };
    // In the publisher's context (a run's, when a run's event is published): its span is the message's
    // origin, stored with it for the delivery attempts to link to.
    const hook = this.#telemetry?.messageStoring(topic, endpointIds.length) ?? null;
    const message = {
      id: messageId,
      topic,
      body,
      jobId,
      createdAt: now,
      traceContext: hook?.traceContext ?? null,
    };
    // A publish to several endpoints hands the adapter the message and their ids, no records, so that 50
    // endpoints cost about what one does. To one endpoint its record is as small as any compact form, and
    // written now it spares the send writing it (measured on SQLite: ~30% fewer deliveries/s otherwise);
    // ping sends its delivery itself and needs the record.
    let deliveries: DeliveryRecord[] | null = null;
    try {
      if (!records && dueAt !== null && endpointIds.length > 1 && this.#storage.insertFanout) {
        await this.#storage.insertFanout({ message, endpointIds, nextAttemptAt: dueAt });
      } else {
        deliveries = fanoutDeliveries(message, endpointIds, dueAt);
        await this.#storage.insertMessage({ message, deliveries });
      }
    } catch (error) {
      hook?.end(messageId, error);
      throw error;
    }
    hook?.end(messageId, null);
    if (dueAt !== null) this.#onStored(endpointIds);
    return { messageId, deliveries };
  }
}

/** The body of a message, or `ERR_INVALID_OPTION` on `data` when it has no JSON form or is too large. */
function encodeBody(topic: string, at: Date, data: unknown, maxBytes?: number): string {
  let body: string;
  try {
    body = buildBody(topic, at, data);
  } catch (error) {
    throw new CronhookError(
      'ERR_INVALID_OPTION',
      'publish: data must be JSON data (an object, array, string, number, boolean or null): ' +
        (error as Error).message,
      { field: 'data', cause: error },
    );
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most bodies need no counting.
  if (maxBytes !== undefined && body.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > maxBytes)
      throw new CronhookError(
        'ERR_INVALID_OPTION',
        `publish: the message body (type, timestamp and data as JSON) is ${bytes} bytes; ` +
          `at most ${maxBytes} bytes are allowed`,
        { field: 'data' },
      );
  }
  return body;
}
