import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import type { EndpointInput } from '../../../src/notifier/types.js';
import { createNotifierHarness } from '../../helpers/notifier.js';

// Endpoint fields checked at the door (issue 14): what addEndpoint/updateEndpoint accept is sent on every
// delivery; a refusal is an ERR_INVALID_ENDPOINT naming the field, stores nothing and echoes no secret.

const url = 'https://hooks.example.com/in';

async function refusal(input: Partial<EndpointInput> & Record<string, unknown>): Promise<CronhookError> {
  const h = createNotifierHarness();
  const error = await h.notifier.addEndpoint({ url, ...input } as EndpointInput).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  expect(error).toMatchObject({ code: 'ERR_INVALID_ENDPOINT' });
  expect(await h.notifier.listEndpoints()).toEqual([]);
  return error as CronhookError;
}

describe('endpoint URLs', () => {
  it('never echoes a rejected URL: its query may hold a token', async () => {
    for (const bad of ['notaurl?token=SECRET', 'not a url?token=SECRET', '/relative?token=SECRET']) {
      const error = await refusal({ url: bad });
      expect(error.field).toBe('url');
      expect(error.message).not.toContain('SECRET');
    }
  });
});

describe('endpoint headers and authorization', () => {
  it.each([
    ['a NUL', 'a\0b'],
    ['a control character', 'a\u0001b'],
    ['a non-ASCII character', 'clé'],
    ['a character outside Latin-1', 'tök€n'],
  ])('refuses a header value with %s, without echoing it', async (_label, value) => {
    const error = await refusal({ headers: { 'x-api-key': value } });
    expect(error.field).toBe('headers.x-api-key');
    expect(error.message).toContain('visible ASCII');
    expect(error.message).not.toContain(value);
  });

  it.each(['Host', 'content-length', 'transfer-encoding', 'Connection', 'keep-alive', 'upgrade', 'te'])(
    'refuses the header %s, which the HTTP client sets itself',
    async (name) => {
      const error = await refusal({ headers: { [name]: 'x' } });
      expect(error.field).toBe(`headers.${name}`);
      expect(error.message).toContain('may not be set');
    },
  );

  it.each([
    ['a pasted header line', 'Authorization: Bearer tok-0123456789', '":" at position 14'],
    ['a key=value pair', 'X-Api-Key=tok-0123456789', '"=" at position 10'],
    ['a space', 'Authorization Bearer tok-0123456789', 'a space at position 14'],
    ['a non-ASCII character', 'X-Clé-tok-0123456789', 'a control or non-ASCII character at position 5'],
  ])(
    'refuses an invalid header name (%s) without repeating it, in the message or the field',
    async (_l, name, where) => {
      const error = await refusal({ headers: { [name]: 'x' } });
      expect(error.field).toBe('headers');
      expect(error.message).toContain(where);
      expect(error.message).not.toContain('tok-0123456789');
    },
  );

  it('refuses an authorization value that is not visible ASCII, without echoing it', async () => {
    for (const value of ['Bearer tök€n', 'Bearer a\u0007b']) {
      const error = await refusal({ authorization: value });
      expect(error.field).toBe('authorization');
      expect(error.message).not.toContain(value);
    }
  });

  it('refuses more than 8 KiB of headers and authorization together', async () => {
    const error = await refusal({
      authorization: `Bearer ${'a'.repeat(5000)}`,
      headers: { 'x-b': 'b'.repeat(4000) },
    });
    expect(error.field).toBe('headers');
    expect(error.message).toContain('8192');
  });

  it('applies the same rules to updateEndpoint, leaving the endpoint unchanged', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url, headers: { 'x-ok': 'fine' } });
    const error = await h.notifier
      .updateEndpoint(endpoint.id, { headers: { host: 'elsewhere.example' } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'ERR_INVALID_ENDPOINT', field: 'headers.host' });
    expect((await h.storage.getEndpoint(endpoint.id))?.headers).toEqual({ 'x-ok': 'fine' });
  });
});

describe('endpoint secrets', () => {
  it('refuses a secret that is not canonical base64, as receivers would', async () => {
    const canonical = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    // Non-zero padding bits: decodes to the same key, but cronhook/verify refuses this spelling.
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = canonical.at(-2)!;
    const stray = `${canonical.slice(0, -2)}${B64[B64.indexOf(last) ^ 1]}=`;
    expect(Buffer.from(stray.slice(6), 'base64')).toEqual(Buffer.from(canonical.slice(6), 'base64'));
    const error = await refusal({ secret: stray });
    expect(error.field).toBe('secret');
    expect(error.message).not.toContain(stray.slice(6));
  });
});

describe('endpoint filters', () => {
  it('refuses __proto__ in match.metadata, which turned the filter into match-all', async () => {
    const match = JSON.parse('{"metadata":{"__proto__":"acme"}}');
    const error = await refusal({ match });
    expect(error.field).toBe('match.metadata.__proto__');
  });

  it('a filter on an ordinary key still matches only jobs with that value', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url, match: { metadata: { tenant: 'acme' } } });
    expect(endpoint.match).toEqual({ metadata: { tenant: 'acme' } });
  });

  it.each([
    ['topics', { topics: Array.from({ length: 101 }, (_, i) => `app.t${i}`) }, 'at most 100'],
    ['jobIds', { jobIds: Array.from({ length: 1001 }, (_, i) => `job-${i}`) }, 'at most 1000'],
    ['match', { match: { metadata: { blob: 'm'.repeat(16_384) } } }, '16384 bytes'],
  ])('refuses %s past its limit (read on every publish)', async (field, input, limit) => {
    const error = await refusal(input);
    expect(error.field).toBe(field);
    expect(error.message).toContain(limit);
  });
});
