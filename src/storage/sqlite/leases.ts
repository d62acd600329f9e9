import type { DeliveryRecord } from '../../notifier/types.js';
import { deliveryCodec } from '../sql/outbox-rows.js';
import { sqliteDialect as dialect, type SqliteConnection } from './connection/connection.js';
import type { Claimable, Claimed } from './fanout.js';

/**
 * Leases the rows a claim takes, by rowid (one probe each). The claim read them whole, in the same write
 * transaction, so nothing can change them in between: their records are made from what it read, with the
 * lease, and the UPDATE returns nothing. With `RETURNING` every row leased went through a temporary table
 * first (~1 µs of CPU a row, measured with the claim's SELECT and commit at 32 rows a claim).
 */
const LEASE = `UPDATE cronhook_deliveries SET locked_by = ?, locked_until = ?
  WHERE rowid IN (SELECT value FROM json_each(?))`;

/** Rowids kept at most: a lease that ends without an outcome written here (taken over, stopped) leaves its own. */
const ROWIDS_KEPT = 4096;

/**
 * The leases a claim takes on stored delivery rows, and the rowids of the rows leased, by delivery id, until
 * each one's outcome is written: the outcome's update then goes straight to the row instead of through the
 * id's index first (about 0.7 µs less a delivery). A hint only: the update checks the id, and falls back on it.
 */
export class DeliveryLeases {
  readonly #c: SqliteConnection;
  readonly #rowids = new Map<string, number>();

  constructor(connection: SqliteConnection) {
    this.#c = connection;
  }

  /** Leases the stored rows the claim takes; returns them as leased, by rowid. Inside the claim's write. */
  lease(taken: Claimed[], instanceId: string, lockedUntil: number): Map<number, DeliveryRecord> {
    const leased = new Map<number, DeliveryRecord>();
    const rows: Claimable[] = [];
    for (const { stored } of taken) if (stored) rows.push(stored);
    if (rows.length === 0) return leased;
    if (this.#rowids.size + rows.length > ROWIDS_KEPT) this.#rowids.clear();
    this.#c.run(LEASE, [instanceId, lockedUntil, JSON.stringify(rows.map((row) => row[0]))]);
    for (const row of rows) {
      const delivery = deliveryCodec.fromValues(row.slice(2), dialect);
      delivery.lockedBy = instanceId;
      delivery.lockedUntil = new Date(lockedUntil);
      leased.set(row[0], delivery);
      this.#rowids.set(delivery.id, row[0]);
    }
    return leased;
  }

  /** The rowid of a delivery leased here, once (its outcome is being written); undefined when not known. */
  takeRowid(id: string): number | undefined {
    const rowid = this.#rowids.get(id);
    if (rowid !== undefined) this.#rowids.delete(id);
    return rowid;
  }
}
