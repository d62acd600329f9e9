import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

export type SqlParam = SQLInputValue;
export type SqlRow = Record<string, unknown>;

/**
 * `LIMIT` with its count bound at each run, for the statements run per claim. A parameter that is the whole
 * `LIMIT` is one SQLite (3.53, as node:sqlite bundles it) plans with: it marks the statement to be compiled
 * again whenever that parameter is bound, and every run binds it, so each run parsed and planned the
 * statement anew (a claim's SELECT of the pending deliveries: ~15-80 µs more per claim, about 8% of the
 * process's CPU in a storage-only delivery loop). As an expression the count is not planned with; these
 * statements read their index in its order whatever the count, as their plans did before that SQLite.
 */
export const RUN_LIMIT = 'LIMIT ? + 0';

/**
 * A connection's prepared statements, each prepared once by its text. Rows come as objects keyed by column
 * name, or, from {@link values}, as arrays in the order of the statement's columns: the driver then makes
 * no object per row (about half a microsecond less per row of a dozen columns), which counts on the paths
 * that read a row per delivery (a claim, its messages).
 */
export class SqliteStatements {
  readonly #db: DatabaseSync;
  readonly #objects = new Map<string, StatementSync>();
  readonly #arrays = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  prepare(sql: string): StatementSync {
    return this.#prepare(this.#objects, sql, false);
  }

  #prepare(cache: Map<string, StatementSync>, sql: string, arrays: boolean): StatementSync {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (arrays) statement.setReturnArrays(true);
      cache.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, params: unknown[]): SqlRow[] {
    return this.prepare(sql).all(...toParams(params)) as SqlRow[];
  }

  /** As {@link all}, each row an array of its values in the statement's column order. */
  values(sql: string, params: unknown[]): unknown[][] {
    return this.#prepare(this.#arrays, sql, true).all(...toParams(params)) as unknown as unknown[][];
  }

  get(sql: string, params: unknown[]): SqlRow | undefined {
    return this.prepare(sql).get(...toParams(params)) as SqlRow | undefined;
  }

  /** Runs a write; returns how many rows it changed. */
  run(sql: string, params: unknown[]): number {
    return Number(this.prepare(sql).run(...toParams(params)).changes);
  }

  clear(): void {
    this.#objects.clear();
    this.#arrays.clear();
  }
}

function toParams(params: unknown[]): SqlParam[] {
  return params.map((p) => (p === undefined ? null : (p as SqlParam)));
}
