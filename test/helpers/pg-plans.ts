import pg from 'pg';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { dropSchema, postgresUrl, uniqueSchema } from './postgres.js';
import type { Cleanups } from './test-lifecycle.js';

/** A migrated storage on a pool of the test's own (so the test can watch what it sends). */
export async function openWatched(cleanups: Cleanups, prefix: string) {
  const pool = new pg.Pool({ connectionString: await postgresUrl(), max: 4 });
  const schema = uniqueSchema(prefix);
  const storage = new PostgresStorage({ pool, schema });
  cleanups.push(
    () => pool.end(),
    () => dropSchema(schema),
    () => storage.close(),
  );
  await storage.migrate();
  return { pool, schema, storage };
}

export interface Statement {
  text: string;
  values: unknown[];
  /** Sent as a named prepared statement. */
  prepared: boolean;
}

/** Records what the storage sends through `pool` until the returned function is called. */
export function recordStatements(pool: pg.Pool): { sent: Statement[]; stop: () => void } {
  const sent: Statement[] = [];
  const query = pool.query;
  pool.query = ((...args: [string | pg.QueryConfig, unknown[]?]) => {
    const [sql, values] = args;
    if (typeof sql === 'string') sent.push({ text: sql, values: values ?? [], prepared: false });
    else sent.push({ text: sql.text, values: values ?? sql.values ?? [], prepared: sql.name !== undefined });
    return query.apply(pool, args as never);
  }) as typeof pool.query;
  return { sent, stop: () => (pool.query = query) };
}

/** A value as an SQL literal, for EXECUTE of a prepared statement. */
function literal(client: pg.PoolClient, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value))
    return client.escapeLiteral(
      `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`,
    );
  return client.escapeLiteral(String(value));
}

/**
 * The plans of a statement: the one made for its values and, for a prepared statement, the generic plan a
 * connection may switch to after a few executions (made for no values in particular).
 */
export async function plansOf(pool: pg.Pool, { text, values, prepared }: Statement) {
  const root = (rows: Record<string, unknown>[]) =>
    (rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan;
  const plans = [root((await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows)];
  if (prepared) {
    const client = await pool.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE generic AS ${text}`);
      const args = values.map((v) => literal(client, v)).join(', ');
      plans.push(root((await client.query(`EXPLAIN (FORMAT JSON) EXECUTE generic(${args})`)).rows));
    } finally {
      // Only its own statement: the connection is the pool's, where the storage keeps its prepared statements.
      await client.query('DEALLOCATE generic').catch(() => {});
      await client.query('RESET plan_cache_mode').catch(() => {});
      client.release();
    }
  }
  return plans;
}

/** Relations a plan reads by sequential scan, walking every node (CTEs and subplans included). */
export function seqScans(node: Record<string, unknown>): string[] {
  const own = node['Node Type'] === 'Seq Scan' ? [String(node['Relation Name'])] : [];
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [...own, ...children.flatMap(seqScans)];
}

/** Names of the indexes a plan reads, walking every node (CTEs and subplans included). */
export function indexesRead(node: Record<string, unknown>): string[] {
  const own = typeof node['Index Name'] === 'string' ? [node['Index Name']] : [];
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [...own, ...children.flatMap(indexesRead)];
}
