/**
 * Fuzzes `verifyWebhook` (cronhook/verify) with hostile headers, bodies and secrets: it returns the parsed
 * body only for a correctly signed, fresh request, and otherwise throws a WebhookVerificationError with a
 * documented code. Nothing else escapes and nothing hangs. Receivers call it on raw internet input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from '../../src/verify/index.js';
import {
  FUZZ_SEED,
  headerContainer,
  hostileString,
  verifySecret,
  webhookHeaders,
  webhookPayload,
} from '../helpers/arbitraries.js';
import { expectCleanRejection, runCase } from './outcome.js';

const CODES: WebhookVerificationErrorCode[] = [
  'ERR_MISSING_HEADER',
  'ERR_INVALID_HEADER',
  'ERR_TIMESTAMP_TOO_OLD',
  'ERR_TIMESTAMP_TOO_NEW',
  'ERR_INVALID_SIGNATURE',
  'ERR_INVALID_SECRET',
  'ERR_INVALID_PAYLOAD',
];
const NOW = new Date('2026-01-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

function verify(input: Record<string, unknown>) {
  return runCase(() => verifyWebhook({ now: NOW, ...input } as unknown as VerifyWebhookInput));
}

describe('verifyWebhook fuzz', () => {
  /** Hostile requests (random payloads, headers and secrets) are each refused with a coded error. */
  const rejectsHostileRequests = (options: { seed?: number; numRuns: number }) =>
    fc.assert(
      fc.asyncProperty(
        webhookPayload(),
        webhookHeaders(),
        verifySecret(),
        async (payload, headers, secret) => {
          const result = await verify({ payload, headers, secret });
          // A random request passing verification would mean a forged signature was accepted.
          if (result.ok) throw new Error(`accepted an unsigned request: ${JSON.stringify(result.value)}`);
          expectCleanRejection(result.error, WebhookVerificationError, CODES);
        },
      ),
      options,
    );

  it('rejects hostile requests with a coded WebhookVerificationError (fixed seed)', async () => {
    await rejectsHostileRequests({ seed: FUZZ_SEED, numRuns: 400 });
  });

  /** A correctly signed request, then at most one tampering. */
  const signedCase = fc.record({
    payload: fc.oneof(fc.json(), hostileString(), fc.uint8Array({ maxLength: 64 })),
    id: fc.stringMatching(/^msg_[A-Za-z0-9]{1,20}$/),
    ageS: fc.integer({ min: -400, max: 400 }),
    shape: fc.nat(3),
    tamper: fc.oneof(
      { weight: 6, arbitrary: fc.constant('none') },
      {
        weight: 6,
        arbitrary: fc.constantFrom('payload', 'id', 'timestamp', 'signature', 'secret', 'drop-v1'),
      },
    ),
    extraSignatures: fc.array(fc.base64String({ minLength: 44, maxLength: 44 }), { maxLength: 2 }),
  });

  it('accepts exactly the untampered, fresh requests and returns their body (fixed seed)', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(signedCase, async (c) => {
        const timestamp = NOW_S - c.ageS;
        const signature = signWebhook({ id: c.id, timestamp, payload: c.payload, secret: SECRET });
        const bytes = typeof c.payload === 'string' ? Buffer.from(c.payload) : Buffer.from(c.payload);
        const values = {
          id: c.tamper === 'id' ? `${c.id}x` : c.id,
          timestamp: String(c.tamper === 'timestamp' ? timestamp + 1 : timestamp),
          signature: [
            ...c.extraSignatures.map((s) => `v1,${s}`),
            c.tamper === 'signature'
              ? signature.replace(/.(?=.{4}$)/, (ch) => (ch === 'A' ? 'B' : 'A'))
              : signature,
          ]
            .map((s) => (c.tamper === 'drop-v1' ? s.replace('v1,', 'v2,') : s))
            .join(' '),
        };
        const payload = c.tamper === 'payload' ? Buffer.concat([bytes, Buffer.from(' ')]) : c.payload;
        const secret = c.tamper === 'secret' ? OTHER_SECRET : [OTHER_SECRET, SECRET];
        const result = await verify({ payload, headers: headerContainer(values, c.shape), secret });

        const fresh = Math.abs(c.ageS) <= 300;
        let json: { ok: boolean; value?: unknown } = { ok: false };
        try {
          json = { ok: true, value: JSON.parse(bytes.toString('utf8')) };
        } catch {}
        if (c.tamper === 'none' && fresh && json.ok) {
          if (!result.ok) throw result.error;
          expect(result.value).toEqual(json.value);
          accepted++;
          return;
        }
        expect(result.ok, `accepted a ${c.tamper} tampered or stale request`).toBe(false);
        if (result.ok) return;
        expectCleanRejection(result.error, WebhookVerificationError, CODES);
        const code = (result.error as WebhookVerificationError).code;
        if (!fresh && c.tamper !== 'timestamp') expect(code).toMatch(/^ERR_TIMESTAMP_TOO_(OLD|NEW)$/);
        else if (fresh && Math.abs(c.ageS + 1) <= 300 && c.tamper !== 'none')
          expect(code).toBe('ERR_INVALID_SIGNATURE');
        else if (fresh && c.tamper === 'none') expect(code).toBe('ERR_INVALID_PAYLOAD');
      }),
      { seed: FUZZ_SEED, numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(25);
  });

  it('rejects hostile requests on a random seed (fast-check prints the seed of any failure)', async () => {
    await rejectsHostileRequests({ numRuns: 200 });
  });

  describe('regressions found by fuzzing', () => {
    it.each([undefined, null, 'webhook-id: msg_1'])(
      'headers %j: ERR_MISSING_HEADER, not a TypeError',
      async (headers) => {
        const result = await verify({ payload: '{}', headers, secret: SECRET });
        expect(result.ok).toBe(false);
        if (!result.ok) expectCleanRejection(result.error, WebhookVerificationError, ['ERR_MISSING_HEADER']);
      },
    );

    it('a header array holding a non-string: ERR_INVALID_HEADER, not a TypeError', async () => {
      const headers = { 'webhook-id': [Object.create(null)], 'webhook-timestamp': String(NOW_S) };
      const result = await verify({ payload: '{}', headers, secret: SECRET });
      expect(result.ok).toBe(false);
      if (!result.ok) expectCleanRejection(result.error, WebhookVerificationError, ['ERR_INVALID_HEADER']);
    });
  });
});
