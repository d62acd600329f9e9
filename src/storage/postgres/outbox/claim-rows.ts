import type { DeliveryRecord } from '../../../notifier/types.js';
import { deliveryCodec, messageCodec } from '../../sql/outbox-rows.js';
import { ASYNC_COMMIT, postgresDialect as dialect, type PgRow, type PostgresDatabase } from '../database.js';
import { ENDPOINT_VERSION } from './endpoint-versions.js';

/** The message's columns a claimed delivery's row carries (its id is the delivery's `message_id`). */
const MESSAGE_COLUMNS = messageCodec.columns.slice(1);
/** Where a claim row's `message_id` is: set on a delivery's row, NULL on an endpoint's. */
const MESSAGE_ID = deliveryCodec.columns.indexOf('message_id');
/** Where a claim row's message columns start: after the delivery's. */
const MESSAGE_AT = deliveryCodec.columns.length;
/** Where a claim row's endpoint version and endpoint row are. */
const VERSION_AT = MESSAGE_AT + MESSAGE_COLUMNS.length;
/**
 * The delivery columns a claim does not return (NULL on its rows): their values are the claim's own. A claimed
 * delivery is pending (claim_delivery_rows() takes only pending ones, and writes a fan-out's as pending), and
 * its lease is the one the claim wrote: `locked_by` its instance, `locked_until` its `now` + `leaseMs`.
 */
const KNOWN = ['status', 'locked_by', 'locked_until'] as const;
const STATUS_AT = deliveryCodec.columns.indexOf('status');
const LOCKED_BY_AT = deliveryCodec.columns.indexOf('locked_by');
const LOCKED_UNTIL_AT = deliveryCodec.columns.indexOf('locked_until');

/**
 * The delivery claim (schema version 23, migrations/claim-columns.ts): claim_delivery_rows() leases the
 * deliveries (FOR UPDATE OF d SKIP LOCKED, in index order, from the floor in $8/$9: see ClaimFloor) and
 * returns them as rows of the deliveries table. The claimed deliveries' messages and endpoints come with
 * them, each once, for the reads that follow a claim. A message's columns are on the row of one of its
 * deliveries (the one of least id: a hash aggregate, no sort), NULL on the others': a row per message of its
 * own made a claim at one endpoint return twice the rows, each formatted by the server and parsed by the
 * client. A message is read by a subquery per distinct id (by its primary key whatever the statistics say:
 * read by `= ANY (ids)`, a plan made while the table was small scanned it whole, until an analyze). An
 * endpoint whose version differs from the one sent in $6/$7 (see EndpointVersions) has a row of its own, with
 * its version and row; those whose version is the one sent are only named, in one row that lists their ids
 * (a row per endpoint, at 50 endpoints 50 more rows on every claim of ~63 deliveries, each formatted by the
 * server and parsed by the client, cost ~0.1-0.2 ms a claim). The endpoints are read by `id = ANY (ids)` (the
 * plan decides how; there are few).
 *
 * Rows come as arrays of their values (see PostgresDatabase.queryValues): the delivery's columns in
 * deliveryCodec's order, then the message's (MESSAGE_COLUMNS), then the endpoint's version and row. A row
 * with `message_id` set is a delivery's; else one with an id is a changed endpoint's, and the one without
 * lists the unchanged endpoints' ids (a JSON array, or NULL when there are none) where a changed one has its
 * row. A delivery's status and lease are NULL on its row (KNOWN: the client knows them), and the commit is
 * made asynchronous (ASYNC_COMMIT) on the last row, which every claim returns: each value on every row is
 * formatted by the server and parsed by the client, and these four were ~15% of the pg driver's CPU per claim
 * (`'pending'`, the instance id, the lease's end and `'off'`, of 23 columns).
 */
