import type { DeliveryRecord } from '../../../notifier/types.js';
import { deliveryCodec } from '../../sql/outbox-rows.js';
import { ASYNC_COMMIT, postgresDialect as dialect, type PgRow, type PostgresDatabase } from '../database.js';
import { ENDPOINT_VERSION } from './endpoint-versions.js';

/**
 * The delivery claim (schema version 23, migrations/claim-columns.ts): claim_delivery_rows() leases the
 * deliveries (FOR UPDATE OF d SKIP LOCKED, in index order, from the floor in $8/$9: see ClaimFloor) and
 * returns them as rows of the deliveries table. The claimed deliveries' messages and endpoints come with
 * them, each once, for the reads that follow a claim: a row per message, and a row per endpoint with its
 * version and, only when that differs from the one sent in $6/$7, its row (see EndpointVersions). Where the
 * statement before version 23 picked each one's first delivery through a window sort by endpoint and another
 * by message, a message is read by a subquery per distinct id (as before, by its primary key whatever the
 * statistics say: read by `= ANY (ids)`, a plan made while the table was small scanned it whole, until an
 * analyze), the endpoints by `id = ANY (ids)` (as before, the plan decides how; there are few).
 *
 * Each row is a delivery (`message_id` set), a message (`body` set) or an endpoint (`endpoint_version` set);
 * the columns they share by name (`id`, `topic`, `created_at`) are each one's own, so the codecs read each
 * kind of row as they read that table's.
 */
export function claimStatement(db: PostgresDatabase) {
  const t = db.tables;
  const none = (n: number) => Array<string>(n).fill('NULL').join(', ');
  return db.statement(`WITH c AS (SELECT * FROM ${db.schema}.claim_delivery_rows($1, $2, $3, $4, $5::text[], $8::bigint, $9::text))
    SELECT ${deliveryCodec.columns.map((column) => `c.${column}`).join(', ')},
      NULL::text AS body, NULL::text AS job_id, NULL::text AS traceparent, NULL::text AS tracestate,
      NULL::text AS endpoint_version, NULL::json AS endpoint_row, ${ASYNC_COMMIT}
    FROM c
    UNION ALL SELECT (k.m).id, NULL, NULL, (k.m).topic, ${none(6)}, (k.m).created_at, ${none(3)},
      (k.m).body, (k.m).job_id, (k.m).traceparent, (k.m).tracestate, NULL, NULL, NULL
    FROM (SELECT (SELECT m FROM ${t.messages} m WHERE m.id = u.id) AS m
      FROM (SELECT DISTINCT message_id AS id FROM c) u OFFSET 0) k
    WHERE (k.m).id IS NOT NULL
    UNION ALL SELECT e.id, ${none(17)}, ${ENDPOINT_VERSION},
      CASE WHEN ${ENDPOINT_VERSION} IS DISTINCT FROM ($7::text[])[array_position($6::text[], e.id COLLATE "C")]
        THEN to_json(e) END, NULL
    FROM ${t.endpoints} e WHERE e.id = ANY (ARRAY(SELECT endpoint_id FROM c))`);
}

/** A claim's result, by kind of row (see claimStatement). */
export interface ClaimRows {
  /** The claimed deliveries, in claim order: by due time, then id. */
  deliveries: DeliveryRecord[];
  /** Their messages' rows (messageCodec's columns), in their first deliveries' order. */
  messages: PgRow[];
  /** Their endpoints' versions, with the row when it changed; an endpoint not found is missing. */
  endpoints: Map<string, { version: string; row: PgRow | null }>;
}

/** How many deliveries a claim's rows hold. */
export function claimedCount(rows: readonly PgRow[]): number {
  let n = 0;
  for (const row of rows) if (row.message_id !== null) n++;
  return n;
}

/** Sorts a claim's rows by kind (see claimStatement). */
export function claimRows(rows: readonly PgRow[]): ClaimRows {
  const deliveries: DeliveryRecord[] = [];
  const messageRows = new Map<string, PgRow>();
  const endpoints: ClaimRows['endpoints'] = new Map();
  for (const row of rows) {
    if (row.message_id !== null) deliveries.push(deliveryCodec.decode(row, dialect));
    else if (row.endpoint_version !== null)
      endpoints.set(String(row.id), {
        version: String(row.endpoint_version),
        row: row.endpoint_row as PgRow | null,
      });
    else messageRows.set(String(row.id), row);
  }
  deliveries.sort(
    (a, b) => a.nextAttemptAt!.getTime() - b.nextAttemptAt!.getTime() || (a.id < b.id ? -1 : 1),
  );
  // In their deliveries' claim order (the statement returns them in no order): the latest kept are the latest
  // claimed (see BatchedLookup.prime).
  const messages: PgRow[] = [];
  for (const { messageId } of deliveries) {
    const row = messageRows.get(messageId);
    if (row === undefined) continue;
    messages.push(row);
    messageRows.delete(messageId);
  }
  return { deliveries, messages, endpoints };
}
