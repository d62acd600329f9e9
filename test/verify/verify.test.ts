import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/notifier/signing/signatures.js';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../../src/verify/index.js';
import { at, body, expectCode, headersFor, ts, vectors } from '../helpers/verify.js';

// verifyWebhook as a receiver calls it: what it accepts, what it refuses and with which code, and its
// strictness (only the text a sender produces). Signing is in sign.test.ts.

describe('verifyWebhook', () => {
  const secret = generateSecret();

  it('returns the parsed body for a string payload and for bytes', () => {
    const headers = headersFor(secret);
    expect(verifyWebhook({ payload: body, headers, secret, now: at })).toEqual(JSON.parse(body));
    const bytes = Buffer.from(body);
    expect(verifyWebhook({ payload: bytes, headers, secret, now: at })).toEqual(JSON.parse(body));
    expect(verifyWebhook({ payload: new Uint8Array(bytes), headers, secret, now: at })).toEqual(
      JSON.parse(body),
    );
  });

  it('verifies the shared vector at its own time', () => {
    for (const v of vectors.standard) {
      const headers = {
        'webhook-id': v.id,
        'webhook-timestamp': String(v.timestamp),
        'webhook-signature': v.signature,
      };
      expect(
        verifyWebhook({ payload: v.payload, headers, secret: v.secret, now: new Date(v.timestamp * 1000) }),
      ).toEqual(JSON.parse(v.payload));
    }
  });

  it('accepts a message the standardwebhooks package signed', () => {
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_theirs', now, body);
    const headers = {
      'webhook-id': 'msg_theirs',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    expect(verifyWebhook({ payload: body, headers, secret })).toEqual(JSON.parse(body));
  });

  it('accepts any of several secrets, and a header holding several signatures', () => {
    const old = generateSecret();
    const rotated = headersFor([secret, old]);
    expect(verifyWebhook({ payload: body, headers: rotated, secret: old, now: at })).toBeTruthy();
    expect(
      verifyWebhook({ payload: body, headers: headersFor(old), secret: [secret, old], now: at }),
    ).toBeTruthy();
    expectCode(
      () =>
        verifyWebhook({
          payload: body,
          headers: headersFor(old),
          secret: [secret, generateSecret()],
          now: at,
        }),
      'ERR_INVALID_SIGNATURE',
    );
  });

  it('reads headers case-insensitively, from a fetch Headers object too', () => {
    const h = headersFor(secret);
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ payload: body, headers: upper, secret, now: at })).toBeTruthy();
    expect(verifyWebhook({ payload: body, headers: new Headers(h), secret, now: at })).toBeTruthy();
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('rejects a missing %s header', (name) => {
    const headers: Record<string, string> = { ...headersFor(secret) };
    delete headers[name];
    expectCode(() => verifyWebhook({ payload: body, headers, secret, now: at }), 'ERR_MISSING_HEADER');
  });

  it('rejects a stale timestamp and a future one beyond the tolerance, accepting the edges', () => {
    const headers = headersFor(secret);
    const plus = (s: number) => new Date(at.getTime() + s * 1000);
    expect(verifyWebhook({ payload: body, headers, secret, now: plus(300) })).toBeTruthy();
    expectCode(
      () => verifyWebhook({ payload: body, headers, secret, now: plus(301) }),
      'ERR_TIMESTAMP_TOO_OLD',
    );
    expect(verifyWebhook({ payload: body, headers, secret, now: plus(-300) })).toBeTruthy();
    expectCode(
      () => verifyWebhook({ payload: body, headers, secret, now: plus(-301) }),
      'ERR_TIMESTAMP_TOO_NEW',
    );
    expectCode(
      () => verifyWebhook({ payload: body, headers, secret, now: plus(31), toleranceSec: 30 }),
      'ERR_TIMESTAMP_TOO_OLD',
    );
  });

  it('rejects a timestamp that is not unix seconds', () => {
    const headers = { ...headersFor(secret), 'webhook-timestamp': '2026-01-01T00:00:00Z' };
    expectCode(() => verifyWebhook({ payload: body, headers, secret, now: at }), 'ERR_INVALID_HEADER');
  });

  it('rejects a wrong signature, a changed body and a re-serialized body', () => {
    const headers = headersFor(secret);
    expectCode(
      () => verifyWebhook({ payload: body, headers, secret: generateSecret(), now: at }),
      'ERR_INVALID_SIGNATURE',
    );
    expectCode(
      () => verifyWebhook({ payload: body.replace('failed', 'succeeded'), headers, secret, now: at }),
      'ERR_INVALID_SIGNATURE',
    );
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    expectCode(() => verifyWebhook({ payload: pretty, headers, secret, now: at }), 'ERR_INVALID_SIGNATURE');
    const tamperedTs = { ...headers, 'webhook-timestamp': String(ts + 1) };
    expectCode(
      () => verifyWebhook({ payload: body, headers: tamperedTs, secret, now: at }),
      'ERR_INVALID_SIGNATURE',
    );
    const noV1 = { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') };
    expectCode(
      () => verifyWebhook({ payload: body, headers: noV1, secret, now: at }),
      'ERR_INVALID_SIGNATURE',
    );
  });

  it('rejects a parsed object as payload and an invalid secret', () => {
    const headers = headersFor(secret);
    expectCode(
      () => verifyWebhook({ payload: JSON.parse(body) as string, headers, secret, now: at }),
      'ERR_INVALID_PAYLOAD',
    );
    expectCode(
      () => verifyWebhook({ payload: body, headers, secret: 'whsec_not base64!', now: at }),
      'ERR_INVALID_SECRET',
    );
    expectCode(() => verifyWebhook({ payload: body, headers, secret: [], now: at }), 'ERR_INVALID_SECRET');
  });

  describe('strictness: only what a sender produces is accepted', () => {
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    // A fixed secret whose signature of `body` holds both '+' and '/', so every spelling below differs.
    const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
    const headers = headersFor(secret);
    const signature = headers['webhook-signature'].slice(3);
    const withSignature = (text: string) => ({ ...headers, 'webhook-signature': `v1,${text}` });
    const verify =
      (h: Record<string, string>, s: string | string[] = secret) =>
      () =>
        verifyWebhook({ payload: body, headers: h, secret: s, now: at });

    it('accepts the canonical signature', () => {
      expect(signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(signature).toMatch(/\+.*\/|\/.*\+/);
      expect(verify(withSignature(signature))()).toEqual(JSON.parse(body));
    });

    it.each([
      ['base64url characters', (s: string) => s.replaceAll('+', '-').replaceAll('/', '_')],
      ['no padding', (s: string) => s.replace(/=$/, '')],
      ['junk appended', (s: string) => `${s}AAAA`],
      ['characters appended that base64 ignores', (s: string) => `${s}!!`],
      ['whitespace inside', (s: string) => `${s.slice(0, 10)}\t${s.slice(10)}`],
      ['non-zero padding bits', (s: string) => `${s.slice(0, 42)}${B64[B64.indexOf(s[42]!) ^ 1]}=`],
    ])('refuses a signature with %s (same bytes, not the canonical text)', (_label, change) => {
      const changed = change(signature);
      // Only applies where the change keeps the decoded bytes: otherwise it is a plain wrong signature.
      expect(changed).not.toBe(signature);
      expectCode(verify(withSignature(changed)), 'ERR_INVALID_SIGNATURE');
    });

    it('refuses a timestamp with a leading zero or a sign, though its value is right', () => {
      for (const text of [`0${ts}`, `00${ts}`, `+${ts}`]) {
        expectCode(verify({ ...headers, 'webhook-timestamp': text }), 'ERR_INVALID_HEADER');
      }
    });

    it('refuses a secret shorter than the 24 bytes a sender requires, or not canonical base64', () => {
      const short = `whsec_${Buffer.alloc(23, 5).toString('base64')}`;
      expectCode(verify(headers, short), 'ERR_INVALID_SECRET');
      expectCode(verify(headers, 'whsec_AQ=='), 'ERR_INVALID_SECRET');
      expectCode(verify(headers, [secret, 'whsec_AQ==']), 'ERR_INVALID_SECRET');
      // Unpadded base64 of 32 bytes: the same key, but not the text a sender shows.
      expectCode(verify(headers, secret.replace(/=$/, '')), 'ERR_INVALID_SECRET');
      const minimum = `whsec_${Buffer.alloc(24, 5).toString('base64')}`;
      expect(verify(headersFor(minimum), minimum)()).toBeTruthy();
      // The prefix stays optional, as in the Standard Webhooks libraries.
      expect(verify(headers, secret.slice('whsec_'.length))()).toBeTruthy();
    });

    it('signWebhook refuses the secrets verifyWebhook refuses, so no sender makes what cannot be verified', () => {
      expect(() => signWebhook({ id: 'msg_1', timestamp: ts, payload: body, secret: 'whsec_AQ==' })).toThrow(
        WebhookVerificationError,
      );
    });

    it('still verifies what the standardwebhooks package signs, with its 24-byte secrets', () => {
      const theirs = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;
      const now = new Date();
      const h = {
        'webhook-id': 'msg_theirs',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': new Webhook(theirs).sign('msg_theirs', now, body),
      };
      expect(verifyWebhook({ payload: body, headers: h, secret: theirs })).toEqual(JSON.parse(body));
    });
  });

  it('rejects a correctly signed body that is not JSON', () => {
    const text = 'not json';
    expectCode(
      () => verifyWebhook({ payload: text, headers: headersFor(secret, text), secret, now: at }),
      'ERR_INVALID_PAYLOAD',
    );
  });
});
