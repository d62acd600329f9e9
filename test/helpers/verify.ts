/**
 * Set-up for tests of `cronhook/verify` (test/verify/): the published signature vectors, one message and
 * its Standard Webhooks headers, and an assertion on the code a refusal carries.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  signWebhook,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from '../../src/verify/index.js';

interface Vectors {
  standard: { secret: string; id: string; timestamp: number; payload: string; signature: string }[];
  hub: { secret: string; payload: string; signature: string }[];
}
export const vectors = JSON.parse(
  readFileSync(new URL('../verify/signature-vectors.json', import.meta.url), 'utf8'),
) as Vectors;

export function expectCode(fn: () => unknown, code: WebhookVerificationErrorCode): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

export const body = JSON.stringify({
  type: 'job.execution.failed',
  timestamp: '2026-01-01T00:00:00.000Z',
  data: {},
});
export const at = new Date('2026-01-01T00:00:00Z');
export const ts = Math.floor(at.getTime() / 1000);

export function headersFor(secret: string | string[], payload: string | Uint8Array = body, timestamp = ts) {
  return {
    'webhook-id': 'msg_abc',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ id: 'msg_abc', timestamp, payload, secret }),
  };
}
