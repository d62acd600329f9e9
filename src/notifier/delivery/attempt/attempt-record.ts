import type { Clock } from '../../../clock.js';
import { toErrorInfo } from '../../../errors.js';
import { redactSecrets } from '../../../transport/echoed-secrets.js';
import type { TransportResponse } from '../../../transport/types.js';
import { newId } from '../../ids.js';
import type { DeliveryAttempt, DeliveryRecord } from '../../types.js';

const SNIPPET_CHARS = 4096;
/** Read by name in {@link attemptRecord}, in this order (its bits are their places here). */
const HEADERS_OF_INTEREST = [
  'retry-after',
  'content-type',
  'content-length',
  'location',
  'date',
  'server',
  'x-request-id',
];

/**
 * The last value kept of each header of interest, and the last snippet: a receiver answers much the same every
 * time (`content-type`, `content-length`, `date` within a second, `ok`), and the delivery log keeps every
 * attempt. An equal value is kept as the string kept before, not as the transport's new copy of it: the log
 * holds one string for all of them, and garbage collection copies and marks fewer objects per attempt.
 */
const lastHeaderValues: string[] = HEADERS_OF_INTEREST.map(() => '');
let lastSnippet = '';
/**
 * The last headers kept as an object (never handed out: each attempt gets a copy), and which of
 * HEADERS_OF_INTEREST it holds (a bit each): an attempt that keeps the same copies it in one step, where
 * setting the names one by one on an empty object went through a shape change per name.
 */
let lastHeaders: Record<string, string> = {};
let lastPresent = 0;

/**
 * The record of one attempt as the delivery log keeps it: the response's headers of interest and the start of
 * its body, with whatever of the endpoint's `secrets` (its authorization, headers and query values: see
 * `endpointSecrets`) the receiver echoed redacted; the error, if any.
 */
export function attemptRecord(
  delivery: DeliveryRecord,
  trigger: DeliveryAttempt['trigger'],
  startedAt: number,
  response: TransportResponse | null,
  error: unknown,
  secrets: readonly string[],
  clock: Clock,
): DeliveryAttempt {
  const ok = response !== null && response.status >= 200 && response.status < 300;
  let present = 0;
  let changed = false;
  if (response !== null) {
    // Read by name, one site each, in HEADERS_OF_INTEREST's order: a read keyed by a name taken from the list
    // was one site for seven names, a megamorphic lookup each (~1 k instructions per attempt together).
    const h = response.headers;
    const marks =
      noted(0, h['retry-after'], secrets) |
      noted(1, h['content-type'], secrets) |
      noted(2, h['content-length'], secrets) |
      noted(3, h.location, secrets) |
      noted(4, h.date, secrets) |
      noted(5, h.server, secrets) |
      noted(6, h['x-request-id'], secrets);
    present = marks & PRESENT_BITS;
    changed = marks > PRESENT_BITS;
  }
  if (changed || present !== lastPresent) {
    const headers: Record<string, string> = {};
    for (let i = 0; i < HEADERS_OF_INTEREST.length; i++)
      if ((present & (1 << i)) !== 0) headers[HEADERS_OF_INTEREST[i]!] = lastHeaderValues[i]!;
    lastHeaders = headers;
    lastPresent = present;
  }
  const responseHeaders: Record<string, string> = { ...lastHeaders };
  let errorInfo = null;
  if (error !== null) errorInfo = toErrorInfo(error, 'ERR_CONNECTION');
  else if (!ok && response !== null) {
    const redirect = response.status >= 300 && response.status < 400;
    errorInfo = {
      code: 'ERR_HTTP_STATUS',
      message: `Receiver answered ${response.status}${redirect ? ' (redirects are not followed)' : ''}`,
    };
  }
  return {
    id: newId('att', startedAt),
    deliveryId: delivery.id,
    attempt: delivery.attempts + 1,
    trigger,
    startedAt: new Date(startedAt),
    durationMs: response?.durationMs ?? Math.max(0, clock.now() - startedAt),
    statusCode: response?.status ?? null,
    error: errorInfo,
    responseHeaders,
    responseSnippet:
      response === null ? null : snippet(redactSecrets(response.body, secrets).slice(0, SNIPPET_CHARS)),
  };
}

/** {@link noted}'s bits: which headers are present; the ones above them say which changed. */
const PRESENT_BITS = (1 << HEADERS_OF_INTEREST.length) - 1;

/**
 * Keeps the value of the `i`-th header of interest, redacted and cut, as the last value kept of it (see
 * {@link lastHeaderValues}). Returns its bit (`1 << i`) when present, and `1 << (i + 7)` too when its value
 * differs from the last one kept; 0 when absent.
 */
function noted(i: number, value: string | undefined, secrets: readonly string[]): number {
  if (value === undefined) return 0;
  const kept = redactSecrets(value, secrets).slice(0, 512);
  if (kept === lastHeaderValues[i]) return 1 << i;
  lastHeaderValues[i] = kept;
  return (1 << i) | (1 << (i + HEADERS_OF_INTEREST.length));
}

/** The snippet kept before when equal (see {@link lastHeaderValues}). */
function snippet(text: string): string {
  if (text !== lastSnippet) lastSnippet = text;
  return lastSnippet;
}
