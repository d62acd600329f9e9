import type { EndpointRecord } from '../../../notifier/types.js';
import { endpointCodec } from '../../sql/outbox-rows.js';
import { postgresDialect as dialect, type PgRow, type PgSql, type PostgresDatabase } from '../database.js';

type Endpoints = readonly Readonly<EndpointRecord>[];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const nested of Object.values(value)) deepFreeze(nested);
  }
  return value;
}

/**
 * `PostgresStorage.currentEndpoints()`: every endpoint, decoded once and handed out again while unchanged, so
 * that a publish matching its event against 50 endpoints decodes none of them (~7 µs each) unless one changed.
 * Whether they changed is asked at every call, as another instance may change endpoints at any time: one
 * query reads a fingerprint of the endpoint rows (each row's id and `xmin`, the transaction that wrote that
 * version of it: an insert, update or delete by any process, whatever cronhook version, changes it) and, only
 * when it differs from the kept records', the rows, from the same snapshot. No trigger or counter row, so
 * endpoint writes never wait for each other on one. Calls made in one synchronous stretch (the events of a
 * batch of runs) share one query, sent after all of them were made: each sees every write committed before it.
 */
export class KeptEndpoints {
  readonly #db: PostgresDatabase;
  readonly #check: PgSql;
  #fingerprint: string | null = null;
  #records: Endpoints = Object.freeze([]);
  #checking: Promise<Endpoints> | null = null;

  constructor(db: PostgresDatabase) {
    this.#db = db;
    const { endpoints } = db.tables;
    this.#check = db.statement(`WITH v AS (
        SELECT md5(string_agg(id || ':' || xmin::text, ',' ORDER BY id)) AS fingerprint FROM ${endpoints})
      SELECT v.fingerprint, CASE WHEN v.fingerprint IS DISTINCT FROM $1::text
        THEN (SELECT COALESCE(json_agg(e ORDER BY e.created_at, e.id), '[]') FROM ${endpoints} e) END AS rows FROM v`);
  }

  current(): Promise<Endpoints> {
    this.#checking ??= Promise.resolve().then(() => {
      this.#checking = null;
      return this.#current();
    });
    return this.#checking;
  }

  async #current(): Promise<Endpoints> {
    // What was kept when the query was sent: another call's answer may replace it before this one's comes.
    const sent = { fingerprint: this.#fingerprint, records: this.#records };
    const { rows } = await this.#db.query(this.#check, [sent.fingerprint]);
    const row = rows[0]!;
    // No rows returned: unchanged since `sent` (or still no endpoint at all, whose fingerprint is null).
    if (row.rows === null) return sent.records;
    const records = (row.rows as PgRow[]).map((r) => deepFreeze(endpointCodec.decode(r, dialect)));
    this.#fingerprint = String(row.fingerprint);
    this.#records = Object.freeze(records);
    return this.#records;
  }
}
