import type { Clock } from '../../../clock.js';
import { CronhookError } from '../../../errors.js';
import { requireOpened } from '../../../storage/encryption/key-check.js';
import type { JobRecord, RunRecord } from '../../../storage/types.js';
import { redactSecrets, requestSecrets } from '../../../transport/echoed-secrets.js';
import { safeUrl } from '../../../transport/safe-url.js';
import type { AddressPolicy, TransportRequest, TransportResponse } from '../../../transport/types.js';
import { signWebhook } from '../../../verify/index.js';
import type { HttpTarget } from '../../types.js';
import { isoTime } from '../records/run-records.js';

/** Content type of a string body when the job's headers name none (as fetch sends a string). */
const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

/** Response bodies and handler results kept on a run. */
export const SNIPPET_BYTES = 4096;

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, bytes = SNIPPET_BYTES): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no encoding at all.
  if (text.length * 3 <= bytes || Buffer.byteLength(text, 'utf8') <= bytes) return text;
  return Buffer.from(text, 'utf8')
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** What building an HTTP job's request takes besides the job and the run. */
export interface HttpRequestOptions {
  userAgent: string;
  clock: Clock;
  addressPolicy: AddressPolicy | undefined;
  timeoutMs: number;
}

/**
 * The request an HTTP job's attempt sends: the target's method, headers (keys lower-cased) and body, plus the
 * idempotency and provenance headers, and the Standard Webhooks signature when the job has a signing secret.
 */
export function buildHttpRequest(
  job: JobRecord,
  target: HttpTarget,
  run: RunRecord,
  options: HttpRequestOptions,
): TransportRequest {
  const body =
    target.body === undefined
      ? undefined
      : typeof target.body === 'string'
        ? target.body
        : JSON.stringify(target.body);
  const scheduledAt = isoTime(run.scheduledAt.getTime());
  const headers: Record<string, string> = { 'user-agent': options.userAgent };
  // Never a body without a content type (a receiver's body parser ignores such a body): JSON for an object
  // or array, plain UTF-8 text for a string, unless the job's own headers name one.
  if (body !== undefined) headers['content-type'] = typeof target.body === 'string' ? TEXT : JSON_TYPE;
  const own = target.headers;
  if (own !== undefined) {
    for (const key of Object.keys(own)) {
      requireOpened(own[key]!, `Job ${job.id}'s header ${key}`);
      headers[key.toLowerCase()] = own[key]!;
    }
  }
  headers['idempotency-key'] = `${job.id}:${scheduledAt}`;
  headers['x-cronhook-job'] = job.id;
  headers['x-cronhook-scheduled-at'] = scheduledAt;
  if (target.signingSecret) {
    requireOpened(target.signingSecret, `Job ${job.id}'s signing secret`);
    const id = `run_${run.id}`;
    const timestamp = Math.floor(options.clock.now() / 1000);
    headers['webhook-id'] = id;
    headers['webhook-timestamp'] = String(timestamp);
    headers['webhook-signature'] = signWebhook({
      id,
      timestamp,
      payload: body ?? '',
      secret: target.signingSecret,
    });
  }
  const request: TransportRequest = {
    url: target.url,
    method: target.method ?? 'POST',
    headers,
    timeoutMs: options.timeoutMs,
  };
  if (body !== undefined) request.body = body;
  if (options.addressPolicy) request.addressPolicy = options.addressPolicy;
  return request;
}

/**
 * Records an HTTP attempt's response on the run, without the job's secrets should the target echo them
 * (`secrets`: requestSecrets of the target, when known already); a status that is not a success fails the
 * attempt. `method`: the request's.
 */
export function checkResponse(
  job: JobRecord,
  target: HttpTarget,
  run: RunRecord,
  method: string,
  secrets: readonly string[] | null,
  response: TransportResponse,
): void {
  run.statusCode = response.status;
  // Cut before truncating, so that no secret is kept in part at the cut.
  run.responseSnippet = truncateUtf8(
    redactSecrets(response.body, secrets ?? requestSecrets(target.url, target.headers)),
  );
  const ok = job.successStatuses
    ? job.successStatuses.includes(response.status)
    : response.status >= 200 && response.status < 300;
  if (!ok) {
    // Run errors are stored, logged and sent in webhooks: the target is named by its safe form.
    throw new CronhookError(
      'ERR_HTTP_STATUS',
      `${method} ${safeUrl(target.url)} answered ${response.status}`,
    );
  }
}
