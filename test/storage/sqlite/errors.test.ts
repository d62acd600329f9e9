import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { expectAttemptStepsFail } from '../../helpers/storage.js';

// What SqliteStorage refuses, and the coded errors it answers with.
describe('SqliteStorage errors', () => {
  it('reports driver failures as ERR_STORAGE', async () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    await storage.migrate();
    await storage.close();
    await expect(storage.getJob('j')).rejects.toMatchObject({ name: 'CronhookError', code: 'ERR_STORAGE' });
  });

  it("reports driver failures of an attempt's reads and outcome as ERR_STORAGE naming the step", async () => {
    const storage = new SqliteStorage({ path: ':memory:' });
    await storage.migrate();
    await storage.close();
    await expectAttemptStepsFail(storage);
  });

  it('refuses a connection string as its path without repeating it, creating nothing', () => {
    for (const path of ['postgres://user:hunter2@127.0.0.1:5432/db', 'mysql://user:hunter2@db/x']) {
      let error: unknown;
      try {
        new SqliteStorage({ path });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', field: 'path' });
      expect((error as Error).message).toMatch(/not a (postgres|mysql):\/\/ URL/);
      expect((error as Error).message).not.toContain('hunter2');
      // It made folders named after the password, relative to the working directory.
      expect(existsSync(resolve(path.slice(0, path.indexOf(':') + 1)))).toBe(false);
    }
  });

  it('validates its options, naming the field', () => {
    expect(() => new SqliteStorage({ path: '' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'path' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs.*-1/);
    expect(() => new SqliteStorage({ path: ':memory:', synchronous: 'off' as 'full' })).toThrow(
      expect.objectContaining({ field: 'synchronous' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', shared: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ field: 'shared' }),
    );
    expect(() => new SqliteStorage({ path: ':memory:', autoMigrate: 0 as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', field: 'autoMigrate' }),
    );
  });
});
