import {
  DELIVERY_STATUSES,
  type DeliveryAttempt,
  type DeliveryRecord,
  type EndpointRecord,
  type Message,
} from '../../notifier/types.js';
import { withOutcome } from '../endpoint-outcome.js';
import { notFound } from '../errors.js';
import { insertSql, sqlitePlaceholder as ph, setSql } from '../sql/codec.js';
import { attemptCodec, deliveryCodec, messageCodec } from '../sql/outbox-rows.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  ListDeliveriesOptions,
  PruneDeliveriesInput,
} from '../types.js';
import { ClaimableRows, PENDING_TO_ENABLED } from './claimable.js';
import { sqliteDialect as dialect } from './connection/connection.js';
import { SqliteEndpoints } from './endpoints.js';
import { type FanoutScope, NEXT_FANOUT_DUE } from './fanout.js';
import { DeliveryLeases } from './leases.js';

const STATUS_LITERALS: ReadonlySet<string> = new Set(DELIVERY_STATUSES);

const INSERT_MESSAGE = insertSql('cronhook_messages', messageCodec.columns, ph);
/** `parked` of a delivery being written (schema version 4): pending to a disabled endpoint. */
const PARKED = `(? = 'pending' AND COALESCE((SELECT enabled = 0 FROM cronhook_endpoints WHERE id = ?), 0))`;
const INSERT_DELIVERY = `INSERT INTO cronhook_deliveries (${deliveryCodec.columns.join(', ')}, parked)
  VALUES (${deliveryCodec.columns.map(() => '?').join(', ')}, ${PARKED})`;
const INSERT_ATTEMPT = insertSql('cronhook_attempts', attemptCodec.columns, ph);
/**
 * A delivery's identity (message, endpoint, topic, creation) never changes: updates set its state only, so
 * SQLite leaves the indexes on those columns alone instead of rewriting their entries.
 */
const DELIVERY_FIXED = new Set(['id', 'message_id', 'endpoint_id', 'topic', 'created_at']);
const DELIVERY_STATE = deliveryCodec.columns.flatMap((c, i) => (DELIVERY_FIXED.has(c) ? [] : [i]));
const DELIVERY_SET = setSql(
  DELIVERY_STATE.map((i) => deliveryCodec.columns[i]!),
  ph,
);
/** A delivery's update, by id, or by rowid checked against the id (see `DeliveryLeases`). */
const updateDelivery = (parked: string, where: string) =>
  `UPDATE cronhook_deliveries SET ${DELIVERY_SET}, parked = ${parked} WHERE ${where}`;
const UPDATE_PENDING = [updateDelivery(PARKED, 'id = ?'), updateDelivery(PARKED, 'rowid = ? AND id = ?')];
const UPDATE_FINISHED = [updateDelivery('0', 'id = ?'), updateDelivery('0', 'rowid = ? AND id = ?')];

const decodeDelivery = (row: Record<string, unknown>) => deliveryCodec.decode(row, dialect);

/**
 * The webhook half of `SqliteStorage`: endpoints (`SqliteEndpoints`), messages, deliveries and attempts.
 * Reads are synchronous, but for those that first write a fan-out's records (see `SqliteFanout`); writes
 * are group-committed (`SqliteConnection.write`).
 */
