import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { useTempDir } from '../helpers/test-lifecycle.js';
import { runCrashTest } from './crash-harness.js';

const dir = useTempDir('crash').path;

describe('crash test: webhooks from SQLite', () => {
  // The outbox's writes on the main thread (the default) and on the write thread.
  it.each(['main', 'worker'] as const)(
    'writeThread %s: delivers every stored message with its webhook-id across 5 SIGKILLs, and the file stays intact',
    async (writeThread) => {
      const path = join(dir, `crash-${writeThread}.db`);
      const seed = Number(process.env.CRONHOOK_CRASH_SEED ?? Date.now() % 1_000_000);
      const { published, delivered } = await runCrashTest({
        storage: { kind: 'sqlite', path, writeThread },
        open: () => new SqliteStorage({ path, writeThread }),
        kills: 5,
        finalCount: 50,
        seed,
      });
      expect(published.size).toBeGreaterThan(50);
      expect(delivered.size).toBeGreaterThanOrEqual(published.size);

      const db = new DatabaseSync(path);
      try {
        expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
        expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
      } finally {
        db.close();
      }
    },
    60_000,
  );
});
