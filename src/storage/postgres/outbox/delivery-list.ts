import { postgresPlaceholder as ph } from '../../sql/codec.js';
import type { ListDeliveriesOptions } from '../../types.js';
import type { PgTables } from '../database.js';
import { derivedFrom, ownIdRows } from '../migrations/message-index.js';

/**
 * A message's deliveries (`messageId` an SQL expression), as a subquery: those whose ids are derived from the
 * message's by a range of the primary key, the others through the message index, which holds only those
 * (schema version 24, migrations/message-index.ts).
 */
export function deliveriesOf(t: PgTables, messageId: string): string {
  return `(SELECT * FROM ${t.deliveries} WHERE message_id = ${messageId} AND ${derivedFrom('id', messageId)}
    UNION ALL SELECT * FROM ${t.deliveries} WHERE message_id = ${messageId} AND ${ownIdRows()})`;
}

/** The statement of `listDeliveries`: newest first, filtered, one page after the `before` cursor. */
export function deliveryListQuery(
  t: PgTables,
  options: ListDeliveriesOptions,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => ph(params.push(value) - 1);
  if (options.endpointId !== undefined) where.push(`endpoint_id = ${p(options.endpointId)}`);
  if (options.status !== undefined) where.push(`status = ${p(options.status)}`);
  // A job's deliveries, through its messages (a delivery's createdAt is its message's): the job's messages
  // newest first from their index, then each message's deliveries.
  const byJob = options.jobId !== undefined;
  let from = t.deliveries;
  if (byJob) {
    from = `${t.messages} m CROSS JOIN LATERAL ${deliveriesOf(t, 'm.id')} d`;
    if (options.messageId !== undefined) where.push(`d.message_id = ${p(options.messageId)}`);
  } else if (options.messageId !== undefined) from = `${deliveriesOf(t, `${p(options.messageId)}::text`)} d`;
  if (options.topic !== undefined) where.push(`${byJob ? 'd.' : ''}topic = ${p(options.topic)}`);
  const created = byJob ? 'm.created_at' : 'created_at';
  const id = byJob ? 'd.id' : 'id';
  if (byJob) where.push(`m.job_id = ${p(options.jobId)}`);
  if (options.since !== undefined) where.push(`${created} >= ${p(options.since.getTime())}`);
  if (options.until !== undefined) where.push(`${created} < ${p(options.until.getTime())}`);
  if (options.before !== undefined) {
    where.push(`(${created}, ${id}) < (${p(options.before.createdAt.getTime())}, ${p(options.before.id)})`);
  }
  const sql = `SELECT ${byJob ? 'd.*' : '*'} FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${created} DESC, ${id} DESC LIMIT ${p(options.limit ?? 50)}`;
  return { sql, params };
}
