import type { Row } from '../sql/codec.js';
import type { PostgresDatabase } from './database.js';

/**
 * A copy of a row as pg returns it: JSON values (parsed json columns, rows made by to_json) are copied by
 * hand, ~5 times faster than structuredClone (0.7 against 3.6 µs an endpoint); anything else (a Date, a
 * Buffer) through structuredClone.
 */
export function copyRow<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyRow) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyRow((value as Record<string, unknown>)[key]);
  return out as T;
}

interface Waiter {
  resolve(row: Row | null): void;
  reject(error: unknown): void;
}

/**
 * Reads rows by id, fetching the ids asked for within one turn of the event loop in one query
 * (`WHERE id = ANY($1)`): the notifier reads the endpoint and the message of every delivery it claimed at
 * once, and this makes that two queries for the batch instead of two per delivery. Each caller gets its own
 * row object; an id asked for twice is fetched once.
 *
 * Rows that never change once written (messages) and that a statement has just read anyway (a claim joining
 * its deliveries' messages) can be {@link prime}d with `keep`: the latest that many primed rows answer reads,
 * with no round trip, until they are pushed out, so deliveries claimed ahead and sent turns later still read
 * their message without a query. (Endpoint rows, which do change, are kept by LeasedEndpoints instead.)
 * Rows whose values are all strings, numbers or null (`flat`) are shared between callers rather than copied
 * (a copy cost ~1.5 µs a message): each caller decodes them into objects of its own.
 */
export class BatchedLookup {
  readonly #fetch: (ids: string[]) => Promise<Row[]>;
  #pending = new Map<string, Waiter[]>();
  #scheduled = false;
  readonly #keep: number;
  readonly #flat: boolean;
  /** With `keep`: primed rows, oldest first. */
  readonly #kept = new Map<string, Row>();

  /**
   * @param fetch returns the rows (with an `id` column) of the given ids that exist.
   * @param keep for rows that never change: how many primed rows answer reads.
   * @param flat rows hold no objects (no JSON columns): handed out as they are, not copied.
   */
  constructor(
    fetch: (ids: string[]) => Promise<Row[]>,
    { keep = 0, flat = false }: { keep?: number; flat?: boolean } = {},
  ) {
    this.#fetch = fetch;
    this.#keep = keep;
    this.#flat = flat;
  }

  /** Answers reads of these rows' ids from them, the latest `keep` of them (none without `keep`). */
  prime(rows: Row[]): void {
    for (const row of rows) this.#kept.set(String(row.id), row);
    for (const id of this.#kept.keys()) {
      if (this.#kept.size <= this.#keep) break;
      this.#kept.delete(id);
    }
  }

  /** Forgets a primed row (its row was deleted). */
  forget(id: string): void {
    this.#kept.delete(id);
  }

  /** A primed row of this id (see {@link prime}), a caller's own as {@link get} hands out, or undefined. */
  peek(id: string): Row | undefined {
    const primed = this.#kept.get(id);
    return primed === undefined || this.#flat ? primed : copyRow(primed);
  }

  get(id: string): Promise<Row | null> {
    const primed = this.peek(id);
    if (primed !== undefined) return Promise.resolve(primed);
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
          w.resolve(row === null || i === 0 || this.#flat ? row : copyRow(row));
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
    }
  }
}

/**
 * The fetch of a BatchedLookup of `table`: its rows of the given ids, with `columns`. Prepared statements (the
 * endpoints' lookup is sent several times a second while delivering), so with the codec's columns rather than
 * `*` (see PostgresDatabase.statement). One id, the usual batch (one endpoint), is read by `id = $1`, whose
 * generic plan the server keeps after five runs; `id = ANY($1)` is planned again at every run (its generic
 * plan is costed for an array of unknown length), which cost the server more than running it.
 */
export function lookupById(db: PostgresDatabase, table: string, columns: readonly string[]) {
  const select = `SELECT ${columns.join(', ')} FROM ${table}`;
  const one = db.statement(`${select} WHERE id = $1`);
  const many = db.statement(`${select} WHERE id = ANY($1::text[])`);
  return async (ids: string[]): Promise<Row[]> =>
    (ids.length === 1 ? await db.query(one, ids) : await db.query(many, [ids])).rows;
}
