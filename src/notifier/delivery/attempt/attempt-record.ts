import type { Clock } from '../../../clock.js';
import { toErrorInfo } from '../../../errors.js';
import { redactSecrets } from '../../../transport/echoed-secrets.js';
import type { TransportResponse } from '../../../transport/types.js';
import { newId } from '../../ids.js';
import type { DeliveryAttempt, DeliveryRecord } from '../../types.js';

const SNIPPET_CHARS = 4096;
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
    for (let i = 0; i < HEADERS_OF_INTEREST.length; i++) {
      const value = response.headers[HEADERS_OF_INTEREST[i]!];
      if (value === undefined) continue;
      present |= 1 << i;
      const kept = redactSecrets(value, secrets).slice(0, 512);
      if (kept !== lastHeaderValues[i]) {
        lastHeaderValues[i] = kept;
        changed = true;
      }
    }
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

/** The snippet kept before when equal (see {@link lastHeaderValues}). */
function snippet(text: string): string {
  if (text !== lastSnippet) lastSnippet = text;
  return lastSnippet;
}
