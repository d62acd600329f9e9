/** Slot 0: 1 while a connection holds the lock. Slot 1: 1 while the main thread waits for it. */
const HELD = 0;
const MAIN_WAITING = 1;
/** How long the write thread lets a waiting main thread go first, at most, before it takes the lock anyway. */
const YIELD_MS = 20;

/** `Atomics.waitAsync` (Node 16+; in TypeScript's lib from ES2024 only). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: unknown };
  }
).waitAsync;

/**
 * The write lock of this process's two connections to one file (the main thread's and the write thread's),
 * taken before `BEGIN IMMEDIATE` and released after `COMMIT`. SQLite's own lock would do the same, but a
 * connection that finds it taken sleeps in its busy handler (`busy_timeout`): on the main thread that would
 * stop the event loop for the other's transaction. With this lock the main thread waits asynchronously
 * (`Atomics.waitAsync`), and the write thread, which may block, lets a waiting main thread go first. Other
 * processes still meet SQLite's lock and busy_timeout, as before.
 */
export class WriteLock {
  readonly #state: Int32Array;
  readonly #onWorker: boolean;

  /**
   * @param buffer the same SharedArrayBuffer on both threads; a new one when omitted.
   * @param onWorker whether this side is the write thread's (it may block).
   */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8), onWorker = false) {
    this.#state = new Int32Array(buffer);
    this.#onWorker = onWorker;
  }

  /** Whether this side is the write thread's. */
  get onWorker(): boolean {
    return this.#onWorker;
  }

  get buffer(): SharedArrayBuffer {
    return this.#state.buffer as SharedArrayBuffer;
  }

  /**
   * Runs `fn` holding the lock: at once when it is free or this is the write thread (which blocks until it
   * is), else once the main thread has it, without blocking its event loop meanwhile.
   */
  run<T>(fn: () => T): T | Promise<T> {
    if (this.#onWorker) this.#acquireSync();
    else if (!this.#tryAcquire()) return this.#acquire().then(() => this.#holding(fn));
    return this.#holding(fn);
  }

  /**
   * Takes the lock now, blocking the thread until it is free; returns its release. On the main thread only for
   * a transaction outside the group commits (a migration), which waits for at most the write thread's
   * transaction in progress.
   */
  hold(): () => void {
    this.#acquireSync();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /**
   * Takes the lock on the main thread without blocking it: resolves, once it is held, with its release. For a
   * checkpoint's RESTART phase (see `SqliteConnection`), which must not begin while a transaction of either
   * thread may.
   */
  holdAsync(): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release();
    };
    if (this.#tryAcquire()) return Promise.resolve(release);
    return this.#acquire().then(() => release);
  }

  /** Frees the lock (also when the write thread died holding it). */
  release(): void {
    Atomics.store(this.#state, HELD, 0);
    Atomics.notify(this.#state, HELD);
  }

  #holding<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  #tryAcquire(): boolean {
    return Atomics.compareExchange(this.#state, HELD, 0, 1) === 0;
  }

  #acquireSync(): void {
    if (this.#onWorker && Atomics.load(this.#state, MAIN_WAITING) === 1)
      Atomics.wait(this.#state, MAIN_WAITING, 1, YIELD_MS);
    while (!this.#tryAcquire()) Atomics.wait(this.#state, HELD, 1);
  }

  async #acquire(): Promise<void> {
    Atomics.store(this.#state, MAIN_WAITING, 1);
    try {
      while (!this.#tryAcquire()) {
        const wait = waitAsync(this.#state, HELD, 1);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.store(this.#state, MAIN_WAITING, 0);
      Atomics.notify(this.#state, MAIN_WAITING);
    }
  }
}
