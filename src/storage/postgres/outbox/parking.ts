import type { PgExecutor, PostgresDatabase } from '../database.js';

/**
 * First key of the advisory lock that orders changes of an endpoint's `enabled` flag (taken exclusive) against
 * writes that decide whether a delivery is parked (taken shared); the second key is the schema's hash. The
 * migrations' SQL functions take it too: it never changes.
 */
export const ENDPOINTS_LOCK = 0x656e_6470; // 'endp'

/**
 * Parking (schema version 6): a pending delivery to a disabled endpoint is `parked`, out of the claim index,
 * so claims never walk past an endpoint's backlog while it is disabled. Whether a delivery is parked is
 * decided under one advisory lock per schema: a write that decides it from the endpoint's state takes the
 * lock shared before reading that state, and a change of an endpoint's `enabled` takes it exclusive and then
 * re-parks that endpoint's pending deliveries. Either the writer read the endpoint after the change, or the
 * change's re-parking saw the writer's row: no delivery stays parked to an enabled endpoint.
 */
export async function lockEndpoints(
  tx: PgExecutor,
  db: PostgresDatabase,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const fn = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await tx.query(`SELECT ${fn}($1, hashtext($2))`, [ENDPOINTS_LOCK, db.schema]);
}

/**
 * Parks the pending deliveries of the given endpoints that are disabled and unparks those of the enabled
 * ones, locking the rows in id order (as the other multi-row writes do) so it cannot deadlock with them.
 * The caller holds the endpoints lock exclusive, in the transaction that changed the endpoints.
 */
export async function reparkDeliveries(tx: PgExecutor, db: PostgresDatabase, endpointIds: string[]) {
  const { deliveries, endpoints } = db.tables;
  await tx.query(
    `WITH stale AS (SELECT d.id FROM ${deliveries} d JOIN ${endpoints} e ON e.id = d.endpoint_id
       WHERE d.endpoint_id = ANY($1::text[]) AND d.status = 'pending' AND d.parked = e.enabled
       ORDER BY d.id FOR UPDATE OF d)
     UPDATE ${deliveries} d SET parked = NOT d.parked FROM stale WHERE d.id = stale.id`,
    [endpointIds],
  );
}

/** The `parked` value of a delivery being written, from its endpoint's state (under the shared lock). */
export function parkedSql(db: PostgresDatabase, status: string, endpointId: string): string {
  return `(${status} = 'pending' AND (SELECT NOT e.enabled FROM ${db.tables.endpoints} e WHERE e.id = ${endpointId}) IS TRUE)`;
}
