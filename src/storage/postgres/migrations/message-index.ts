import type { Migration } from '../../sql/codec.js';

/**
 * SQL: whether delivery id `id` is in the range of the ids derived from message id `messageId`
 * (notifier/ids.ts fanoutDeliveryId: `dlv_`, the message id's characters 5 to 22, the index in 4 base64url
 * digits, `-` the lowest and `z` the highest). Only message ids of 26 characters count: a shorter one would
 * make a range holding most delivery ids. Both arguments are SQL expressions (columns or parameters).
 */
export function derivedFrom(id: string, messageId: string): string {
  const prefix = `'dlv_' || substr(${messageId}, 5, 18)`;
  return `(length(${messageId}) = 26 AND ${id} BETWEEN ${prefix} || '----' AND ${prefix} || 'zzzz')`;
}

/**
 * The condition of the message index of version 24 on a delivery row (its `id` and `message_id` columns,
 * qualified by `alias` if given): a statement reads that index only with this condition written exactly so,
 * which tells the planner the rows it wants are all in the index.
 */
export function ownIdRows(alias = ''): string {
  return `NOT ${derivedFrom(`${alias}id`, `${alias}message_id`)}`;
}

/**
 * Version 24: the index of deliveries by message holds only those whose id is not derived from their
 * message's. The notifier stores every delivery with a derived id (`fanoutDeliveries`), so those of a message
 * sit next to each other in the primary key, where a read by message finds them by range (derivedFrom); the
 * index entry each one had, written when the row was and again by its outcome (a new row version, not HOT:
 * the outcome changes the status, which partial indexes depend on), was one of twelve index entries a
 * delivery costs. Measured on a lab server (storage-only loop, both builds in one process, both slot
 * orders): WAL per delivery -9% at 1 and 50 endpoints, backend CPU level to ~4% lower (within this host's
 * noise). Deliveries stored with ids of their own (the storage API allows any) are in the index as before.
 * The index is built with the table locked against writes: with many deliveries retained, migrate at a quiet
 * time. Instances of an earlier version keep working during a rolling deploy: their writes are unchanged, and
 * their reads by message (lists by message or job, prune's check for messages left without deliveries) use
 * the new index for the rows with ids of their own and a scan of the table for the others: slower, not
 * wrong, until they are upgraded.
 */
export function messageIndexMigrations(s: string): Migration[] {
  return [
    {
      version: 24,
      name: 'message index without derived delivery ids',
      sql: `
CREATE INDEX deliveries_message_own ON ${s}.deliveries (message_id) WHERE ${ownIdRows()};
DROP INDEX ${s}.deliveries_message;`,
    },
  ];
}
