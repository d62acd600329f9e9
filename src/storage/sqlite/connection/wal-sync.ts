import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/** Flushes a file descriptor to disk (`fs.fdatasync`, on libuv's thread pool). */
export type Flush = (fd: number, done: (error: Error | null) => void) => void;

/**
 * Makes committed SQLite transactions durable off the event loop. The connection runs with
 * `synchronous = NORMAL`, so a COMMIT writes its frames to the WAL file without flushing them; this flushes
 * the WAL file (`fdatasync`, on libuv's thread pool) and only then tells the callers whose transactions the
 * flush covers. Like SQLite's FULL, an acknowledged transaction survives power loss (checkpoints still sync the
 * WAL before copying it, and the database after), but the event loop runs on during the flush, instead of
 * blocking for the disk at every commit. Flushes are coalesced: commits made while one runs wait for the
 * next, which covers them all.
 *
 * `fdatasync`, as SQLite syncs its own files where the system has it: it writes the data and what reading it
 * back needs (the file's size, when the WAL grew), not the modification time, whose change made each flush of
 * a WAL rewritten in place wait for a commit of the file system's journal too.
 */
export class WalSync {
  readonly #path: string;
  readonly #flush: Flush;
  #fd: number | null = null;
  #waiting: Array<(error: Error | null) => void> = [];
  #flushing = false;
  #idle: Array<() => void> = [];

  /** @param walPath the database's `-wal` file, there once the database has been written to. */
  constructor(walPath: string, flush: Flush = fdatasync) {
    this.#path = walPath;
    this.#flush = flush;
  }

  /** Whether a flush runs now. */
  get flushing(): boolean {
    return this.#flushing;
  }

  /** Calls `done` once everything committed before this call is on disk, or with the flush's error. */
  afterCommit(done: (error: Error | null) => void): void {
    this.#waiting.push(done);
    if (!this.#flushing) this.#start();
  }

  #start(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.#flushing = true;
    let fd: number;
    try {
      this.#fd ??= openSync(this.#path, 'r');
      fd = this.#fd;
    } catch (error) {
      this.#settle(batch, error as Error);
      return;
    }
    this.#flush(fd, (error) => this.#settle(batch, error));
  }

  #settle(batch: Array<(error: Error | null) => void>, error: Error | null): void {
    this.#flushing = false;
    for (const done of batch) done(error);
    if (this.#waiting.length > 0) this.#start();
    else for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Flushes now, blocking: for the rare transaction outside the group commits (a migration). */
  flushNow(): void {
    this.#fd ??= openSync(this.#path, 'r');
    fdatasyncSync(this.#fd);
  }

  /** Resolves once no flush runs or waits. */
  drained(): Promise<void> {
    if (!this.#flushing && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  close(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
