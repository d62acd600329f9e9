// What the SQLite and Postgres adapters share about their tables: one mapping between records and table rows,
// the statement text built from a codec's columns, and the shape of a schema migration. Instants are stored
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

/**
 * A codec that also decodes a row given as its values in `columns` order: what a driver returns when asked
 * for rows as arrays, which costs it no object per row (node:sqlite `setReturnArrays`).
 */
export interface ValuesCodec<T> extends TableCodec<T> {
  fromValues(values: readonly unknown[], dialect: SqlDialect): T;
}

/** A {@link ValuesCodec} whose decode of a row by column name reads its values in `columns` order. */
export function valuesCodec<T>(codec: Omit<ValuesCodec<T>, 'decode'>): ValuesCodec<T> {
  const { columns, fromValues } = codec;
  return {
    ...codec,
    decode: (row, d) =>
      fromValues(
        columns.map((c) => row[c]),
        d,
      ),
  };
}

export const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());
export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
export const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n;
export const parsed = (v: unknown, d: SqlDialect): unknown =>
  v === null || v === undefined ? null : d.parseJson(v);

/** Placeholder for the i-th (0-based) parameter: `?` for SQLite, `$1…` for Postgres. */
export type Placeholder = (index: number) => string;

export const sqlitePlaceholder: Placeholder = () => '?';
export const postgresPlaceholder: Placeholder = (i) => `$${i + 1}`;

/** `INSERT INTO table (cols) VALUES (…)` for every column, parameters from `offset`. */
export function insertSql(table: string, columns: readonly string[], ph: Placeholder, offset = 0): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => ph(offset + i)).join(', ')})`;
}

/** `col = ?, …` for every column, parameters from `offset`. */
export function setSql(columns: readonly string[], ph: Placeholder, offset = 0): string {
  return columns.map((c, i) => `${c} = ${ph(offset + i)}`).join(', ');
}

/** Drops the listed columns (and their values) from an encoded row. */
export function without(
  columns: readonly string[],
  values: readonly unknown[],
  drop: readonly string[],
): { columns: string[]; values: unknown[] } {
  const keep = columns.map((c) => !drop.includes(c));
  return { columns: columns.filter((_, i) => keep[i]), values: values.filter((_, i) => keep[i]) };
}

/** Drops keys whose value is undefined, so a partial patch never clears a field. */
export function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A forward migration: applied once, in order, inside the migration transaction. Never edit a released one. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
