import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

// What a test does around its work over real I/O: undo what it set up, keep its files in a temp folder of its
// own, and wait for something to happen.

/** Undoes what a test set up: `push` a function per thing to close, drop or stop. */
export interface Cleanups {
  push(...cleanups: Array<() => unknown>): void;
}

/**
 * Registers an `afterEach` (in the file, or the `describe` it is called in) that runs, newest first and one at
 * a time, the cleanups the test pushed: a storage closes before the schema it lives in is dropped.
 * @example const cleanups = useCleanups(); cleanups.push(() => server.close());
 */
export function useCleanups(): Cleanups {
  const pending: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return { push: (...cleanups) => void pending.push(...cleanups) };
}

/** A temp folder of a test file's own (see {@link useTempDir}). */
export interface TempDir {
  /** The folder itself. */
  readonly path: string;
  /** A path inside it ending in `name`, never handed out before: a fresh database file. */
  file(name: string): string;
  /** A new, empty folder inside it: a test's own config file and database, or its working directory. */
  folder(): string;
}

/**
 * Makes a folder under the OS temp folder, named after `prefix`, and registers an `afterAll` (in the file, or
 * the `describe` it is called in) that removes it with all it holds.
 * @example const temp = useTempDir('cli-jobs'); const db = temp.file('jobs.db');
 */
export function useTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `cronhook-${prefix}-`));
  afterAll(() => rmSync(path, { recursive: true, force: true }));
  let n = 0;
  return {
    path,
    file: (name) => join(path, `${n++}-${name}`),
    folder: () => {
      const folder = join(path, `dir-${n++}`);
      mkdirSync(folder);
      return folder;
    },
  };
}

/** Resolves once `condition` holds, polling every 5 ms of real time; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('until: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
