/** The soak's storage: opened for the kind asked for, and counted so nothing pruned is mistaken for lost. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import type { Storage } from '../../src/storage/types.js';
import { type BenchPostgres, startBenchPostgres } from '../lib/postgres.js';

export type SoakStorageKind = 'memory' | 'sqlite' | 'postgres';

/**
 * Counts the deliveries stored and pruned, so nothing pruned by retention is mistaken for lost. A Proxy
 * rather than a subclass: the adapters keep state in private fields, so methods run on the real object.
 */
export function counted(storage: Storage, counts: { inserted: number; pruned: number }): Storage {
  return new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === 'insertMessage') {
        return async (input: Parameters<Storage['insertMessage']>[0]) => {
          await target.insertMessage(input);
          counts.inserted += input.deliveries.length;
        };
      }
      if (key === 'insertFanout' && target.insertFanout) {
        return async (input: Parameters<NonNullable<Storage['insertFanout']>>[0]) => {
          await target.insertFanout!(input);
          counts.inserted += input.endpointIds.length;
        };
      }
      if (key === 'pruneDeliveries' && target.pruneDeliveries) {
        return async (input: Parameters<NonNullable<Storage['pruneDeliveries']>>[0]) => {
          const n = await target.pruneDeliveries!(input);
          counts.pruned += n;
          return n;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function openStorage(kind: SoakStorageKind) {
  let dir: string | null = null;
  let pg: BenchPostgres | null = null;
  let storage: Storage;
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'cronhook-soak-'));
    storage = new SqliteStorage({ path: join(dir, 'soak.db') });
  } else if (kind === 'postgres') {
    pg = await startBenchPostgres();
    if (pg === null) throw new Error('PostgreSQL is not installed (no initdb found)');
    storage = new PostgresStorage({ connectionString: pg.url, max: 20 });
  } else storage = new MemoryStorage();
  return {
    storage,
    close: async () => {
      await (storage as { close?: () => Promise<void> }).close?.();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
      await pg?.stop();
    },
  };
}
