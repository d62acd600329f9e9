import { postgresPlaceholder as ph } from '../../sql/codec.js';
import type { ListDeliveriesOptions } from '../../types.js';
import type { PgTables } from '../database.js';

/** The statement of `listDeliveries`: newest first, filtered, one page after the `before` cursor. */
export function deliveryListQuery(
  t: PgTables,
  options: ListDeliveriesOptions,
): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (value: unknown) => ph(params.push(value) - 1);
  if (options.endpointId !== undefined) where.push(`endpoint_id = ${p(options.endpointId)}`);
  if (options.messageId !== undefined) where.push(`message_id = ${p(options.messageId)}`);
  if (options.status !== undefined) where.push(`status = ${p(options.status)}`);
  // A job's deliveries, through its messages (a delivery's createdAt is its message's): the job's messages
  // newest first from their index, then each message's deliveries.
  const byJob = options.jobId !== undefined;
  if (options.topic !== undefined) where.push(`${byJob ? 'd.' : ''}topic = ${p(options.topic)}`);
  const created = byJob ? 'm.created_at' : 'created_at';
  const id = byJob ? 'd.id' : 'id';
  if (byJob) where.push(`m.job_id = ${p(options.jobId)}`);
  if (options.since !== undefined) where.push(`${created} >= ${p(options.since.getTime())}`);
  if (options.until !== undefined) where.push(`${created} < ${p(options.until.getTime())}`);
  if (options.before !== undefined) {
    where.push(`(${created}, ${id}) < (${p(options.before.createdAt.getTime())}, ${p(options.before.id)})`);
  }
  const from = byJob ? `${t.messages} m JOIN ${t.deliveries} d ON d.message_id = m.id` : t.deliveries;
  const sql = `SELECT ${byJob ? 'd.*' : '*'} FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${created} DESC, ${id} DESC LIMIT ${p(options.limit ?? 50)}`;
  return { sql, params };
}
