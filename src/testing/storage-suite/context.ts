import { afterEach, beforeEach, expect } from 'vitest';
import type { Storage } from '../../storage/types.js';

/** Makes a fresh, empty storage for one test. May return it migrated or not: the suite calls `migrate()`. */
export type StorageFactory = () => Storage | Promise<Storage>;

/** Options of {@link testStorage}. */
export interface StorageSuiteOptions {
  /**
   * Called after each test with the storage the factory made, before its `close()`: drop a schema, delete a
   * file. Optional: nothing beyond `close()` is needed when the factory's storage holds nothing outside itself.
   */
  cleanup?: (storage: Storage) => void | Promise<void>;
  /**
   * Opens another storage on the same store as `storage` (the same file, database or schema), for the tests
   * that need one: what was written is there for an instance opened afterwards, and instances sharing a store
   * claim each item once between them. The suite closes it after the test, before `storage`, and calls no
   * `cleanup` on it. Optional: those tests are reported as skipped without it (a store held in process memory
   * has no other instance).
   *
   * @example
   * testStorage('MyStorage', () => new MyStorage({ path: freshPath() }), {
   *   reopen: (storage) => new MyStorage({ path: (storage as MyStorage).path }),
   * });
   */
  reopen?: (storage: Storage) => Storage | Promise<Storage>;
}

/** The storage of the running test. */
export interface SuiteContext {
  readonly storage: Storage;
  /** Another storage from the factory, as it comes (not migrated by the suite), tidied away after the test. */
  fresh(): Promise<Storage>;
  /**
   * Another storage on the same store as `storage`, migrated, closed after the test; null when the suite was
   * given no `reopen` option.
   */
  reopen(): Promise<Storage | null>;
}

/** Registers hooks that give every test its own fresh, migrated storage and tidy it away afterwards. */
export function useStorage(factory: StorageFactory, options: StorageSuiteOptions): SuiteContext {
  let current: Storage | undefined;
  const extra: Storage[] = [];
  const reopened: Storage[] = [];
  const tidy = async (storage: Storage) => {
    try {
      await options.cleanup?.(storage);
    } finally {
      await storage.close?.();
    }
  };
  beforeEach(async () => {
    current = await factory();
    await current.migrate();
  });
  afterEach(async () => {
    const storages = [...extra.splice(0), ...(current === undefined ? [] : [current])];
    current = undefined;
    for (const storage of reopened.splice(0)) await storage.close?.();
    for (const storage of storages) await tidy(storage);
  });
  return {
    get storage(): Storage {
      if (current === undefined) throw new Error('testStorage: the storage is only available inside a test');
      return current;
    },
    async fresh(): Promise<Storage> {
      const storage = await factory();
      extra.push(storage);
      return storage;
    },
    async reopen(): Promise<Storage | null> {
      if (options.reopen === undefined || current === undefined) return null;
      const storage = await options.reopen(current);
      reopened.push(storage);
      await storage.migrate();
      return storage;
    },
  };
}

/** Expects `promise` to reject with a CronhookError carrying `code`. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'CronhookError', code });
}

/** Runs `count` claimers at once, each claiming until it gets nothing; returns every id claimed. */
export async function claimConcurrently(
  count: number,
  claim: (instanceId: string) => Promise<{ id: string }[]>,
): Promise<{ ids: string[]; byInstance: Map<string, number> }> {
  const ids: string[] = [];
  const byInstance = new Map<string, number>();
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const instanceId = `claimer-${i}`;
      for (;;) {
        const claimed = await claim(instanceId);
        if (claimed.length === 0) return;
        for (const item of claimed) ids.push(item.id);
        byInstance.set(instanceId, (byInstance.get(instanceId) ?? 0) + claimed.length);
      }
    }),
  );
  return { ids, byInstance };
}
