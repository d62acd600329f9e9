import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/notifier/signing/signatures.js';
import { signHubSignature, signWebhook } from '../../src/verify/index.js';
import { at, body, headersFor, ts, vectors } from '../helpers/verify.js';

// Signing as a sender does: the Standard Webhooks signature and the hub (X-Hub-Signature-256) one, held to
// the published vectors and to the independent standardwebhooks package. Verifying is in verify.test.ts.

describe('signWebhook', () => {
  it.each(vectors.standard)('matches the shared Standard Webhooks vector $id', (v) => {
    expect(signWebhook({ id: v.id, timestamp: v.timestamp, payload: v.payload, secret: v.secret })).toBe(
      v.signature,
    );
    expect(
      signWebhook({
        id: v.id,
        timestamp: new Date(v.timestamp * 1000 + 999),
        payload: new TextEncoder().encode(v.payload),
        secret: v.secret,
      }),
    ).toBe(v.signature);
  });

  it('produces one space-separated v1 signature per secret, in order', () => {
    const a = generateSecret();
    const b = generateSecret();
    const both = signWebhook({ id: 'msg_1', timestamp: ts, payload: body, secret: [a, b] });
    const [first, second, ...rest] = both.split(' ');
    expect(rest).toEqual([]);
    expect(first).toBe(signWebhook({ id: 'msg_1', timestamp: ts, payload: body, secret: a }));
    expect(second).toBe(signWebhook({ id: 'msg_1', timestamp: ts, payload: body, secret: b }));
    expect(first).not.toBe(second);
  });

  it('is verified by the independent standardwebhooks package, for each secret', () => {
    const a = generateSecret();
    const b = generateSecret();
    const headers = headersFor([a, b], body, Math.floor(Date.now() / 1000));
    for (const secret of [a, b]) {
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    }
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('agrees with the standardwebhooks package signing the same message', () => {
    const secret = generateSecret();
    const theirs = new Webhook(secret).sign('msg_x', at, body);
    expect(signWebhook({ id: 'msg_x', timestamp: at, payload: body, secret })).toBe(theirs);
  });

  it('rejects an invalid timestamp or id', () => {
    const secret = generateSecret();
    expect(() => signWebhook({ id: 'msg_1', timestamp: 1.5, payload: body, secret })).toThrow(TypeError);
    expect(() => signWebhook({ id: 'msg_1', timestamp: new Date('x'), payload: body, secret })).toThrow(
      TypeError,
    );
    expect(() => signWebhook({ id: '', timestamp: ts, payload: body, secret })).toThrow(TypeError);
  });
});

describe('signHubSignature', () => {
  it.each(vectors.hub)('matches the shared hub vector', (v) => {
    expect(signHubSignature({ payload: v.payload, secret: v.secret })).toBe(v.signature);
  });

  it('equals an independent HMAC-SHA256 hex of the body keyed with the secret string', () => {
    const secret = generateSecret();
    const independent = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.from(body, 'utf8'))
      .digest('hex');
    expect(signHubSignature({ payload: body, secret })).toBe(`sha256=${independent}`);
  });
});
