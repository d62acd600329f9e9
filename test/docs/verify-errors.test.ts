import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/notifier/signing/signatures.js';
import { signWebhook, verifyWebhook } from '../../src/verify/index.js';

// docs/webhooks.md's table of verification error codes says what verifyWebhook does: each case a receiver
// meets is run here, and the row of the code it gets must describe it.

const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!] as const),
);

function codeOf(secret: unknown): string {
  const secretOfEndpoint = generateSecret();
  const body = '{"type":"webhook.ping"}';
  const now = new Date('2026-01-01T00:00:00Z');
  const headers = {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(now.getTime() / 1000),
    'webhook-signature': signWebhook({
      id: 'msg_1',
      timestamp: now,
      payload: body,
      secret: secretOfEndpoint,
    }),
  };
  try {
    verifyWebhook({ payload: body, headers, secret: secret as string, now });
    return 'verified';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('docs/webhooks.md: verification errors', () => {
  it('lists every code verifyWebhook throws', () => {
    expect([...rows.keys()].sort()).toEqual([
      'ERR_INVALID_HEADER',
      'ERR_INVALID_PAYLOAD',
      'ERR_INVALID_SECRET',
      'ERR_INVALID_SIGNATURE',
      'ERR_MISSING_HEADER',
      'ERR_TIMESTAMP_TOO_NEW',
      'ERR_TIMESTAMP_TOO_OLD',
    ]);
  });

  it('a missing secret (an unset environment variable) is ERR_INVALID_SECRET, and the row says so', () => {
    expect(codeOf(undefined)).toBe('ERR_INVALID_SECRET');
    expect(codeOf('whsec_not base64!')).toBe('ERR_INVALID_SECRET');
    expect(rows.get('ERR_INVALID_SECRET')).toMatch(/no secret given/);
    expect(rows.get('ERR_INVALID_SECRET')).toMatch(/canonical base64/);
  });

  it('a base64 secret without the whsec_ prefix is taken as key bytes: ERR_INVALID_SIGNATURE, as the row says', () => {
    expect(codeOf('bXlzZWNyZXRteXNlY3JldG15c2VjcmV0bXlzZWNyZXQ=')).toBe('ERR_INVALID_SIGNATURE');
    expect(rows.get('ERR_INVALID_SIGNATURE')).toMatch(/without the `whsec_` prefix/);
    expect(rows.get('ERR_INVALID_SECRET')).toMatch(/the prefix may be left out/);
  });
});
