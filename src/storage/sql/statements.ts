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
