/** A request whose caller's signal is watched once it has been pending for a while. */
export interface LateWatched {
  /** Starts watching the signal (or ends the request when it has aborted already); nothing once settled. */
  watch(): void;
}

/** How long a request goes without its caller's signal being watched. */
export const WATCH_AFTER_MS = 2;

/**
 * The callers' abort signals of requests still pending {@link WATCH_AFTER_MS} after they were sent, watched from
 * then on. Most requests of a busy sender are answered sooner and never touch their signal: an abort listener
 * added to an `AbortSignal` and removed again costs about a microsecond (Node's EventTarget), as much as a
 * quarter of undici's whole work for a small request. An abort in those first milliseconds ends the request
 * when its watch begins instead, at most {@link WATCH_AFTER_MS} (and the timer's lateness) later; a request
 * answered in between is answered (its receiver had it anyway), and its caller still sees its signal aborted.
 * A request watched is listed with its signal's other requests under one listener (see SignalWatch).
 *
 * Requests wait in sending order (they all wait the same time), so one timer serves them all and a request
 * that settles leaves nothing to remove: it is passed over when its turn comes.
 */
export class LateAbortWatch {
  #queue: Array<LateWatched | undefined> = [];
  #due: number[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | null = null;

  /** Watches `entry` from `sentAt + WATCH_AFTER_MS` on (`sentAt`: a `performance.now()` reading). */
  add(entry: LateWatched, sentAt: number): void {
    this.#queue.push(entry);
    this.#due.push(sentAt + WATCH_AFTER_MS);
    if (this.#timer === null) this.#arm(WATCH_AFTER_MS);
  }

  #arm(delayMs: number): void {
    // Unref'd: the requests themselves (their sockets and deadlines) keep the process alive.
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = null;
    const queue = this.#queue;
    const due = this.#due;
    const now = performance.now();
    let head = this.#head;
    while (head < queue.length && due[head]! <= now) {
      const entry = queue[head]!;
      queue[head] = undefined;
      head++;
      entry.watch();
    }
    if (head === queue.length) {
      // Fresh arrays: the old ones may be in the old generation by now (see FreshMap).
      this.#queue = [];
      this.#due = [];
      this.#head = 0;
      return;
    }
    if (head > 1024 && head * 2 > queue.length) {
      // Under a steady flow the queue never empties: the passed-over slots go now and then.
      this.#queue = queue.slice(head);
      this.#due = due.slice(head);
      head = 0;
    }
    this.#head = head;
    this.#arm(this.#due[head]! - now);
  };
}
