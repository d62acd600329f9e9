import type { Message } from '../../notifier/types.js';
import { deliveryCodec, messageCodec } from '../sql/outbox-rows.js';
import { sqliteDialect as dialect, type SqliteConnection } from './connection/connection.js';
import type { Claimable } from './fanout.js';
import { RUN_LIMIT } from './statements.js';

const FROM_PENDING = 'FROM cronhook_deliveries d JOIN cronhook_endpoints e ON e.id = d.endpoint_id';
const PENDING = `d.status = 'pending' AND d.parked = 0 AND e.enabled = 1`;
/** Pending deliveries to enabled endpoints, as `d` (with `e`, their endpoints). */
export const PENDING_TO_ENABLED = `${FROM_PENDING} WHERE ${PENDING}`;

/** Where a row's message columns begin, when read with them: after rowid, wake_at and the delivery's. */
const MESSAGE_AT = 2 + deliveryCodec.columns.length;
const MESSAGE_ID_AT = 2 + deliveryCodec.columns.indexOf('message_id');

/**
 * The pending deliveries a claim may take, in claim order: `[rowid, wake_at, ...columns]` (see `Claimable`),
 * then, `withMessages`, the columns of each one's message (null when it has none).
 * Whole rows: the claim reads each row anyway (its endpoint, its status), and its lease then needs no
 * `RETURNING`, which copies the rows it updates into a temporary table before handing them back.
 */
const claimable = (withMessages: boolean) =>
  `SELECT d.rowid, d.wake_at, ${deliveryCodec.columns.map((c) => `d.${c}`).join(', ')}${
    withMessages ? `, ${messageCodec.columns.map((c) => `m.${c}`).join(', ')}` : ''
  } ${FROM_PENDING}${withMessages ? ' LEFT JOIN cronhook_messages m ON m.id = d.message_id' : ''}
  WHERE ${PENDING} AND d.wake_at <= ?
  AND d.endpoint_id NOT IN (SELECT value FROM json_each(?)) ORDER BY d.wake_at, d.id ${RUN_LIMIT}`;
const CLAIMABLE = claimable(false);
const CLAIMABLE_WITH_MESSAGES = claimable(true);
const MESSAGES = `SELECT ${messageCodec.columns.join(', ')} FROM cronhook_messages
  WHERE id IN (SELECT value FROM json_each(?))`;

/**
 * What a claim reads of the stored pending deliveries, and of the messages of those it leases that are not
 * kept decoded (see `RecordCache`). Those messages come either from one statement after the lease, by id, or
 * with the rows themselves, joined: whichever the previous claim's rows called for. Where most messages are
 * not kept (one endpoint: each delivery a message of its own), the join reads each one where the claim already
 * is, without a statement, a list of ids and a probe per id more (about half the cost of the claim's
 * SELECT again, per row, measured alone); where most are kept (the deliveries of fan-outs, many per message),
 * rows without their messages spare reading the same message again for each.
 */
export class ClaimableRows {
  readonly #c: SqliteConnection;
  /** The previous claim's leased rows mostly had messages not kept: read messages with the rows. */
  #withMessages = false;

  constructor(connection: SqliteConnection) {
    this.#c = connection;
  }

  /** The rows, at most `limit`, due at `now`, not to `excluded` endpoints. Inside the claim's write. */
  read(now: number, excluded: readonly string[], limit: number): Claimable[] {
    const sql = this.#withMessages ? CLAIMABLE_WITH_MESSAGES : CLAIMABLE;
    return this.#c.values(sql, [now, JSON.stringify(excluded), limit]) as Claimable[];
  }

  /**
   * The messages `missing` (not kept) of the `leased` messages of rows `stored` (as {@link read} gave them),
   * decoded; decides how the next claim reads them. Inside the claim's write.
   */
  messages(stored: readonly Claimable[], missing: readonly string[], leased: number): Message[] {
    const joined = this.#withMessages;
    if (leased > 0) this.#withMessages = missing.length * 2 > leased;
    if (missing.length === 0) return [];
    if (!joined) {
      return this.#c
        .values(MESSAGES, [JSON.stringify(missing)])
        .map((values) => messageCodec.fromValues(values, dialect));
    }
    const wanted = new Set(missing);
    const messages: Message[] = [];
    for (const row of stored) {
      // A message read once, from the first of its rows; none for a row whose message is not stored.
      if (!wanted.delete(row[MESSAGE_ID_AT] as string) || row[MESSAGE_AT] === null) continue;
      messages.push(messageCodec.fromValues(row.slice(MESSAGE_AT), dialect));
    }
    return messages;
  }
}
