import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { useTempDir } from '../helpers/test-lifecycle.js';
import { runMultiInstanceTest } from './multi-instance-harness.js';

const dir = useTempDir('cluster').path;

describe('three scheduler processes on one SQLite file (WAL)', () => {
  it('run every occurrence of 60 jobs (more than one claim batch) due every second for 10 s exactly once, across a SIGKILL', async () => {
    const path = join(dir, 'cluster.db');
    const result = await runMultiInstanceTest({
      storage: { kind: 'sqlite', path, shared: true },
      open: () => new SqliteStorage({ path, shared: true }),
      jobs: 60,
      seconds: 10,
      killAt: 5,
      leaseMs: 2_000,
      handlerMs: 300,
    });
    // The killed instance's runs in their handlers were taken over by the others. Each instance's ability to
    // claim is checked by the harness; how many each ran is a race (see multi-instance-harness.ts).
    expect(result.recoveries).toBeGreaterThan(0);

    const db = new DatabaseSync(path);
    try {
      expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
  }, 120_000);
});
