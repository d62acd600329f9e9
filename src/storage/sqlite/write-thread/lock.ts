/** Slot 0: 1 while a connection holds the lock. Slot 1: 1 while the main thread waits for it. */
const HELD = 0;
const MAIN_WAITING = 1;
/** How long the worker lets a waiting main thread go first, at most, before it takes the lock anyway. */
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

  /** `buffer`: the same SharedArrayBuffer on both threads; a new one when omitted. */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.#state = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.#state.buffer as SharedArrayBuffer;
  }

  /** Takes the lock if it is free. */
  tryAcquire(): boolean {
    return Atomics.compareExchange(this.#state, HELD, 0, 1) === 0;
  }

  /** Takes the lock, blocking the thread meanwhile (the write thread; or a rare synchronous transaction). */
  acquireSync(yieldToMain: boolean): void {
    if (yieldToMain && Atomics.load(this.#state, MAIN_WAITING) === 1)
      Atomics.wait(this.#state, MAIN_WAITING, 1, YIELD_MS);
    while (!this.tryAcquire()) Atomics.wait(this.#state, HELD, 1);
  }

  /** Takes the lock without blocking the event loop (the main thread). */
  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    Atomics.store(this.#state, MAIN_WAITING, 1);
    try {
      while (!this.tryAcquire()) {
        const wait = waitAsync(this.#state, HELD, 1);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.store(this.#state, MAIN_WAITING, 0);
      Atomics.notify(this.#state, MAIN_WAITING);
    }
  }

  release(): void {
    Atomics.store(this.#state, HELD, 0);
    Atomics.notify(this.#state, HELD);
  }
}
