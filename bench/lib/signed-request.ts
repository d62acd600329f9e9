import { createHmac, createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { generateSecret } from 'cronhook';

/** The event every webhook benchmark sends (the notifier's body wraps it the same way). */
export const EVENT_DATA = { invoice: 'in_1234567890', amount: 4200, currency: 'eur', lines: [1, 2, 3] };

/** A signing key per endpoint, made once, as a careful engineer keeps it (not re-imported per request). */
export function endpointKeys(count: number): KeyObject[] {
  return Array.from({ length: count }, () =>
    createSecretKey(Buffer.from(generateSecret().slice('whsec_'.length), 'base64')),
  );
}

/** One message: its id, timestamp and body, built once and signed for each endpoint. */
export interface SignedMessage {
  id: string;
  timestamp: string;
  body: string;
}

export function newMessage(seq: number): SignedMessage {
  const now = Date.now();
  return {
    id: `msg_${randomUUID()}`,
    timestamp: String(Math.floor(now / 1000)),
    body: JSON.stringify({
      type: 'invoice.paid',
      timestamp: new Date(now).toISOString(),
      data: { ...EVENT_DATA, seq },
    }),
  };
}

/** Standard Webhooks headers of `message` signed with `key`. */
export function signedHeaders(message: SignedMessage, key: KeyObject): Record<string, string> {
  const signature = createHmac('sha256', key)
    .update(`${message.id}.${message.timestamp}.${message.body}`)
    .digest('base64');
  return {
    'content-type': 'application/json',
    'webhook-id': message.id,
    'webhook-timestamp': message.timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}
