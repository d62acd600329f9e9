import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/notifier/ids.js';
import { activeSecrets, generateSecret, validateSecret } from '../../../src/notifier/signing/signatures.js';
import { SigningKeys } from '../../../src/notifier/signing/signing-keys.js';
import { signHubSignature, signWebhook } from '../../../src/verify/index.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

/** The hub scheme computed independently: HMAC-SHA256 of the raw body, keyed with the secret string. */
function hubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('secrets', () => {
  it('generateSecret gives whsec_ + base64 of 32 fresh random bytes that validateSecret accepts', () => {
    const secrets = new Set(Array.from({ length: 50 }, generateSecret));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) {
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
      expect(validateSecret(secret)).toBe(secret);
    }
  });

  it('activeSecrets lists current and in-grace secrets, newest first', () => {
    const t = (s: string) => new Date(`2026-01-01T${s}Z`);
    const list = [
      { secret: 'a', createdAt: t('00:00:00'), expiresAt: t('01:00:00') },
      { secret: 'c', createdAt: t('00:20:00'), expiresAt: null },
      { secret: 'b', createdAt: t('00:10:00'), expiresAt: t('02:00:00') },
    ];
    expect(activeSecrets(list, t('00:30:00').getTime())).toEqual(['c', 'b', 'a']);
    expect(activeSecrets(list, t('01:00:00').getTime())).toEqual(['c', 'b']);
    expect(activeSecrets(list, t('03:00:00').getTime())).toEqual(['c']);
  });
});

describe('signatureHeaders option', () => {
  async function firstRequest(signatureHeaders: 'standard' | 'hub' | 'both', rotate = false) {
    const h = createNotifierHarness({ signatureHeaders });
    // standardwebhooks verifies against the real time.
    await h.clock.set(Date.now());
    const { endpoint, secret } = await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    const newest = rotate ? (await h.notifier.rotateSecret(endpoint.id)).secret : secret;
    await h.notifier.start();
    await h.notifier.publish('x.y', { v: 1 });
    await h.settle();
    await h.notifier.stop();
    return { request: h.transport.requests[0]!, secret, newest };
  }

  it("'hub' sends x-hub-signature-256 that an independent HMAC reproduces, and no webhook-signature", async () => {
    const { request, secret } = await firstRequest('hub');
    expect(request.headers['x-hub-signature-256']).toBe(hubSignature(secret, request.body!));
    expect(request.headers['webhook-signature']).toBeUndefined();
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
  });

  it("'both' sends both schemes, each verifiable independently", async () => {
    const { request, secret } = await firstRequest('both');
    expect(request.headers['x-hub-signature-256']).toBe(hubSignature(secret, request.body!));
    expect(new Webhook(secret).verify(request.body!, request.headers as Record<string, string>)).toBeTruthy();
  });

  it('the hub header is signed with the newest secret during a rotation', async () => {
    const { request, secret, newest } = await firstRequest('both', true);
    expect(request.headers['x-hub-signature-256']).toBe(hubSignature(newest, request.body!));
    expect(request.headers['x-hub-signature-256']).not.toBe(hubSignature(secret, request.body!));
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(2);
  });
});

describe('signing keys', () => {
  it('sign exactly as signWebhook and signHubSignature, on every reuse and after the secrets change', () => {
    const keys = new SigningKeys();
    const [a, b] = [generateSecret(), `whsec_${Buffer.alloc(64, 7).toString('base64')}`];
    // One endpoint whose active secrets go from [a] to [b, a] (a rotation) to [b] (the grace ended).
    for (const secrets of [[a], [a], [b, a], [b, a], [b]]) {
      const body = JSON.stringify({ secrets: secrets.length });
      expect(keys.standard('ep_1', secrets, 'msg_1', 1_767_225_600, body)).toBe(
        signWebhook({ id: 'msg_1', timestamp: 1_767_225_600, payload: body, secret: secrets }),
      );
      expect(keys.hub('ep_1', secrets, body)).toBe(signHubSignature({ payload: body, secret: secrets[0]! }));
    }
  });

  it('sign each attempt of its own id, timestamp and body, when only one of them differs from the last', () => {
    const keys = new SigningKeys();
    const secrets = [generateSecret()];
    const [body, other] = ['{"n":1}', '{"n":2}'];
    // A message to several endpoints in a row shares its content; any part that changes is signed as it is.
    const attempts: Array<[string, string, number, string]> = [
      ['ep_1', 'msg_1', 1_767_225_600, body],
      ['ep_2', 'msg_1', 1_767_225_600, body],
      ['ep_2', 'msg_2', 1_767_225_600, body],
      ['ep_2', 'msg_2', 1_767_225_601, body],
      ['ep_1', 'msg_2', 1_767_225_601, other],
      ['ep_1', 'msg_2', 1_767_225_601, JSON.parse(JSON.stringify(other))],
    ];
    for (const [endpointId, id, timestamp, payload] of attempts) {
      expect(keys.standard(endpointId, secrets, id, timestamp, payload)).toBe(
        signWebhook({ id, timestamp, payload, secret: secrets }),
      );
    }
  });

  it('a rotation takes effect on the next attempt: the retired secret signs nothing once its grace ends', async () => {
    const h = createNotifierHarness();
    await h.clock.set(Date.now());
    const { endpoint, secret: first } = await h.notifier.addEndpoint({ url: 'https://a.example.com/' });
    await h.notifier.start();
    await h.notifier.publish('x.y', { n: 1 });
    await h.settle();
    const { secret: second } = await h.notifier.rotateSecret(endpoint.id, { graceMs: 0 });
    await h.notifier.publish('x.y', { n: 2 });
    await h.settle();
    await h.notifier.stop();
    const [before, after] = h.transport.requests;
    const headers = (r: typeof before) => r!.headers as Record<string, string>;
    expect(new Webhook(first).verify(before!.body!, headers(before))).toEqual({
      ...JSON.parse(before!.body!),
    });
    expect(headers(after)['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(new Webhook(second).verify(after!.body!, headers(after))).toEqual({ ...JSON.parse(after!.body!) });
    expect(() => new Webhook(first).verify(after!.body!, headers(after))).toThrow();
  });

  it('a stored secret that is not base64 fails the attempt with ERR_INVALID_SECRET, without its value', () => {
    const keys = new SigningKeys();
    const bad = 'whsec_not*base64!';
    expect(() => keys.standard('ep_1', [bad], 'msg_1', 1, '{}')).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_SECRET',
        message: expect.not.stringContaining('base64!'),
      }),
    );
  });
});

describe('ids', () => {
  it('are prefixed, 22 base64url characters, and never repeat, even within one millisecond', () => {
    const ids = Array.from({ length: 5_000 }, () => newId('att', 1_767_225_600_000));
    for (const id of ids) expect(id).toMatch(/^att_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sort in the order of their creation times, as byte strings (the SQL indexes compare them so)', () => {
    const times = [0, 1, 63, 64, 4095, 1_767_225_600_000, 1_767_225_600_001, 1_767_225_660_000, 2 ** 47];
    const ids = times.map((t) => newId('dlv', t));
    const sorted = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(sorted).toEqual(ids);
    // Made in the same millisecond, they share their first 8 characters after the prefix.
    const [a, b] = [newId('dlv', 1_767_225_600_000), newId('dlv', 1_767_225_600_000)];
    expect(a.slice(0, 12)).toBe(b.slice(0, 12));
    expect(a).not.toBe(b);
  });
});
