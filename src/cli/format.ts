/** How the CLI prints results: aligned plain-text tables, or JSON with `--json`. */
import type { Io } from './command.js';

/** Prints rows as a table with a header; an empty list prints `empty` instead. */
export function printTable(io: Io, headers: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) {
    io.out(empty);
    return;
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  io.out(line(headers));
  for (const row of rows) io.out(line(row));
}

/** Key/value lines, keys aligned. */
export function printFields(io: Io, fields: Array<[string, string]>): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [key, value] of fields) io.out(`${key.padEnd(width)}  ${value}`);
}

/** Pretty JSON; Dates become ISO strings. */
export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function iso(date: Date | null | undefined): string {
  return date ? date.toISOString() : '-';
}

export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : String(value);
}
