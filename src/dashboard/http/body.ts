import { CronhookError } from '../../errors.js';

/** The error for a body past the limit: answered 413, nothing read further. */
export function bodyTooLarge(limit: number): CronhookError {
  return new CronhookError('ERR_INVALID_REQUEST', `The request body is larger than ${limit} bytes`, {
    field: 'body',
  });
}

/** Checks the declared type of a form body: only urlencoded forms are accepted. */
export function checkFormType(contentType: string | null): void {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new CronhookError(
      'ERR_INVALID_REQUEST',
      `Actions take application/x-www-form-urlencoded forms, not ${JSON.stringify(type || 'an empty type')}`,
      { field: 'content-type' },
    );
  }
}

/** Reads chunks up to `limit` bytes, then decodes them as UTF-8 form fields. */
export async function readLimited(
  chunks: AsyncIterable<Uint8Array | string>,
  limit: number,
): Promise<URLSearchParams> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += bytes.length;
    if (size > limit) throw bodyTooLarge(limit);
    parts.push(bytes);
  }
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}

/** A form body a framework has parsed already (Express' `urlencoded()`, say), as fields. */
export function parsedBody(body: unknown): URLSearchParams | null {
  if (typeof body === 'string') return new URLSearchParams(body);
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return null;
  const fields = new URLSearchParams();
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') fields.append(key, item);
    }
  }
  return fields;
}
