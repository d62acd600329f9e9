import { Worker } from 'node:worker_threads';

/** Commits after which a checkpoint is asked for, whatever the time since the last one. */
const COMMITS_PER_CHECKPOINT = 256;
/** A checkpoint is asked for at most this often otherwise, when anything was committed. */
const CHECKPOINT_EVERY_MS = 1_000;
/** How long the short second phase may wait for readers (of other processes) before giving up this time. */
const RESTART_WAIT_MS = 50;

// Runs in the worker: its own connection to the file, which only checkpoints. Plain JavaScript, evaluated as
// is, so it needs no file of its own in the package nor a TypeScript loader in tests.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path, { timeout: workerData.busyTimeoutMs });
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
parentPort.on('message', (mode) => {
  if (mode === 'close') { db.close(); parentPort.close(); return; }
  let result = null;
  let error = null;
  try {
    if (mode === 'restart') db.exec('PRAGMA busy_timeout = ' + workerData.restartWaitMs);
    result = (mode === 'restart' ? restart : passive).get();
  } catch (e) {
    error = String((e && e.message) || e);
  } finally {
    if (mode === 'restart') db.exec('PRAGMA busy_timeout = ' + workerData.busyTimeoutMs);
  }
  parentPort.postMessage({ mode, result, error });
});
`;

/** What the connection lends the checkpointer. */
export interface CheckpointTarget {
  /**
   * Holds the connection's group commits back until the function returned (or resolved) is called; the
   * RESTART phase begins once it is held.
   */
  holdWrites(): (() => void) | Promise<() => void>;
  /** Turns SQLite's own automatic checkpoints back on (the worker failed). */
  fallback(): void;
}

/**
 * Checkpoints the WAL (copies its frames into the database file, fsyncing both) on a worker thread with a
 * connection of its own, instead of inside the COMMIT that crosses SQLite's `wal_autocheckpoint` (1000
 * pages), which blocked the event loop for the copy and two fsyncs every few hundred group commits. The
 * connection runs with `wal_autocheckpoint = 0` and tells this of each commit. After
 * {@link COMMITS_PER_CHECKPOINT} commits, or a second after the last checkpoint, it checkpoints in two phases:
 *
 * 1. PASSIVE, while the connection goes on committing: it copies what the WAL holds, never waiting for
 *    anyone;
 * 2. RESTART, with this process's group commits held back (writes queue meanwhile; the event loop runs): it
 *    copies the few frames committed during phase 1 and, the WAL being then wholly in the database file, the
 *    next commit writes the WAL from its start again instead of growing it. It waits at most
 *    {@link RESTART_WAIT_MS} for other processes' readers; if they hold on, it tries again next time.
 *
 * The worker starts with the first checkpoint (a storage that commits little never needs one). Should it
 * fail, the connection goes back to checkpointing itself.
 */
export class Checkpointer {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #target: CheckpointTarget;
  #worker: Worker | null = null;
  #commits = 0;
  #lastAt = Date.now();
  #running = false;
  #release: (() => void) | null = null;
  #broken = false;
  #closed = false;
  /** Resolves when the worker has exited (at once while none was started). */
  #exited: Promise<void> = Promise.resolve();

  constructor(path: string, busyTimeoutMs: number, target: CheckpointTarget) {
    this.#path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#target = target;
  }

  /** A group was committed: starts a checkpoint when it is time and none runs. */
  committed(): void {
    this.#commits++;
    if (this.#running || this.#broken) return;
    const now = Date.now();
    if (this.#commits < COMMITS_PER_CHECKPOINT && now - this.#lastAt < CHECKPOINT_EVERY_MS) return;
    this.#commits = 0;
    this.#lastAt = now;
    this.#running = true;
    this.#worker ??= this.#start();
    this.#worker.postMessage('passive');
  }

  #start(): Worker {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { path: this.#path, busyTimeoutMs: this.#busyTimeoutMs, restartWaitMs: RESTART_WAIT_MS },
    });
    // Checkpointing never keeps the process alive: the last connection to close checkpoints anyway.
    worker.unref();
    worker.on('message', (reply: { mode: string; error: string | null }) => this.#answered(reply));
    worker.on('error', () => this.#break());
    worker.on('exit', () => this.#break());
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    return worker;
  }

  #answered({ mode, error }: { mode: string; error: string | null }): void {
    if (mode === 'passive' && error === null && !this.#closed) {
      const hold = this.#target.holdWrites();
      if (!(hold instanceof Promise)) this.#restart(hold);
      else hold.then((release) => this.#restart(release), this.#done.bind(this));
      return;
    }
    this.#done();
  }

  #restart(release: () => void): void {
    this.#release = release;
    // Closed (or broken) while the hold was being taken: the worker is gone or going.
    if (this.#closed || this.#broken) this.#done();
    else this.#worker!.postMessage('restart');
  }

  #done(): void {
    this.#release?.();
    this.#release = null;
    this.#running = false;
  }

  #break(): void {
    this.#release?.();
    this.#release = null;
    this.#running = false;
    if (this.#broken) return;
    this.#broken = true;
    if (!this.#closed) this.#target.fallback();
  }

  /**
   * Stops the worker (the connection's own close checkpoints what is left). Resolves once the worker has
   * exited: its connection, the file's last when the caller's is closed first, checkpoints and removes the WAL
   * as it closes, holding the file meanwhile, and whoever opens the file once `close()` resolves must not find
   * it locked. The worker, unref'ed until then, is ref'ed for its closing: otherwise a process with nothing
   * else to do ends before close() resolves, what awaited it never running.
   */
  close(): Promise<void> {
    if (!this.#closed && this.#worker !== null) {
      this.#worker.ref();
      this.#worker.postMessage('close');
    }
    this.#closed = true;
    this.#broken = true;
    return this.#exited;
  }
}
