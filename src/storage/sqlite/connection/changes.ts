import { type Clock, type ClockTimer, systemClock } from '../../../clock.js';
import type { StorageChange } from '../../types.js';

type Listener = (change: StorageChange) => void;

/** The one thing the watcher needs of the connection: its `PRAGMA data_version`. */
export interface DataVersionSource {
  dataVersion(): number;
}

/**
 * Tells subscribers when ANOTHER connection (another process, or another `SqliteStorage` on the same file)
 * has committed to the database. SQLite has no notifications across processes, but `PRAGMA data_version` on
 * a connection changes whenever some other connection commits, and never for the connection's own commits:
 * read on the storage's one connection, it sees exactly the writes this storage did not make itself, whose
 * callers (the scheduler and notifier of this process) already know about them. Reading it costs a few
 * microseconds, so it is read on a timer, only while anyone is subscribed.
 *
 * It cannot tell what changed, so, like Postgres after a lost LISTEN connection, it says that anything may
 * have: `'jobs'` and `'deliveries'`. Commits that change nothing visible (another process's checkpoint) can
 * wake subscribers for nothing; that costs them one look at the storage.
 */
export class SqliteChangeWatcher {
  readonly #source: DataVersionSource;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #listeners = new Set<Listener>();
  #version = 0;
  #timer: ClockTimer | undefined;
  #closed = false;

  /**
   * @param clock the storage passes the real clock: the commits it watches happen in real time in other
   *   processes, so its interval is real time too, as the Postgres LISTEN reconnect's delay is. A scheduler
   *   on a `FakeClock` still hears of them. Tests of the watcher itself may pass a `FakeClock`.
   */
  constructor(source: DataVersionSource, intervalMs: number, clock: Clock = systemClock) {
    this.#source = source;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /**
   * Adds `listener`; the first one starts the timer, taking the current version as the baseline, so commits
   * from the moment this resolves on are reported. Throws what reading the version threw (a closed file).
   */
  subscribe(listener: Listener): () => void {
    if (this.#listeners.size === 0) this.#version = this.#source.dataVersion();
    // A fresh function per call, so the same listener subscribed twice is unsubscribed independently.
    const entry: Listener = (change) => listener(change);
    this.#listeners.add(entry);
    this.#arm();
    return () => {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  #arm(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#timer) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#check();
      this.#arm();
    }, this.#intervalMs);
    // Watching must never keep the process alive: it only matters while something else (the scheduler's
    // or notifier's own timer, a server) does.
    this.#timer.unref?.();
  }

  #check(): void {
    let version: number;
    try {
      version = this.#source.dataVersion();
    } catch {
      // Nothing is known this time (the file is being closed, an I/O hiccup): look again next time.
      return;
    }
    if (version === this.#version) return;
    this.#version = version;
    this.#emit('jobs');
    this.#emit('deliveries');
  }

  #emit(change: StorageChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the others still hear about the change.
      }
    }
  }

  #stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Stops watching for good; later subscribers are never called. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
  }
}
