import { messageCodec } from '../../sql/outbox-rows.js';
import type { FanoutInput } from '../../types.js';
import {
  postgresDialect as dialect,
  type PgExecutor,
  type PgSql,
  type PostgresDatabase,
} from '../database.js';
import { jsonRows, messageInserts } from '../set-writes.js';

/** Which stored fan-outs a read needs written as delivery records first. */
export type FanoutScope =
  | { all: true }
  | { messageId: string }
  | { deliveryId: string }
  | { endpointId: string };

/**
 * Fan-outs to this many endpoints or more are stored as one row; to one endpoint, its delivery row is written
 * at once (a fan-out row written and deleted, and the claim's look for it, would cost more than they save).
 */
export const FANOUT_ROWS_FROM = 2;
/** Above every character: the end of a message id range that takes every id with a given beginning. */
const LAST = '\u{10FFFF}';
const NO_JSON = new Set<string>();
/** The message's topic and creation time are kept with its endpoints: its deliveries are written from them. */
const FANOUT_COLUMNS = ['message_id', 'topic', 'endpoint_ids', 'next_attempt_at', 'created_at'] as const;

/**
 * `PostgresStorage.insertFanout` (schema version 11): a publish stores its message and one `fanouts` row
 * holding its endpoints' ids, however many they are, instead of a delivery row per endpoint (50 rows with
 * five index entries each made a publish to 50 endpoints ~7x the cost of a publish to one). The delivery
 * records (ids derived from the message's, `fanoutDeliveryId`) are written later, in the database:
 * - by `claim_deliveries`, which first writes the due fan-outs (oldest first, `FOR UPDATE SKIP LOCKED`: two
 *   instances never write one twice; the fan-out row goes in the transaction that writes its deliveries);
 * - before a read that needs the records ({@link expand}: getDelivery, listDeliveries, updateDelivery and
 *   deleteEndpoint), for the fan-outs in that read's scope, after a cheap look at the fan-outs' primary key;
 * - `nextDeliveryAt` (next_delivery_at()) and `stats()` read the fan-outs as they are, writing nothing.
 * A fan-out's delivery to an endpoint deleted before it was written is never written, as deleteEndpoint deletes
 * pending deliveries.
 */
export class PostgresFanouts {
  readonly #db: PostgresDatabase;
  readonly #insertMany: PgSql;
  readonly #expand: PgSql;
  readonly #inserts = messageInserts<FanoutInput>(
    (inputs) => this.#insertSet(inputs),
    (input) => 40 * input.endpointIds.length,
  );

  constructor(db: PostgresDatabase) {
    this.#db = db;
    const t = db.tables;
    const messageColumns = messageCodec.columns.join(', ');
    const fanoutColumns = FANOUT_COLUMNS.join(', ');
    // One statement, one round trip and one commit for the fan-outs published together; the notification
    // is sent on commit. Nothing here decides parking: that happens when the deliveries are written.
    this.#insertMany = db.statement(`WITH m AS (INSERT INTO ${t.messages} (${messageColumns})
        SELECT ${messageColumns} FROM json_populate_recordset(null::${t.messages}, $1::json)),
      f AS (INSERT INTO ${t.fanouts} (${fanoutColumns})
        SELECT ${fanoutColumns} FROM json_populate_recordset(null::${t.fanouts}, $2::json))
      SELECT pg_notify($3, 'deliveries')`);
    this.#expand = db.statement(`SELECT ${db.schema}.expand_fanouts($1, $2, $3) AS n`);
  }

  /** Group-committed: the fan-outs published together are stored by one statement. */
  insert(input: FanoutInput): Promise<void> {
    return this.#inserts.push<void>(input);
  }

  async #insertSet(inputs: FanoutInput[]): Promise<void> {
    const fanouts = inputs.filter((i) => i.endpointIds.length > 0);
    await this.#db.query(this.#insertMany, [
      jsonRows(
        messageCodec.columns,
        NO_JSON,
        inputs.map((i) => messageCodec.encode(i.message, dialect)),
      ),
      jsonRows(
        FANOUT_COLUMNS,
        NO_JSON,
        fanouts.map(({ message, endpointIds, nextAttemptAt }) => [
          message.id,
          message.topic,
          endpointIds,
          nextAttemptAt.getTime(),
          message.createdAt.getTime(),
        ]),
      ),
      this.#db.channel,
    ]);
  }

  /**
   * Writes the delivery records of the stored fan-outs in `scope`, so that a read of the deliveries table
   * that follows (in `tx`, or after this resolves) sees them; a fan-out a claim is writing meanwhile is waited
   * for. Without stored fan-outs in the scope it costs one look at an index. Resolves with how many fan-outs
   * were written.
   */
  async expand(scope: FanoutScope, tx: PgExecutor = this.#db): Promise<number> {
    let from = '';
    let to = LAST;
    let endpoint: string | null = null;
    if ('messageId' in scope) from = to = scope.messageId;
    else if ('endpointId' in scope) endpoint = scope.endpointId;
    else if ('deliveryId' in scope) {
      // A fan-out's delivery id holds its message id's characters 5 to 22 (notifier/ids.ts): any other id is
      // not one of a fan-out.
      const id = scope.deliveryId;
      if (!id.startsWith('dlv_') || id.length !== 26) return 0;
      from = `msg_${id.slice(4, 22)}`;
      to = from + LAST;
    }
    const { rows } = await tx.query(this.#expand, [from, to, endpoint]);
    return Number(rows[0]?.n ?? 0);
  }
}
