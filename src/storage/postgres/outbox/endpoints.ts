import type { Clock } from '../../../clock.js';
import type { EndpointRecord } from '../../../notifier/types.js';
import { duplicateEndpoint, notFound } from '../../errors.js';
import { insertSql, postgresPlaceholder as ph, setSql } from '../../sql/codec.js';
import { endpointCodec } from '../../sql/outbox-rows.js';
import { BatchedLookup, lookupById } from '../batched-lookup.js';
import {
  postgresDialect as dialect,
  type PgExecutor,
  type PgRow,
  type PostgresDatabase,
} from '../database.js';
import type { PostgresFanouts } from './fanout.js';
import { KeptEndpoints } from './kept-endpoints.js';
import { LeasedEndpoints } from './leased-endpoints.js';
import { lockEndpoints, reparkDeliveries } from './parking.js';

const decodeEndpoint = (row: PgRow) => endpointCodec.decode(row, dialect);
const ENDPOINT_SET = setSql(endpointCodec.columns.slice(1), ph);

/**
 * The endpoints of `PostgresOutbox` (which extends this): their writes, which park or unpark the deliveries
 * of an endpoint whose enabled flag changes (parking.ts), and their reads: by id batched per turn
 * (getEndpoint), for an attempt first from {@link leased}, which the outbox's claims fill and its attempt
 * results and writes here clear (getDeliveryEndpoint), and all of them through KeptEndpoints.
 */
export class PostgresEndpoints {
  readonly #db: PostgresDatabase;
  readonly #t: PostgresDatabase['tables'];
  readonly #kept: KeptEndpoints;
  readonly #fanouts: PostgresFanouts;
  /** Endpoint rows by id, batched per turn (see BatchedLookup). */
  readonly #lookup: BatchedLookup;
  /** The rows claims returned, for the deliveries they leased (see LeasedEndpoints). */
  protected readonly leased: LeasedEndpoints;

  /**
   * @param fanouts the outbox's fan-outs: a deleted endpoint's deliveries in them are written first.
   * @param clock ends the leases of the rows claims returned (see LeasedEndpoints).
   */
  constructor(db: PostgresDatabase, fanouts: PostgresFanouts, clock: Clock) {
    this.#db = db;
    this.leased = new LeasedEndpoints(clock);
    this.#t = db.tables;
    this.#fanouts = fanouts;
    this.#kept = new KeptEndpoints(db);
    this.#lookup = new BatchedLookup(lookupById(db, db.tables.endpoints, endpointCodec.columns));
  }

  async insertEndpoint(endpoint: EndpointRecord): Promise<void> {
    const sql = `${insertSql(this.#t.endpoints, endpointCodec.columns, ph)} ON CONFLICT (id) DO NOTHING`;
    if ((await this.#db.query(sql, endpointCodec.encode(endpoint, dialect))).rowCount === 0) {
      throw duplicateEndpoint(endpoint.id);
    }
  }

  async updateEndpoint(endpoint: EndpointRecord): Promise<void> {
    if (!(await this.#update(endpoint, null))) throw notFound('endpoint', endpoint.id);
  }

  replaceEndpoint(endpoint: EndpointRecord, expectedUpdatedAt: Date): Promise<boolean> {
    return this.#update(endpoint, expectedUpdatedAt.getTime());
  }

  /** Writes the endpoint when it exists and, unless `expected` is null, its `updated_at` is that. */
  async #update(endpoint: EndpointRecord, expected: number | null): Promise<boolean> {
    const [id, ...values] = endpointCodec.encode(endpoint, dialect);
    const sql = `UPDATE ${this.#t.endpoints} SET ${ENDPOINT_SET} WHERE id = ${ph(values.length)}`;
    this.leased.forget(endpoint.id);
    let written: boolean;
    try {
      written = await this.#db.transaction(async (tx) => {
        // Its enabled flag may change: then its pending deliveries are parked or unparked with it. Only then:
        // re-parking reads every delivery the endpoint has, and most updates (a secret rotated) keep the flag.
        await lockEndpoints(tx, this.#db, 'exclusive');
        const { rows } = await tx.query(
          `SELECT enabled, updated_at FROM ${this.#t.endpoints} WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (rows.length === 0 || (expected !== null && Number(rows[0]!.updated_at) !== expected))
          return false;
        await tx.query(sql, [...values, id]);
        if (rows[0]!.enabled !== endpoint.enabled) await reparkDeliveries(tx, this.#db, [endpoint.id]);
        return true;
      });
    } finally {
      this.leased.forget(endpoint.id);
    }
    // It may have been re-enabled, making its waiting deliveries due.
    if (written) await this.#db.notify('deliveries');
    return written;
  }

  async getEndpoint(id: string, tx: PgExecutor = this.#db): Promise<EndpointRecord | null> {
    if (tx === this.#db) {
      const row = await this.#lookup.get(id);
      return row ? decodeEndpoint(row) : null;
    }
    const { rows } = await tx.query(`SELECT * FROM ${this.#t.endpoints} WHERE id = $1`, [id]);
    return rows[0] ? decodeEndpoint(rows[0]) : null;
  }

  /**
   * For an attempt of a delivery claimed here: the row its claim returned while kept (see LeasedEndpoints).
   * Not async: a kept row (the usual read, once per attempt) is answered as it is, without a promise and an
   * `await`'s turn on top of the one SplitStorage hands the caller.
   */
  getDeliveryEndpoint(id: string): EndpointRecord | null | Promise<EndpointRecord | null> {
    const kept = this.leased.get(id);
    if (kept !== undefined) return kept;
    return this.#lookup.get(id).then((row) => (row ? decodeEndpoint(row) : null));
  }

  async listEndpoints(options: { limit?: number; after?: string } = {}): Promise<EndpointRecord[]> {
    const limit = options.limit ?? 100;
    const after =
      options.after === undefined
        ? undefined
        : (
            await this.#db.query(`SELECT created_at, id FROM ${this.#t.endpoints} WHERE id = $1`, [
              options.after,
            ])
          ).rows[0];
    const { rows } = after
      ? await this.#db.query(
          `SELECT * FROM ${this.#t.endpoints} WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`,
          [after.created_at, after.id, limit],
        )
      : await this.#db.query(`SELECT * FROM ${this.#t.endpoints} ORDER BY created_at, id LIMIT $1`, [limit]);
    return rows.map(decodeEndpoint);
  }

  /** Every endpoint, decoded once and handed out again while unchanged (see KeptEndpoints). */
  currentEndpoints = (): Promise<readonly Readonly<EndpointRecord>[]> => this.#kept.current();

  async deleteEndpoint(id: string): Promise<boolean> {
    this.leased.forget(id);
    const deleted = await this.#db.transaction(async (tx) => {
      // Its deliveries in fan-outs not written yet are written first, to go with the others.
      await this.#fanouts.expand({ endpointId: id }, tx);
      await tx.query(
        `DELETE FROM ${this.#t.attempts} WHERE delivery_id IN
           (SELECT id FROM ${this.#t.deliveries} WHERE endpoint_id = $1 AND status = 'pending')`,
        [id],
      );
      await tx.query(`DELETE FROM ${this.#t.deliveries} WHERE endpoint_id = $1 AND status = 'pending'`, [id]);
      return (await tx.query(`DELETE FROM ${this.#t.endpoints} WHERE id = $1`, [id])).rowCount > 0;
    });
    this.leased.forget(id);
    return deleted;
  }
}
