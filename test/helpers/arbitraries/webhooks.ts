/** Webhook requests as a receiver gets them, for `verifyWebhook`: headers, bodies and secrets. */
import fc from 'fast-check';
import { secret } from './endpoints.js';
import { anyValue, hostileString, maybe } from './values.js';

/** A header value as a receiver's framework could hand it over, or junk. */
function headerValue(valid: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.array(valid, { maxLength: 3 }) },
    { weight: 1, arbitrary: hostileString() },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** The three Standard Webhooks headers with values from good to hostile, as a record or a fetch `Headers`. */
export function webhookHeaderValues() {
  return fc.record(
    {
      id: headerValue(fc.constantFrom('msg_1', 'msg_2XyZ', ' msg_pad ', '')),
      timestamp: headerValue(
        fc.oneof(
          fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }).map(String),
          fc.constantFrom('1e9', '-1', '0x10', '1.5', '999999999999999', '9999999999999999', ' 1767225600 '),
        ),
      ),
      signature: headerValue(
        fc.oneof(
          fc.base64String({ maxLength: 60 }).map((b) => `v1,${b}`),
          fc
            .array(
              fc.base64String({ maxLength: 44 }).map((b) => `v1,${b}`),
              { maxLength: 4 },
            )
            .map((l) => l.join(' ')),
          fc.constantFrom('v1,', 'v2,abc', 'v1a,xx', 'v1,@@@', '   '),
        ),
      ),
    },
    { requiredKeys: [] },
  );
}

/** A request body: text, bytes (invalid UTF-8 included), JSON, or a wrong type. */
export function webhookPayload(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.json() },
    { weight: 2, arbitrary: hostileString() },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: anyValue() },
  );
}

/** A verifying secret: well-formed, several, or broken. */
export function verifySecret(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: secret },
    { weight: 1, arbitrary: fc.array(maybe(secret), { maxLength: 3 }) },
    { weight: 1, arbitrary: anyValue() },
  );
}

type HeaderValues = { id?: unknown; timestamp?: unknown; signature?: unknown };

/** Puts header values in the container a framework hands over: Node's record, mixed case, fetch `Headers`, a getter. */
export function headerContainer(values: HeaderValues, shape: number): unknown {
  const entries = [
    ['webhook-id', values.id],
    ['webhook-timestamp', values.timestamp],
    ['webhook-signature', values.signature],
  ] as const;
  const present = entries.filter(([, v]) => v !== undefined);
  switch (shape % 4) {
    case 0:
      return Object.fromEntries(present);
    case 1:
      return Object.fromEntries(
        present.map(([k, v]) => [k.replace(/(^|-)w|(^|-)[its]/g, (m) => m.toUpperCase()), v]),
      );
    case 2:
      try {
        return new Headers(present.map(([k, v]) => [k, String(v)]));
      } catch {
        return Object.fromEntries(present); // values fetch refuses (or that cannot be strings): a plain record
      }
    default:
      return { get: (name: string) => present.find(([k]) => k === name)?.[1] ?? null };
  }
}

/** Whole `headers` arguments: the three headers in some container, or (rarely) anything at all. */
export function webhookHeaders(): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc.tuple(webhookHeaderValues(), fc.nat(3)).map(([v, s]) => headerContainer(v, s)),
    },
    { weight: 1, arbitrary: anyValue() },
  );
}
