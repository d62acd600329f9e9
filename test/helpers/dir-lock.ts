import { mkdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `fn` while holding `lock` across processes (test files run in parallel processes): a directory made
 * atomically is the lock, removed afterwards. Waits, polling every `pollMs`, while another process holds it,
 * and throws after `timeoutMs` (a crashed run may have left it behind).
 * @example await withDirLock(join(ROOT, 'node_modules', '.build.lock'), { timeoutMs: 120_000, pollMs: 200 }, build);
 */
export async function withDirLock<T>(
  lock: string,
  { timeoutMs, pollMs }: { timeoutMs: number; pollMs: number },
  fn: () => T | Promise<T>,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lock} (left by a crashed run?)`);
      await sleep(pollMs);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
