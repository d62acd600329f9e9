import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens the database in WAL mode, waiting up to `busyTimeoutMs` for other processes' locks. A file path
 * (not `':memory:'`, not a `file:` URI) gets its folders created, and the file itself, when new, created
 * readable by its owner only.
 */
export function openDatabase(path: string, busyTimeoutMs: number): DatabaseSync {
  if (isFilePath(path)) {
    mkdirSync(dirname(path), { recursive: true });
    createPrivately(path);
  }
  const db = new DatabaseSync(path, { timeout: busyTimeoutMs });
  db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  db.exec('PRAGMA journal_mode = WAL');
  return db;
}

/** A path of a file this process can reach by name (its WAL beside it): not `':memory:'`, not a `file:` URI. */
export function isFilePath(path: string): boolean {
  return path !== ':memory:' && !path.startsWith('file:');
}

/**
 * Creates the database file, when it does not exist yet, readable and writable by its owner only (0600): it
 * holds endpoint URLs, webhook bodies and, unless encrypted, secrets. SQLite gives the WAL and shared-memory
 * files it creates beside it the same mode. An existing file keeps the mode it has.
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
