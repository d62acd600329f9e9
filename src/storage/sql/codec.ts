// One mapping between records and table rows, shared by the SQLite and Postgres adapters. Instants are stored
// as integer epoch milliseconds (exact, comparable, timezone-free), nested objects as JSON.

/** How a driver differs: booleans and JSON as it binds and returns them. */
export interface SqlDialect {
  bool(value: boolean): boolean | number;
  /** A JSON column's value as the driver returns it (text for SQLite, parsed for Postgres). */
  parseJson(value: unknown): unknown;
}

export type Row = Record<string, unknown>;

/** A table's columns in insert order, with the row ⇄ record mapping. */
export interface TableCodec<T> {
  columns: readonly string[];
  encode(record: T, dialect: SqlDialect): unknown[];
  decode(row: Row, dialect: SqlDialect): T;
}

export const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
export const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n;
export const parsed = (v: unknown, d: SqlDialect): unknown =>
  v === null || v === undefined ? null : d.parseJson(v);
