/** Options for {@link Emitter.on}. */
export interface ListenerOptions {
  /**
   * Await this listener before the emitting operation goes on. The scheduler uses it so that a run is not
   * marked finished until, say, the notifier has stored the run's webhook messages. Observers should leave it
   * off: their listeners are fire-and-forget.
   * @default false
   */
  await?: boolean;
}

/** What an emit that awaits no listener returns: one promise, already settled, for all of them. */
const SETTLED: Promise<void> = Promise.resolve();
const ignore = (): void => {};

// biome-ignore lint/suspicious/noExplicitAny: listener maps are checked per event by the generic signatures.
type AnyListener = (payload: any) => unknown;

interface Entry {
  listener: AnyListener;
  await: boolean;
}

/** Shape every event map must have: an `error` event for listener failures. */
export interface ErrorEventPayload {
  type: 'error';
  at: Date;
  error: unknown;
  /** The event whose listener failed, when that is what happened. */
  event?: string;
}

/**
 * A small typed event emitter. A listener that throws or rejects never breaks the emitter's owner: the failure
 * becomes an `error` event (and an `error` listener that fails is ignored rather than looping).
 *
 * @example
 * const off = scheduler.on('job.failed', (e) => console.log(e.job.id, e.run.error?.code));
 * off();
 */
export class Emitter<Events extends { error: ErrorEventPayload }> {
  readonly #listeners = new Map<keyof Events, Entry[]>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  /** Subscribes to `event`; returns a function that unsubscribes. */
  on<K extends keyof Events>(
    event: K,
    listener: (payload: Events[K]) => unknown,
    options: ListenerOptions = {},
  ): () => void {
    const entries = this.#listeners.get(event) ?? [];
    entries.push({ listener, await: options.await === true });
    this.#listeners.set(event, entries);
    return () => this.off(event, listener);
  }

  /** Subscribes for one emission only. */
  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => unknown): () => void {
    const off = this.on(event, (payload) => {
      off();
      return listener(payload);
    });
    return off;
  }

  /** Removes a listener added with {@link Emitter.on}. */
  off<K extends keyof Events>(event: K, listener: (payload: Events[K]) => unknown): void {
    const entries = this.#listeners.get(event);
    if (!entries) return;
    const index = entries.findIndex((e) => e.listener === listener);
    if (index >= 0) entries.splice(index, 1);
    if (entries.length === 0) this.#listeners.delete(event);
  }

  /** Number of listeners for `event`. */
  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  /**
   * Calls every listener of `event`. Resolves once the awaited listeners have settled; the others run
   * fire-and-forget. Never rejects.
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): Promise<void> {
    // Not an async function, and no list built when there is one listener: the notifier emits for every
    // delivery, and most emits await nothing.
    const entries = this.#listeners.get(event);
    if (!entries || entries.length === 0) return SETTLED;
    if (entries.length === 1) {
      const entry = entries[0]!;
      const settled = this.#call(event, entry.listener, payload);
      return entry.await && settled ? settled : SETTLED;
    }
    const awaited: Promise<void>[] = [];
    // A copy: a listener may subscribe or unsubscribe others while they are being called.
    for (const entry of [...entries]) {
      const settled = this.#call(event, entry.listener, payload);
      if (entry.await && settled) awaited.push(settled);
    }
    return awaited.length === 0 ? SETTLED : Promise.all(awaited).then(ignore);
  }

  #call<K extends keyof Events>(
    event: K,
    listener: AnyListener,
    payload: Events[K],
  ): Promise<void> | undefined {
    try {
      const result = listener(payload);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        return (result as Promise<unknown>).then(
          () => undefined,
          (error: unknown) => this.#fail(event, error),
        );
      }
    } catch (error) {
      this.#fail(event, error);
    }
    return undefined;
  }

  #fail(event: keyof Events, error: unknown): void {
    if (event === 'error') return;
    const payload: ErrorEventPayload = { type: 'error', at: this.#now(), error, event: String(event) };
    void this.emit('error', payload as Events['error']);
  }
}
