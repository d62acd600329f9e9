import { CronhookError, describeValue } from '../../errors.js';
import type { Storage } from '../../storage/types.js';
import { PING_TOPIC } from '../payload.js';
import {
  DELIVERY_STATUSES,
  type Delivery,
  type DeliveryDetails,
  type DeliveryPage,
  type DeliveryQuery,
  type DeliveryRecord,
} from '../types.js';

/** A delivery without its lease: what callers and events see. */
export function toPublicDelivery(record: DeliveryRecord): Delivery {
  // Field by field: an object rest copy costs several times as much, and this is made for every event.
  return {
    id: record.id,
    messageId: record.messageId,
    endpointId: record.endpointId,
    topic: record.topic,
    status: record.status,
    attempts: record.attempts,
    nextAttemptAt: record.nextAttemptAt,
    lastAttemptAt: record.lastAttemptAt,
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

const STATUSES: ReadonlySet<string> = new Set(DELIVERY_STATUSES);
const PAGE = 500;

function invalid(field: string, value: unknown, allowed: string): CronhookError {
  return new CronhookError('ERR_INVALID_OPTION', `${field} is ${describeValue(value)}; expected ${allowed}`, {
    field,
  });
}

function validDate(field: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(field, value, 'a valid Date');
  return value;
}

/** Opaque cursor: the (createdAt, id) of the last delivery of a page. */
function encodeCursor(delivery: DeliveryRecord): string {
  return Buffer.from(JSON.stringify([delivery.createdAt.getTime(), delivery.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string')
      return { createdAt: new Date(ms), id };
  } catch {
    // reported below
  }
  throw invalid('cursor', cursor, 'the nextCursor of a previous listDeliveries() page');
}

/** Options of `WebhookNotifier.replay`. */
export interface ReplayOptions {
  /** Only deliveries to this endpoint. @default every endpoint */
  endpointId?: string;
  /** Failed deliveries created at or after this time. */
  since: Date;
  /** …and before this time. @default now */
  until?: Date;
}

/** Reads of the delivery log, and replay, over storage. */
export class DeliveryLog {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  async list(query: DeliveryQuery): Promise<DeliveryPage> {
    if (query === null || typeof query !== 'object') throw invalid('query', query, 'an object');
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw invalid('limit', limit, 'an integer from 1 to 1000');
    if (query.status !== undefined && !STATUSES.has(query.status)) {
      throw invalid('status', query.status, `one of ${DELIVERY_STATUSES.join(', ')}`);
    }
    const since = validDate('since', query.since);
    const until = validDate('until', query.until);
    const rows = await this.#storage.listDeliveries({
      ...(query.endpointId === undefined ? {} : { endpointId: query.endpointId }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.topic === undefined ? {} : { topic: query.topic }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(query.cursor === undefined ? {} : { before: decodeCursor(query.cursor) }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      deliveries: page.map(toPublicDelivery),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  async get(id: string): Promise<DeliveryDetails | null> {
    const delivery = await this.#storage.getDelivery(id);
    if (delivery === null) return null;
    const [message, attemptLog] = await Promise.all([
      this.#storage.getMessage(delivery.messageId),
      this.#storage.listAttempts(id),
    ]);
    if (message === null) {
      throw new CronhookError('ERR_STORAGE', `Message ${delivery.messageId} of delivery ${id} is missing`);
    }
    return { ...toPublicDelivery(delivery), message, attemptLog };
  }

  /** Puts failed deliveries created in [since, until) back in the outbox, due `now`. */
  async replay(options: ReplayOptions, now: Date): Promise<number> {
    if (options === null || typeof options !== 'object')
      throw invalid('options', options, '{ since, endpointId? }');
    const since = validDate('since', options.since);
    if (since === undefined) throw invalid('since', options.since, 'a valid Date');
    const until = validDate('until', options.until) ?? now;
    let before: { createdAt: Date; id: string } | undefined = { createdAt: until, id: '' };
    let count = 0;
    while (before !== undefined) {
      const rows: DeliveryRecord[] = await this.#storage.listDeliveries({
        status: 'failed',
        since,
        before,
        limit: PAGE,
        ...(options.endpointId === undefined ? {} : { endpointId: options.endpointId }),
      });
      for (const delivery of rows) {
        // A ping is a one-off test: replaying it would only add noise.
        if (delivery.topic === PING_TOPIC) continue;
        await this.#storage.updateDelivery({
          ...delivery,
          status: 'pending',
          nextAttemptAt: now,
          updatedAt: now,
        });
        count++;
      }
      const last = rows[rows.length - 1];
      before =
        rows.length < PAGE || last === undefined ? undefined : { createdAt: last.createdAt, id: last.id };
    }
    return count;
  }
}
