import { CronhookError } from '../../errors.js';

/** Cursors are opaque to the browser: base64url JSON of the last row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function malformed(field: string): CronhookError {
  return new CronhookError(
    'ERR_INVALID_REQUEST',
    `The ${field} parameter is not a cursor this dashboard made; follow the page links instead`,
    { field },
  );
}

/** Decodes a cursor of `[number, string]` (time in ms, id); throws a 400 error on anything else. */
export function decodeTimeCursor(
  value: string | null,
  field = 'cursor',
): { at: Date; id: string } | undefined {
  if (value === null || value === '') return undefined;
  if (value.length > 600 || !/^[A-Za-z0-9_-]+$/.test(value)) throw malformed(field);
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      parsed[1].length <= 300
    ) {
      return { at: new Date(parsed[0] as number), id: parsed[1] };
    }
  } catch {
    // reported below
  }
  throw malformed(field);
}

/** Decodes an id cursor (paging in id order). */
export function decodeIdCursor(value: string | null, field = 'after'): string | undefined {
  if (value === null || value === '') return undefined;
  if (value.length > 600 || !/^[A-Za-z0-9_-]+$/.test(value)) throw malformed(field);
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === 'string') return parsed[0];
  } catch {
    // reported below
  }
  throw malformed(field);
}
