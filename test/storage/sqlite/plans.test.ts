/**
 * The dashboard's pages and telemetry's gauges on SQLite (stats(), filtered lists): every statement reads by
 * index. The statements are the adapter's own, recorded as it sends them, then explained.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/storage/sqlite/connection/connection.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { runOperatorQueries, seedOperatorData } from '../../helpers/operator-data.js';
import { useTempDir } from '../../helpers/test-lifecycle.js';

const dir = useTempDir('sqlite-plans').path;

it('stats and the dashboard’s lists read by index, not whole tables', async () => {
  const path = join(dir, 'plans.db');
  const storage = new SqliteStorage({ path });
  await storage.migrate();
  await seedOperatorData(storage, 2_000);

  const sent: Array<{ sql: string; params: unknown[] }> = [];
  // Record what the adapter sends through its connection, then call the originals.
  const proto = SqliteConnection.prototype as unknown as Record<
    'all' | 'get',
    (sql: string, params?: unknown[]) => unknown
  >;
  const record = (name: 'all' | 'get') => {
    const original = proto[name];
    proto[name] = function (this: unknown, sql: string, params: unknown[] = []) {
      sent.push({ sql, params });
      return original.call(this, sql, params);
    };
    return () => {
      proto[name] = original;
    };
  };
  const restore = [record('all'), record('get')];
  try {
    await runOperatorQueries(storage);
  } finally {
    for (const undo of restore) undo();
  }
  await storage.close();

  const db = new DatabaseSync(path);
  db.exec('ANALYZE');
  const scans: string[] = [];
  const sorts: string[] = [];
  for (const { sql, params } of sent) {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...(params.map((p) => (p === undefined ? null : p)) as never[]))
      .map((row) => String(row.detail));
    // A full pass over a table without an index ("SCAN cronhook_x"); endpoints holds one row.
    for (const step of plan) {
      if (/^SCAN cronhook_(?!endpoints)\w+( AS \w+)?$/.test(step))
        scans.push(`${step} in: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`);
      // The delivery lists, newest first, read their index in its order (backwards): no sort.
      if (step.startsWith('USE TEMP B-TREE') && /^SELECT \* FROM cronhook_deliveries\b/.test(sql))
        sorts.push(`${step} in: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`);
    }
  }
  db.close();
  expect(sent.length).toBeGreaterThanOrEqual(10);
  expect(scans).toEqual([]);
  expect(sorts).toEqual([]);
});
