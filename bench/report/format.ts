/** The report's shared pieces: how numbers, outcomes and tables are written, and a target's line. */
import type { ChildOutcome } from '../lib/child.js';
import type { Outcome } from '../lib/results.js';

/** One line of the report's targets table; `id` keys its "what limits it" text in limits.ts. */
export interface Target {
  id: string;
  target: string;
  measured: string;
  /** null: not measured in this run; 'info': measured, with no figure to meet. */
  met: boolean | null | 'info';
}

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';

export function status<T>(outcome: Outcome<T>): string {
  switch (outcome.status) {
    case 'ok':
      return 'ok';
    case 'oom':
      return '**out of memory** (2 GiB heap)';
    case 'timeout':
      return '**timed out**';
    case 'skipped':
      return `not run: ${outcome.reason}`;
    case 'error':
      return `**failed**: ${(outcome as Extract<ChildOutcome<T>, { status: 'error' }>).message.slice(0, 200)}`;
  }
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
