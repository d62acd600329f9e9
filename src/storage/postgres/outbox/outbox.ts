import type { Clock } from '../../../clock.js';
import type { DeliveryAttempt, DeliveryRecord, Message } from '../../../notifier/types.js';
import { notFound } from '../../errors.js';
import { fanoutDeliveries } from '../../fanout.js';
import { postgresPlaceholder as ph, setSql } from '../../sql/codec.js';
import { attemptCodec, deliveryCodec, messageCodec } from '../../sql/outbox-rows.js';
import type {
  ClaimDeliveriesOptions,
  CompleteAttemptInput,
  FanoutInput,
  ListDeliveriesOptions,
  PruneDeliveriesInput,
} from '../../types.js';
import { BatchedLookup, lookupById } from '../batched-lookup.js';
import {
  postgresDialect as dialect,
  type PgExecutor,
  type PgRow,
  type PgSql,
  type PostgresDatabase,
} from '../database.js';
import { jsonRows, messageInserts } from '../set-writes.js';
import { ClaimFloor, type ClaimKey } from './claim-floor.js';
import { claimedCount, claimRows, claimStatement } from './claim-rows.js';
import { DELIVERY_JSON, PostgresCompletions } from './completions.js';
import { deliveriesOf, deliveryListQuery } from './delivery-list.js';
import { EndpointVersions } from './endpoint-versions.js';
import { PostgresEndpoints } from './endpoints.js';
import { FANOUT_ROWS_FROM, PostgresFanouts } from './fanout.js';
import { lockEndpoints, parkedSql } from './parking.js';

const decodeDelivery = (row: PgRow) => deliveryCodec.decode(row, dialect);
const DELIVERY_SET = setSql(deliveryCodec.columns.slice(1), ph);
const NO_JSON = new Set<string>();
/** Claimed messages kept for reads after the claim's turn (see BatchedLookup). */
const MESSAGES_KEPT = 256;

type NewMessage = { message: Message; deliveries: DeliveryRecord[] };
/**
 * The webhook half of `PostgresStorage`: messages, deliveries and attempts, on top of its endpoints
 * (PostgresEndpoints).
 */
