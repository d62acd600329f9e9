/** A request ended by its caller's signal while it is watched (see {@link SignalWatch}). */
export interface SignalWatcher {
  /** The request watched before and after it on the same signal (set by SignalWatch only). */
  watchPrev: SignalWatcher | null;
  watchNext: SignalWatcher | null;
  /** The signal's watchers it is listed in, or null while it is not watched (set by SignalWatch only). */
  watchedBy: SignalWatchers | null;
  /** The signal aborted: ends the request (it is no longer watched). */
  aborted(reason: unknown): void;
}

/** The requests watched on one signal, and the one abort listener that ends them. */
export class SignalWatchers {
  #first: SignalWatcher | null = null;
  #listening = false;

  constructor(readonly signal: AbortSignal) {}

  /** Lists `watcher` (not listed anywhere), adding the listener if it is the only one. */
  add(watcher: SignalWatcher): void {
    const first = this.#first;
    watcher.watchNext = first;
    if (first !== null) first.watchPrev = watcher;
    watcher.watchedBy = this;
    this.#first = watcher;
    if (!this.#listening) {
      this.signal.addEventListener('abort', this);
      this.#listening = true;
    }
  }

  /**
   * Takes `watcher` (listed here) off the list, clearing its links, so that no request left behind holds one
   * to another; the listener goes with the last.
   */
  remove(watcher: SignalWatcher): void {
    const { watchPrev: prev, watchNext: next } = watcher;
    if (prev === null) this.#first = next;
    else prev.watchNext = next;
    if (next !== null) next.watchPrev = prev;
    watcher.watchPrev = null;
    watcher.watchNext = null;
    watcher.watchedBy = null;
    if (this.#first === null) {
      this.signal.removeEventListener('abort', this);
      this.#listening = false;
    }
  }

  /** The signal aborted (EventTarget listener object): every request watched on it ends. */
  handleEvent(): void {
    const reason = this.signal.reason;
    while (this.#first !== null) {
      const watcher = this.#first;
      this.remove(watcher);
      watcher.aborted(reason);
    }
  }
}

/**
 * The callers' signals that requests in flight are watched on, each with one abort listener for all of its
 * requests. A listener per request would link each request from the signal's listener list: once an entry of
 * that list lived through two young-generation collections it is kept in the old generation, dead, until
 * the next full collection, and it keeps the entry added after it (and through it the request, its undici
 * request and response) alive through the collections before that, so that each watched request is kept
 * and promoted in turn. Here the signal holds one listener, added when its first request is watched and
 * removed with its last, and the requests are listed (and unlisted, links cleared) by this watch alone.
 */
export class SignalWatch {
  /** By signal: weakly, so that a caller's signal (one per request, say) goes with its caller. */
  readonly #bySignal = new WeakMap<AbortSignal, SignalWatchers>();
  /** The watchers of the signal watched last: requests in a row nearly always share it. */
  #last: SignalWatchers | null = null;

  /** Watches `signal` (not aborted) for `watcher` until {@link unwatch} or the abort. */
  watch(signal: AbortSignal, watcher: SignalWatcher): void {
    let watchers = this.#last;
    if (watchers === null || watchers.signal !== signal) {
      watchers = this.#bySignal.get(signal) ?? null;
      if (watchers === null) {
        watchers = new SignalWatchers(signal);
        this.#bySignal.set(signal, watchers);
      }
      this.#last = watchers;
    }
    watchers.add(watcher);
  }

  /** `watcher`'s request is over: its signal no longer needs watching for it. */
  unwatch(watcher: SignalWatcher): void {
    watcher.watchedBy?.remove(watcher);
  }
}
