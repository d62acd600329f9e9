import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage, type Storage } from 'cronhook';
import { PostgresStorage } from 'cronhook/storage/postgres';
import { SqliteStorage } from 'cronhook/storage/sqlite';

export type StorageKind = 'memory' | 'sqlite' | 'postgres';

export interface BenchStorage {
  storage: Storage;
  /** Closes the storage and removes what it created (the SQLite folder; Postgres schemas stay). */
  close(): Promise<void>;
}

/**
 * A fresh, migrated storage of `kind` as users run it: SQLite a file with the default `synchronous: full`
 * (in the system temp folder, on disk), Postgres a schema of its own on the bench server (fsync on).
 */
export async function openBenchStorage(kind: StorageKind, postgresUrl?: string): Promise<BenchStorage> {
  let bench: BenchStorage;
  if (kind === 'memory') {
    bench = { storage: new MemoryStorage(), close: async () => {} };
  } else if (kind === 'postgres') {
    if (postgresUrl === undefined) throw new Error('postgresUrl missing');
    const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const storage = new PostgresStorage({ connectionString: postgresUrl, schema });
    bench = { storage, close: () => storage.close() };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'cronhook-bench-'));
    const storage = new SqliteStorage({ path: join(dir, 'bench.db') });
    bench = {
      storage,
      close: async () => {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  await bench.storage.migrate();
  return bench;
}