export class PostgresOutbox extends PostgresEndpoints {
  readonly #db: PostgresDatabase;
  readonly #t: PostgresDatabase['tables'];
  readonly #insertMany: PgSql;
  readonly #claim: PgSql;
  readonly #nextDue: PgSql;
  readonly #inserts = messageInserts<NewMessage>(
    (inputs) => this.#insertSet(inputs),
    (input) => 300 * input.deliveries.length,
  );
  readonly #completions: PostgresCompletions;
  readonly #messages: BatchedLookup;
  readonly #fanouts: PostgresFanouts;
  /** The endpoint rows claims returned, by version: a claim returns only those that changed. */
  readonly #versions = new EndpointVersions();
  /** Where claims start reading the claim index (schema version 21). */
  readonly #floor = new ClaimFloor();

  /** @param clock ends the leases of the endpoint rows claims returned (see LeasedEndpoints). */
  constructor(db: PostgresDatabase, clock: Clock, fanouts = new PostgresFanouts(db)) {
    super(db, fanouts, clock);
    this.#db = db;
    const t = db.tables;
    this.#t = t;
    this.#fanouts = fanouts;
    // Messages and their deliveries in one call (schema version 6), deliveries to disabled endpoints parked
    // (see parking.ts), the notification included: it is sent on commit.
    this.#insertMany = db.statement(`SELECT ${db.schema}.insert_messages($1::json, $2::json, $3)`);
    this.#claim = claimStatement(db);
    // The earliest of the deliveries' and the fan-outs' (schema version 11; each read in index order).
    this.#nextDue = db.statement(`SELECT ${db.schema}.next_delivery_at() AS t`);
    // A message never changes once stored: claimed ones stay readable without a query until pushed out, for
    // the deliveries the notifier claimed ahead and sends turns later.
    // Its columns are text and numbers, which every read decodes into a Message of its own.
    this.#messages = new BatchedLookup(lookupById(db, t.messages, messageCodec.columns), {
      keep: MESSAGES_KEPT,
      flat: true,
    });
    this.#completions = new PostgresCompletions(db, this.leased, (delivery, tx) =>
      this.updateDelivery(delivery, tx),
    );
  }

  /** Group-committed: messages published together are stored by one statement (see `#insertMany`). */
  insertMessage(input: NewMessage): Promise<void> {
    return this.#inserts.push<void>(input);
  }

  /** From FANOUT_ROWS_FROM endpoints, one fan-out row whose delivery rows are written later; else as insertMessage. */
  insertFanout({ message, endpointIds, nextAttemptAt }: FanoutInput): Promise<void> {
    if (endpointIds.length >= FANOUT_ROWS_FROM)
      return this.#fanouts.insert({ message, endpointIds, nextAttemptAt });
    return this.insertMessage({ message, deliveries: fanoutDeliveries(message, endpointIds, nextAttemptAt) });
  }

  async #insertSet(inputs: NewMessage[]): Promise<void> {
    await this.#db.query(this.#insertMany, [
      jsonRows(
        messageCodec.columns,
        NO_JSON,
        inputs.map((i) => messageCodec.encode(i.message, dialect)),
      ),
      jsonRows(
        deliveryCodec.columns,
        DELIVERY_JSON,
        inputs.flatMap((i) => i.deliveries.map((d) => deliveryCodec.encode(d, dialect))),
      ),
      this.#db.channel,
    ]);
  }

  /**
   * Not async: a message primed by its claim (the usual read) is answered as it is, without a promise and an
   * `await`'s turn on top of the one SplitStorage hands the caller.
   */
  getMessage(id: string): Message | null | Promise<Message | null> {
    const primed = this.#messages.peek(id);
    if (primed !== undefined) return messageCodec.decode(primed, dialect);
    return this.#messages.get(id).then((row) => (row ? messageCodec.decode(row, dialect) : null));
  }

  async claimDeliveries(options: ClaimDeliveriesOptions): Promise<DeliveryRecord[]> {
    const { now, limit, instanceId, leaseMs } = options;
    const excluded = options.excludeEndpointIds ?? [];
    const mark = this.leased.mark();
    const known = this.#versions.sent();
    const claim = (floor: ClaimKey | null, n: number) =>
      this.#db.queryValues(this.#claim, [
        now.getTime(),
        n,
        instanceId,
        now.getTime() + leaseMs,
        excluded,
        known.ids,
        known.versions,
        floor?.[0] ?? null,
        floor?.[1] ?? null,
      ]);
    const floor = this.#floor.take(now.getTime());
    let rows = await claim(floor, limit);
    const taken = claimedCount(rows);
    if (floor !== null && taken < limit) {
      // Short from the floor: what is below it is looked at too (see ClaimFloor).
      this.#floor.readFromStart(now.getTime());
      rows = rows.concat(await claim(null, limit - taken));
    }
    const lease = { instanceId, until: now.getTime() + leaseMs };
    const { deliveries: claimed, messages, endpoints, unchanged } = claimRows(rows, lease);
    // The endpoints and messages of the claimed deliveries come along (each once), for the reads that
    // follow a claim: the notifier needs them to send, and gets them without another round trip, also for
    // the deliveries it claimed ahead and sends turns later (an endpoint's row while their lease lasts).
    // An endpoint neither changed nor unchanged since the version sent was not found: it is gone.
    const endpointRows: PgRow[] = [];
    for (const id of new Set(claimed.map((d) => d.endpointId))) {
      const changed = endpoints.get(id);
      const version = changed?.version ?? (unchanged.has(id) ? (known.kept.get(id)?.version ?? null) : null);
      const endpoint = this.#versions.received(id, version, changed?.row ?? null, known.kept);
      if (endpoint !== undefined) endpointRows.push(endpoint);
    }
    const first = claimed[0];
    this.#floor.claimed(first && [first.nextAttemptAt!.getTime(), first.id], excluded.length > 0);
    this.leased.hold(mark, endpointRows, claimed, now.getTime(), leaseMs);
    this.#messages.prime(messages);
    return claimed;
  }

  /** Group-committed: the attempts that finish together are recorded in one statement (PostgresCompletions). */
  completeAttempt(input: CompleteAttemptInput): Promise<void> {
    this.leased.release(input.delivery.id);
    return this.#completions.complete(input);
  }

  /**
   * Writes a delivery, parked when it is pending to a disabled endpoint. Inside a caller's transaction (`tx`),
   * the caller holds the endpoints lock; on its own it takes the lock shared in a transaction of its own.
   */
  async updateDelivery(delivery: DeliveryRecord, tx?: PgExecutor): Promise<void> {
    this.leased.release(delivery.id); // handed back or rewritten: its claim's endpoint row no longer serves it
    const [id, ...values] = deliveryCodec.encode(delivery, dialect);
    const n = values.length;
    const parked = parkedSql(this.#db, ph(n + 1), ph(n + 2));
    const sql = `UPDATE ${this.#t.deliveries} SET ${DELIVERY_SET}, parked = ${parked} WHERE id = ${ph(n)}`;
    const params = [...values, id, delivery.status, delivery.endpointId];
    const write = async (on: PgExecutor) => {
      if ((await on.query(sql, params)).rowCount > 0) return;
      // Perhaps a delivery of a fan-out not written yet: written, it is updated like any other.
      if ((await this.#fanouts.expand({ deliveryId: delivery.id }, on)) === 0)
        throw notFound('delivery', delivery.id);
      if ((await on.query(sql, params)).rowCount === 0) throw notFound('delivery', delivery.id);
    };
    if (tx !== undefined) return write(tx);
    await this.#db.transaction(async (own) => {
      await lockEndpoints(own, this.#db, 'shared');
      await write(own);
    });
    // A redelivery or replay is due now, perhaps for another instance.
    if (delivery.status === 'pending') await this.#db.notify('deliveries');
  }

  async getDelivery(id: string): Promise<DeliveryRecord | null> {
    await this.#fanouts.expand({ deliveryId: id });
    const { rows } = await this.#db.query(`SELECT * FROM ${this.#t.deliveries} WHERE id = $1`, [id]);
    return rows[0] ? decodeDelivery(rows[0]) : null;
  }

  async listDeliveries(options: ListDeliveriesOptions = {}): Promise<DeliveryRecord[]> {
    // The fan-outs this list may show are written first: of its message or endpoint, or all of them.
    await this.#fanouts.expand(
      options.messageId !== undefined
        ? { messageId: options.messageId }
        : options.endpointId !== undefined
          ? { endpointId: options.endpointId }
          : { all: true },
    );
    const { sql, params } = deliveryListQuery(this.#t, options);
    return (await this.#db.query(sql, params)).rows.map(decodeDelivery);
  }

  async listAttempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    const { rows } = await this.#db.query(
      `SELECT * FROM ${this.#t.attempts} WHERE delivery_id = $1 ORDER BY seq`,
      [deliveryId],
    );
    return rows.map((row) => attemptCodec.decode(row, dialect));
  }

  async pruneDeliveries({ before, limit }: PruneDeliveriesInput): Promise<number> {
    const t = this.#t;
    return this.#db.transaction(async (tx) => {
      // SKIP LOCKED: rows another instance is pruning or updating right now are left for the next pass.
      const { rows } = await tx.query(
        `DELETE FROM ${t.deliveries} WHERE id IN (
           SELECT id FROM ${t.deliveries}
           WHERE status IN ('succeeded', 'failed') AND updated_at < $1
           ORDER BY updated_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, message_id`,
        [before.getTime(), limit ?? null],
      );
      if (rows.length === 0) return 0;
      const ids = rows.map((row) => String(row.id));
      const messageIds = [...new Set(rows.map((row) => String(row.message_id)))];
      await tx.query(`DELETE FROM ${t.attempts} WHERE delivery_id = ANY($1::text[])`, [ids]);
      const gone = await tx.query(
        `DELETE FROM ${t.messages} m WHERE m.id = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM ${deliveriesOf(t, 'm.id')} d) RETURNING m.id`,
        [messageIds],
      );
      for (const row of gone.rows) this.#messages.forget(String(row.id)); // kept since their claim
      return rows.length;
    });
  }

  async nextDeliveryAt(): Promise<Date | null> {
    const { rows } = await this.#db.query(this.#nextDue);
    const t = rows[0]?.t;
    return t === null || t === undefined ? null : new Date(Number(t));
  }
}
