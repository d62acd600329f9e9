import { CronhookError } from '../../errors.js';

function badParam(field: string, allowed: string): CronhookError {
  return new CronhookError('ERR_INVALID_REQUEST', `The ${field} parameter must be ${allowed}`, { field });
}

/** A parameter that must be one of `allowed` (the default when absent or empty). */
export function oneOf<T extends string>(
  query: URLSearchParams,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = query.get(field);
  if (value === null || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw badParam(field, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** An optional value from a fixed list; undefined when absent or empty. */
export function optionalOneOf<T extends string>(
  query: URLSearchParams,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const value = query.get(field);
  if (value === null || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw badParam(field, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** Free text such as a search or an id: at most `max` characters, no control characters. */
export function searchText(query: URLSearchParams, field: string, max = 200): string {
  const value = (query.get(field) ?? '').trim();
  if (value.length > max) throw badParam(field, `at most ${max} characters`);
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw badParam(field, 'text without control characters');
  }
  return value;
}

/** An optional instant given as `datetime-local` (read as UTC) or ISO text. */
export function optionalInstant(query: URLSearchParams, field: string): Date | undefined {
  const value = (query.get(field) ?? '').trim();
  if (value === '') return undefined;
  if (value.length > 40) throw badParam(field, 'a date and time such as 2026-01-31T09:00');
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value) ? `${value}Z` : value;
  const date = new Date(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw badParam(field, 'a date and time such as 2026-01-31T09:00 (UTC)');
  }
  return date;
}

/** A date for a `datetime-local` input's value (UTC, minutes). */
export function instantValue(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 16) : '';
}
