import { Agent, type Dispatcher, Pool } from 'undici';

/**
 * An undici Agent whose per-origin pools are kept at hand: a request goes straight to its origin's pool, not
 * through the Agent's own dispatch, which for an HTTP/1.1-only agent builds its key (`${origin}#http1-only`, a
 * new string hashed for its map lookup) and checks its options for every request. The Agent still makes every
 * pool and still drops and closes one when it becomes unused (its idle pool cleanup): a pool at hand that the
 * Agent closed or destroyed is forgotten, and that request goes through the Agent, which makes a new one.
 * `close` and `destroy` are the Agent's own (every pool).
 */
export class OriginPools {
  readonly agent: Agent;
  /** The pools the Agent made, by origin, until it closes or destroys them. */
  readonly #pools = new Map<string, Pool>();

  constructor(options: Agent.Options) {
    this.agent = new Agent({ ...options, factory: (origin, opts) => this.#made(String(origin), opts) });
  }

  /** Pools at hand. */
  get size(): number {
    return this.#pools.size;
  }

  /** Dispatches as `Agent.dispatch` does (`options.origin` a string): through the origin's pool at hand. */
  dispatch(
    options: Dispatcher.DispatchOptions & { origin: string },
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    const pool = this.#pools.get(options.origin);
    if (pool !== undefined) {
      if (!pool.closed && !pool.destroyed) return pool.dispatch(options, handler);
      this.#pools.delete(options.origin);
    }
    return this.agent.dispatch(options, handler);
  }

  #made(origin: string, options: object): Pool {
    const pool = new Pool(origin, options);
    this.#pools.set(origin, pool);
    // The Agent closes a pool left unused when a connection ends or fails to open, in its own listener of
    // these events, which runs after this one: the pool is looked at once that is done, and forgotten then.
    const forget = (): void => {
      queueMicrotask(() => {
        if ((pool.closed || pool.destroyed) && this.#pools.get(origin) === pool) this.#pools.delete(origin);
      });
    };
    pool.on('disconnect', forget).on('connectionError', forget);
    return pool;
  }
}
