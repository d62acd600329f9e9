/**
 * Encoded rows as one JSON array, for Postgres statements that take many rows in one parameter
 * (`json_populate_recordset(null::table, $1)`): one round trip and one commit for a group of writes.
 * `jsonColumns` hold JSON text already (the codecs' `json()`), embedded as it is rather than quoted again,
 * so a nested value keeps its text, key order included, exactly as a single-row insert stores it.
 */
export function jsonRows(
  columns: readonly string[],
  jsonColumns: ReadonlySet<string>,
  rows: readonly (readonly unknown[])[],
): string {
  const keys = columns.map((c) => `${JSON.stringify(c)}:`);
  const out: string[] = [];
  for (const values of rows) {
    const fields: string[] = [];
    for (let i = 0; i < columns.length; i++) {
      const value = values[i];
      const text =
        value === null || value === undefined
          ? 'null'
          : jsonColumns.has(columns[i]!)
            ? String(value)
            : JSON.stringify(value);
      fields.push(keys[i] + text);
    }
    out.push(`{${fields.join(',')}}`);
  }
  return `[${out.join(',')}]`;
}
