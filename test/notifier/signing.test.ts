import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { activeSecrets, generateSecret, validateSecret } from '../../src/notifier/signing.js';
import { createNotifierHarness } from './harness.js';

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
