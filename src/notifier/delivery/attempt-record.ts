import type { Clock } from '../../clock.js';
import { toErrorInfo } from '../../errors.js';
import { redactSecrets } from '../../transport/echoed-secrets.js';
import type { TransportResponse } from '../../transport/types.js';
import { newId } from '../ids.js';
import type { DeliveryAttempt, DeliveryRecord } from '../types.js';

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
  const responseHeaders: Record<string, string> = {};
  for (const name of HEADERS_OF_INTEREST) {
    const value = response?.headers[name];
    if (value !== undefined) responseHeaders[name] = redactSecrets(value, secrets).slice(0, 512);
  }
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
    responseSnippet: response === null ? null : redactSecrets(response.body, secrets).slice(0, SNIPPET_CHARS),
  };
}
