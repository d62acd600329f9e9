import { readdirSync, readFileSync } from 'node:fs';

/** Node's worker threads in this process (Linux: read from /proc; run it in a process of its own). */
export const workerThreads = (): number =>
  readdirSync('/proc/self/task').filter((task) => threadName(task) === 'WorkerThread').length;

/**
 * A thread's name; '' for one that ended between listing the threads and reading its name. Linux answers
 * such a read with ENOENT when the thread's entry is gone, or ESRCH when the entry is still listed but the
 * thread has already exited (seen in CI).
 */
function threadName(task: string): string {
  try {
    return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return '';
    throw error;
  }
}
