/** How the CLI prints results: aligned plain-text tables of one-cell descriptions, or JSON with `--json`. */
import type { Delivery, Endpoint } from '../notifier/types.js';
import type { Job, Run } from '../scheduler/types.js';
import { safeUrl } from '../transport/safe-url.js';
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

// Short one-cell descriptions of jobs, runs, endpoints and deliveries for the CLI's tables.

/** A run's or an attempt's error as `CODE: message`, or `-` when there was none. */
export function errorText(error: { code: string; message: string } | null): string {
  return error ? `${error.code}: ${error.message}` : '-';
}

export function scheduleText(job: Job): string {
  const s = job.schedule;
  if (s.kind === 'cron') return `${s.cron}${s.timezone === 'UTC' ? '' : ` (${s.timezone})`}`;
  if (s.kind === 'every') return `every ${durationText(s.everyMs)}`;
  return `at ${s.at}`;
}

export function targetText(job: Job): string {
  const t = job.target;
  return 'url' in t ? `${t.method ?? 'POST'} ${safeUrl(t.url)}` : `handler ${t.handler}`;
}

/** A measured duration, to the millisecond: `12 ms` (transports time requests to fractions of one). */
export function msText(ms: number | null): string {
  return ms === null ? '-' : `${Math.round(ms)} ms`;
}

/** When a job runs next: nothing for a paused job, whose stored `nextRunAt` does not run until it resumes. */
export function nextRunText(job: Job): string {
  return job.enabled ? iso(job.nextRunAt) : '- (paused)';
}

export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function jobRow(job: Job): string[] {
  return [
    job.id,
    scheduleText(job),
    targetText(job),
    job.enabled ? 'active' : 'paused',
    nextRunText(job),
    String(job.runCount),
  ];
}
export const JOB_HEADERS = ['ID', 'SCHEDULE', 'TARGET', 'STATE', 'NEXT RUN', 'RUNS'];

export function runRow(run: Run): string[] {
  return [
    run.id,
    iso(run.scheduledAt),
    run.status,
    run.trigger,
    String(run.attempts),
    msText(run.durationMs),
    run.error ? run.error.code : orDash(run.statusCode),
  ];
}
export const RUN_HEADERS = ['RUN', 'SCHEDULED', 'STATUS', 'TRIGGER', 'ATTEMPTS', 'DURATION', 'RESULT'];

export function endpointRow(e: Endpoint): string[] {
  return [
    e.id,
    safeUrl(e.url),
    e.topics.join(','),
    e.enabled ? 'enabled' : `disabled (${e.disabledReason ?? 'manual'})`,
    orDash(e.description),
  ];
}
export const ENDPOINT_HEADERS = ['ID', 'URL', 'TOPICS', 'STATE', 'DESCRIPTION'];

export function deliveryRow(d: Delivery): string[] {
  return [
    d.id,
    d.endpointId,
    d.topic,
    d.status,
    String(d.attempts),
    d.lastError ? d.lastError.code : orDash(d.lastStatusCode),
    iso(d.createdAt),
  ];
}
export const DELIVERY_HEADERS = ['DELIVERY', 'ENDPOINT', 'TOPIC', 'STATUS', 'ATTEMPTS', 'LAST', 'CREATED'];
