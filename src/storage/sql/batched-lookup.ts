import type { Row } from './codec.js';

interface Waiter {
  resolve(row: Row | null): void;
  reject(error: unknown): void;
}

/**
 * Reads rows by id, fetching the ids asked for within one turn of the event loop in one query
 * (`WHERE id = ANY($1)`): the notifier reads the endpoint and the message of every delivery it claimed at
 * once, and this makes that two queries for the batch instead of two per delivery. Each caller gets its own
 * row object; an id asked for twice is fetched once.
 */
export class BatchedLookup {
  readonly #fetch: (ids: string[]) => Promise<Row[]>;
  #pending = new Map<string, Waiter[]>();
  #scheduled = false;

  /** @param fetch returns the rows (with an `id` column) of the given ids that exist. */
  constructor(fetch: (ids: string[]) => Promise<Row[]>) {
    this.#fetch = fetch;
  }

  get(id: string): Promise<Row | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.#pending.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(id, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    try {
      const rows = await this.#fetch([...batch.keys()]);
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      for (const [id, waiters] of batch) {
        const row = byId.get(id) ?? null;
        // One caller keeps the driver's row; the others get copies, so no two share an object.
        for (const [i, w] of waiters.entries())
          w.resolve(row === null || i === 0 ? row : structuredClone(row));
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    }
  }
}
