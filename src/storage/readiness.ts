import type { Storage, StorageChange } from './types.js';

// What a component that works on a storage (the scheduler, the notifier, a wrapper such as EncryptedStorage)
// does before using it, and how it learns of changes made by other processes.

/**
 * Makes `storage` ready to use: its `ready()` (which migrates it unless told not to), or `migrate()` for an
 * adapter written before `ready()` existed.
 */
export function readyStorage(storage: Storage): Promise<void> {
  return storage.ready ? storage.ready() : storage.migrate();
}

/**
 * Calls `onChange` whenever `storage` tells of a change of `kind` (Postgres LISTEN/NOTIFY, the SQLite change
 * watcher, MemoryStorage's run requests): the subscription, resolving with its unsubscribe function, or null
 * for a storage that tells of none (the caller then relies on polling).
 */
export function watchStorage(
  storage: Storage,
  kind: StorageChange,
  onChange: () => void,
): Promise<() => void> | null {
  if (!storage.subscribe) return null;
  return storage.subscribe((change) => {
    if (change === kind) onChange();
  });
}
