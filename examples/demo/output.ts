/**
 * Terminal output of the demo: aligned columns, colour only on a TTY (and never with NO_COLOR or
 * TERM=dumb), one line per run and per delivery, and the summary table at the end.
 */
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

export interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

/** Whether `stream` should get ANSI colours. FORCE_COLOR wins over the TTY check, NO_COLOR over everything. */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export class Printer {
  readonly #color: boolean;
  readonly #write: (line: string) => void;

  constructor(options: { color: boolean; write?: (line: string) => void }) {
    this.#color = options.color;
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  paint(style: Style | undefined, text: string): string {
    return this.#color && style !== undefined ? styleText(style, text, { validateStream: false }) : text;
  }

  line(text = ''): void {
    this.#write(text);
  }

  /** One row: each cell padded to its column first, then painted, so colour never breaks alignment. */
  row(columns: Column[], cells: Array<string | { text: string; style?: Style }>): void {
    const parts = columns.map((column, i) => {
      const cell = cells[i] ?? '';
      const { text, style } = typeof cell === 'string' ? { text: cell, style: undefined } : cell;
      // The last column runs to the end of the line: not padded (no trailing blanks that wrap a narrow
      // terminal) and not clipped (it may hold painted segments).
      if (i === columns.length - 1) {
        return this.paint(style, column.align === 'right' ? text.padStart(column.width) : text);
      }
      const clipped = text.length > column.width ? `${text.slice(0, column.width - 1)}…` : text;
      const padded = column.align === 'right' ? clipped.padStart(column.width) : clipped.padEnd(column.width);
      return this.paint(style, padded);
    });
    this.#write(`  ${parts.join('  ')}`.trimEnd());
  }

  header(columns: Column[]): void {
    this.row(
      columns,
      columns.map((c) => ({ text: c.title, style: 'dim' as Style })),
    );
  }
}

/** `HH:MM:SS` in local time: what a person watching the demo reads their clock as. */
export function clockTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Nearest-rank percentile of `values` (not sorted in place); null for none. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}
