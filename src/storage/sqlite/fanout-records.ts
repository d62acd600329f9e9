import type { DeliveryRecord } from '../../notifier/types.js';
import type { SqliteConnection, SqlRow } from './connection/connection.js';

/** A fan-out's message row (`cronhook_messages`, compact form) and the delivery records to write for it. */
export interface FanoutRecords {
  row: SqlRow;
  records: DeliveryRecord[];
}

const COLUMNS = `id, message_id, endpoint_id, topic, status, attempts, next_attempt_at, created_at, updated_at,
  locked_by, locked_until, parked`;
const ROW = `(?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?)`;
const PARAMS_PER_ROW = 10;

/**
 * Rows one INSERT writes at most. A claim that writes records writes a thousand or more (see `WRITE_AT_LEAST`); what is left
 * under this goes in statements of 32, 16, ... 1 rows, so that at most seven are ever prepared. Measured with
 * 500 records to 50 endpoints per transaction, commit included: ~9 µs of CPU per record one row per
 * statement, ~7.5 at 50 rows per statement, ~8 at 10.
 */
const ROWS_PER_INSERT = 64;

/**
 * Delivery records of fan-outs, several rows per statement. `OR FAIL`: a statement that writes several rows
 * and may stop on a constraint part-way (ABORT, the default) keeps, until it ends, the original of every page
 * it changes, to undo its own rows alone; a fan-out's records change a page of the per-endpoint index per
 * endpoint, and past 64 KiB that statement journal goes to a temporary file (~16 µs per record, measured in
 * one `INSERT … SELECT` per fan-out). FAIL keeps the rows written before the failing one and returns the
 * error: the write they belong to then fails, and its savepoint, or the rollback of the group it ran in,
 * undoes them with the rest of it (see `SqliteConnection.write`). These run inside a write only.
 */
const INSERTS = new Map<number, string>();
const insertRows = (rows: number): string => {
  let sql = INSERTS.get(rows);
  if (sql === undefined) {
    sql = `INSERT OR FAIL INTO cronhook_deliveries (${COLUMNS}) VALUES ${Array(rows).fill(ROW).join(', ')}`;
    INSERTS.set(rows, sql);
  }
  return sql;
};
const WRITTEN = 'UPDATE cronhook_messages SET fanout = NULL, fanout_due = NULL WHERE id = ?';

/**
 * Writes the records of `fanouts` as they are (pending, or leased by the claim) and clears their compact
 * form. `enabled` tells an endpoint's state as the transaction sees it (null: not there). `fanouts` is read
 * once, as it goes: a read or a deletion may write a whole backlog's records. Inside a write.
 */
export function writeFanoutRecords(
  c: SqliteConnection,
  fanouts: Iterable<FanoutRecords>,
  enabled: (endpointId: string) => boolean | null,
): void {
  let params: unknown[] = [];
  const written: unknown[] = [];
  for (const { row, records } of fanouts) {
    written.push(row.id);
    const due = Number(row.fanout_due);
    const created = Number(row.created_at);
    for (const r of records) {
      params.push(
        r.id,
        row.id,
        r.endpointId,
        row.topic,
        due,
        created,
        created,
        r.lockedBy,
        r.lockedUntil?.getTime() ?? null,
        // As insertMessage parks it: pending to a disabled endpoint (a leased one goes to an enabled one).
        enabled(r.endpointId) === false ? 1 : 0,
      );
      if (params.length === ROWS_PER_INSERT * PARAMS_PER_ROW) {
        c.run(insertRows(ROWS_PER_INSERT), params);
        params = [];
      }
    }
  }
  let start = 0;
  for (let rows = ROWS_PER_INSERT / 2; rows >= 1; rows /= 2) {
    if ((params.length - start) / PARAMS_PER_ROW < rows) continue;
    c.run(insertRows(rows), params.slice(start, start + rows * PARAMS_PER_ROW));
    start += rows * PARAMS_PER_ROW;
  }
  for (const id of written) c.run(WRITTEN, [id]);
}