export class SqliteOutbox extends SqliteEndpoints {
  readonly #leases = new DeliveryLeases(this.c);
  readonly #claimable = new ClaimableRows(this.c);
  readonly #loadEndpointRow = (id: string) => this.readEndpoint(id);
  readonly #loadMessage = (id: string) => {
    const row = this.c.get('SELECT * FROM cronhook_messages WHERE id = ?', [id]);
    return row ? messageCodec.decode(row, dialect) : null;
  };

  insertMessage({ message, deliveries }: { message: Message; deliveries: DeliveryRecord[] }): Promise<void> {
    return this.c.write(() => {
      this.c.run(INSERT_MESSAGE, messageCodec.encode(message, dialect));
      for (const delivery of deliveries)
        this.c.run(INSERT_DELIVERY, [
          ...deliveryCodec.encode(delivery, dialect),
          delivery.status,
          delivery.endpointId,
        ]);
    });
  }

  insertFanout(input: FanoutInput): Promise<void> {
    return this.c.write(() => this.fanout.insert(input));
  }

  getMessage(id: string): Message | null {
    return this.cache.message(id, this.#loadMessage);
  }

  /**
   * An attempt's endpoint (see `Storage.getDeliveryEndpoint`): as of the claim that leased the delivery, or
   * later, without a look at other connections' commits (see RecordCache.claimed).
   */
  getDeliveryEndpoint(id: string): EndpointRecord | null {
    return this.cache.deliveryEndpoint(id, this.#loadEndpointRow);
  }

  claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    const { now, limit, instanceId, leaseMs, excludeEndpointIds } = options;
    const lockedUntil = now.getTime() + leaseMs;
    return this.c.write(() => {
      // Its deliveries' attempts read their endpoints and messages as of now (see RecordCache.claimed).
      this.cache.claimed(this.c.versionInWrite(), leaseMs);
      const stored = this.#claimable.read(now.getTime(), excludeEndpointIds ?? [], limit);
      // With the fan-outs due: their records are written here, those taken already leased.
      const written: Message[] = [];
      const taken = this.fanout.claim(stored, options, written);
      if (taken.length === 0) return [];
      this.cache.primeClaimed(written);
      const leased = this.#leases.lease(taken, instanceId, lockedUntil);
      // Their messages, read together now: the notifier reads each right after (see RecordCache).
      const ids = new Set<string>();
      for (const delivery of leased.values()) ids.add(delivery.messageId);
      const missing = this.cache.missingMessages(ids);
      const messages = this.#claimable.messages(stored, missing, ids.size);
      if (messages.length > 0) this.cache.primeClaimed(messages);
      return taken.map(({ stored, record }) => record ?? leased.get(stored[0])!);
      // A lease lost in a power cut only makes the deliveries claimable again: it does not wait for the
      // disk, only for the deliveries it read to be there (see SqliteConnection.write).
    }, 'claim');
  }

  completeAttempt({ delivery, attempt, endpoint }: CompleteAttemptInput): Promise<void> {
    return this.c.write(() => {
      this.#updateDelivery({ ...delivery, lockedBy: null, lockedUntil: null });
      this.c.run(INSERT_ATTEMPT, attemptCodec.encode(attempt, dialect));
      // Falsy, not undefined: `null` from JavaScript is no change too, as on every adapter (the storage suite).
      if (!endpoint) return;
      const existing = this.readEndpoint(endpoint.id);
      if (existing) this.updateEndpointRow(withOutcome(existing, endpoint), existing.enabled);
      // The outcome of a delivery that was on disk before it was claimed: claims need not wait for it.
    }, 'outcome');
  }

  updateDelivery(delivery: DeliveryRecord): Promise<void> {
    return this.c.write(() => this.#updateDelivery(delivery));
  }

  /**
   * Inside a write. A delivery of a fan-out not written yet (an attempt made by hand from its derived id,
   * before any read) is found once its fan-out is written: only when the update found no row, so attempts on
   * stored rows pay nothing for it.
   */
  #updateDelivery(delivery: DeliveryRecord): void {
    if (this.#updateRow(delivery) > 0) return;
    if (this.fanout.writeScope({ messageId: delivery.messageId }) > 0 && this.#updateRow(delivery) > 0)
      return;
    throw notFound('delivery', delivery.id);
  }

  #updateRow(delivery: DeliveryRecord): number {
    const encoded = deliveryCodec.encode(delivery, dialect);
    const values = DELIVERY_STATE.map((i) => encoded[i]);
    // Only a pending delivery can be parked: a finished one (most updates: an attempt's outcome) is not,
    // without the look at its endpoint.
    if (delivery.status === 'pending') values.push(delivery.status, delivery.endpointId);
    const statements = delivery.status === 'pending' ? UPDATE_PENDING : UPDATE_FINISHED;
    const rowid = this.#leases.takeRowid(delivery.id);
    if (rowid !== undefined) {
      const changed = this.c.run(statements[1]!, [...values, rowid, delivery.id]);
      if (changed > 0) return changed;
    }
    values.push(delivery.id);
    return this.c.run(statements[0]!, values);
  }

  getDelivery(id: string): DeliveryRecord | null | Promise<DeliveryRecord | null> {
    return this.fanout.read({ deliveryId: id }, () => {
      const row = this.c.get('SELECT * FROM cronhook_deliveries WHERE id = ?', [id]);
      return row ? decodeDelivery(row) : null;
    });
  }

  listDeliveries(options: ListDeliveriesOptions = {}): DeliveryRecord[] | Promise<DeliveryRecord[]> {
    // Fan-outs not written yet hold pending deliveries only.
    const scope: FanoutScope =
      options.status !== undefined && options.status !== 'pending'
        ? null
        : options.messageId !== undefined
          ? { messageId: options.messageId }
          : { all: true };
    return this.fanout.read(scope, () => this.#listDeliveries(options));
  }

  #listDeliveries(options: ListDeliveriesOptions): DeliveryRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (options.endpointId !== undefined) add('endpoint_id = ?', options.endpointId);
    if (options.messageId !== undefined) add('message_id = ?', options.messageId);
    // A known status goes into the text: SQLite uses a partial index (pending, failed) only for a query that
    // names its condition literally.
    if (options.status !== undefined) {
      if (STATUS_LITERALS.has(options.status)) add(`status = '${options.status}'`);
      else add('status = ?', options.status);
    }
    if (options.topic !== undefined) add('topic = ?', options.topic);
    if (options.jobId !== undefined) return this.#listJobDeliveries(options.jobId, where, params, options);
    if (options.since !== undefined) add('created_at >= ?', options.since.getTime());
    if (options.until !== undefined) add('created_at < ?', options.until.getTime());
    if (options.before !== undefined) {
      // A row value, which SQLite seeks to in the index; the equivalent OR made it walk from the newest one.
      add('(created_at, id) < (?, ?)', options.before.createdAt.getTime(), options.before.id);
    }
    const sql = `SELECT * FROM cronhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`;
    return this.c.all(sql, [...params, options.limit ?? 50]).map(decodeDelivery);
  }

  /**
   * A job's deliveries, through its messages (a delivery's createdAt is its message's): the job's messages
   * newest first from their index, then each message's deliveries.
   */
  #listJobDeliveries(
    jobId: string,
    where: string[],
    params: unknown[],
    options: ListDeliveriesOptions,
  ): DeliveryRecord[] {
    const clauses = [
      'm.job_id = ?',
      ...where.map((w) => w.replace(/\b(endpoint_id|message_id|status|topic)\b/g, 'd.$1')),
    ];
    const values = [jobId, ...params];
    if (options.since !== undefined) {
      clauses.push('m.created_at >= ?');
      values.push(options.since.getTime());
    }
    if (options.until !== undefined) {
      clauses.push('m.created_at < ?');
      values.push(options.until.getTime());
    }
    if (options.before !== undefined) {
      clauses.push('(m.created_at, d.id) < (?, ?)');
      values.push(options.before.createdAt.getTime(), options.before.id);
    }
    const sql = `SELECT d.* FROM cronhook_messages m JOIN cronhook_deliveries d ON d.message_id = m.id
      WHERE ${clauses.join(' AND ')} ORDER BY m.created_at DESC, d.id DESC LIMIT ?`;
    return this.c.all(sql, [...values, options.limit ?? 50]).map(decodeDelivery);
  }

  listAttempts(deliveryId: string): DeliveryAttempt[] {
    return this.c
      .all('SELECT * FROM cronhook_attempts WHERE delivery_id = ? ORDER BY seq', [deliveryId])
      .map((row) => attemptCodec.decode(row, dialect));
  }

  pruneDeliveries({ before, limit }: PruneDeliveriesInput): Promise<number> {
    return this.c.write(() => {
      // LIMIT -1 is SQLite's "no limit".
      const rows = this.c.all(
        `SELECT id, message_id FROM cronhook_deliveries
         WHERE status IN ('succeeded', 'failed') AND updated_at < ? ORDER BY updated_at, id LIMIT ?`,
        [before.getTime(), limit ?? -1],
      );
      if (rows.length === 0) return 0;
      this.cache.forgetMessages();
      const ids = JSON.stringify(rows.map((row) => row.id));
      const messageIds = JSON.stringify([...new Set(rows.map((row) => row.message_id))]);
      this.c.run('DELETE FROM cronhook_attempts WHERE delivery_id IN (SELECT value FROM json_each(?))', [
        ids,
      ]);
      this.c.run('DELETE FROM cronhook_deliveries WHERE id IN (SELECT value FROM json_each(?))', [ids]);
      this.c.run(
        `DELETE FROM cronhook_messages WHERE id IN (SELECT value FROM json_each(?))
           AND NOT EXISTS (SELECT 1 FROM cronhook_deliveries d WHERE d.message_id = cronhook_messages.id)`,
        [messageIds],
      );
      return rows.length;
    }, 'outcome');
  }

  nextDeliveryAt(): Date | null {
    // Records and fan-outs not written yet, in one statement: a claim moving one into the other meanwhile
    // (another process) is seen on one side only.
    const row = this.c.get(
      `SELECT (SELECT MIN(d.wake_at) ${PENDING_TO_ENABLED}) AS t, (${NEXT_FANOUT_DUE}) AS f`,
    );
    const times = [row?.t, row?.f].filter((t) => t !== null && t !== undefined).map(Number);
    return times.length === 0 ? null : new Date(Math.min(...times));
  }
}
