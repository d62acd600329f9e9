import { afterEach } from 'vitest';

// What a test does around its work over real I/O: undo what it set up, and wait for something to happen.

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

/** Resolves once `condition` holds, polling every 5 ms of real time; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('until: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