export function claimStatement(db: PostgresDatabase) {
  const t = db.tables;
  const none = (n: number) => Array<string>(n).fill('NULL').join(', ');
  const columns = deliveryCodec.columns.length + MESSAGE_COLUMNS.length;
  return db.statement(`WITH c AS (SELECT * FROM ${db.schema}.claim_delivery_rows($1, $2, $3, $4, $5::text[], $8::bigint, $9::text)),
    k AS (SELECT f.id, (SELECT m FROM ${t.messages} m WHERE m.id = f.message_id) AS m
      FROM (SELECT message_id, min(id) AS id FROM c GROUP BY message_id) f OFFSET 0),
    ep AS (SELECT e.id, ${ENDPOINT_VERSION} AS version,
        CASE WHEN ${ENDPOINT_VERSION} IS DISTINCT FROM ($7::text[])[array_position($6::text[], e.id COLLATE "C")]
          THEN to_json(e) END AS row
      FROM ${t.endpoints} e WHERE e.id = ANY (ARRAY(SELECT endpoint_id FROM c)))
    SELECT ${deliveryCodec.columns.map((column) => (KNOWN.includes(column as never) ? `NULL AS ${column}` : `c.${column}`)).join(', ')},
      ${MESSAGE_COLUMNS.map((column) => `(k.m).${column} AS message_${column}`).join(', ')},
      NULL::text AS endpoint_version, NULL::json AS endpoint_row, NULL AS async_commit
    FROM c LEFT JOIN k ON k.id = c.id
    UNION ALL SELECT ep.id, ${none(columns - 1)}, ep.version, ep.row, NULL FROM ep WHERE ep.row IS NOT NULL
    UNION ALL SELECT ${none(columns + 1)}, (SELECT to_json(array_agg(ep.id)) FROM ep WHERE ep.row IS NULL),
      ${ASYNC_COMMIT}`);
}

/** A claim's result, by kind of row (see claimStatement). */
export interface ClaimRows {
  /** The claimed deliveries, in claim order: by due time, then id. */
  deliveries: DeliveryRecord[];
  /** Their messages' rows (messageCodec's columns), in their first deliveries' order. */
  messages: PgRow[];
  /** The endpoints whose version changed since the one sent (or was not sent), with their rows. */
  endpoints: Map<string, { version: string; row: PgRow }>;
  /** The endpoints whose version is the one sent. An endpoint in neither was not found. */
  unchanged: Set<string>;
}

/** How many deliveries a claim's rows hold. */
export function claimedCount(rows: readonly unknown[][]): number {
  let n = 0;
  for (const row of rows) if (row[MESSAGE_ID] !== null) n++;
  return n;
}

/** The lease a claim wrote on the deliveries it returns (see KNOWN). */
export interface ClaimLease {
  instanceId: string;
  /** Its `now` + `leaseMs`, in ms. */
  until: number;
}

/** Sorts a claim's rows by kind (see claimStatement); the claimed deliveries get the claim's `lease`. */
export function claimRows(rows: readonly unknown[][], lease: ClaimLease): ClaimRows {
  const deliveries: DeliveryRecord[] = [];
  const messageRows = new Map<string, PgRow>();
  const endpoints: ClaimRows['endpoints'] = new Map();
  const unchanged = new Set<string>();
  for (const row of rows) {
    if (row[MESSAGE_ID] === null) {
      if (row[0] !== null) {
        endpoints.set(String(row[0]), {
          version: String(row[VERSION_AT]),
          row: row[VERSION_AT + 1] as PgRow,
        });
      } else {
        for (const id of (row[VERSION_AT + 1] as string[] | null) ?? []) unchanged.add(id);
      }
      continue;
    }
    row[STATUS_AT] = 'pending';
    row[LOCKED_BY_AT] = lease.instanceId;
    row[LOCKED_UNTIL_AT] = lease.until;
    deliveries.push(deliveryCodec.fromValues(row, dialect));
    // A message not found (deleted since) has no columns: `topic` is never NULL in a stored one.
    if (row[MESSAGE_AT] === null) continue;
    const message: PgRow = { id: row[MESSAGE_ID] };
    for (let i = 0; i < MESSAGE_COLUMNS.length; i++) message[MESSAGE_COLUMNS[i]!] = row[MESSAGE_AT + i];
    messageRows.set(String(row[MESSAGE_ID]), message);
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
  return { deliveries, messages, endpoints, unchanged };
}
