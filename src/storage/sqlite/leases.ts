import type { DeliveryRecord } from '../../notifier/types.js';
import { deliveryCodec } from '../sql/outbox-rows.js';
import { sqliteDialect as dialect, type SqliteConnection } from './connection.js';
import type { Claimed } from './fanout.js';

/**
 * Leases the rows a claim takes (by rowid, one probe each) and returns them as leased, `[rowid, ...columns]`:
 * the rows are read once, by the update, rather than by the claim's look and again by its lease.
 */
const LEASE = `UPDATE cronhook_deliveries SET locked_by = ?, locked_until = ?
  WHERE rowid IN (SELECT value FROM json_each(?)) RETURNING rowid, ${deliveryCodec.columns.join(', ')}`;

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
    const rowids: number[] = [];
    for (const { stored } of taken) if (stored) rowids.push(stored[0]);
    if (rowids.length === 0) return leased;
    if (this.#rowids.size + rowids.length > ROWIDS_KEPT) this.#rowids.clear();
    for (const [rowid, ...values] of this.#c.values(LEASE, [
      instanceId,
      lockedUntil,
      JSON.stringify(rowids),
    ])) {
      const delivery = deliveryCodec.fromValues(values, dialect);
      leased.set(rowid as number, delivery);
      this.#rowids.set(delivery.id, rowid as number);
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
