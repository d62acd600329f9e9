import { describe, expect, it } from 'vitest';
import { CronhookError } from '../../../src/errors.js';
import { verifyWebhook } from '../../../src/verify/index.js';
import { createNotifierHarness, visibleText } from '../../helpers/notifier.js';

const URL_A = 'https://a.example.com/hooks';

async function rejects(promise: Promise<unknown>, code: string, field?: string): Promise<CronhookError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CronhookError);
  expect((error as CronhookError).code).toBe(code);
  if (field !== undefined) expect((error as CronhookError).field).toBe(field);
  return error as CronhookError;
}

describe('WebhookNotifier endpoints', () => {
  it('generates a whsec_ secret of 32 random bytes and returns it only from addEndpoint', async () => {
    const h = createNotifierHarness();
    const { endpoint, secret } = await h.notifier.addEndpoint({
      url: URL_A,
      topics: ['job.*'],
      description: 'ops',
      authorization: 'Bearer very-secret-token',
      headers: { 'X-Api-Key': 'key-value-123' },
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(endpoint).toMatchObject({
      url: URL_A,
      topics: ['job.*'],
      description: 'ops',
      headerNames: ['x-api-key'],
      hasAuthorization: true,
      enabled: true,
      jobIds: null,
      match: null,
    });
    const other = await h.notifier.addEndpoint({ url: URL_A });
    expect(other.secret).not.toBe(secret);
    expect(other.endpoint.topics).toEqual(['*']);

    const results = [
      endpoint,
      await h.notifier.getEndpoint(endpoint.id),
      await h.notifier.listEndpoints(),
      await h.notifier.updateEndpoint(endpoint.id, { description: 'changed' }),
      await h.notifier.enableEndpoint(endpoint.id),
    ];
    const text = visibleText(...results);
    expect(text).not.toContain(secret.slice(6));
    expect(text).not.toContain('very-secret-token');
    expect(text).not.toContain('key-value-123');
    expect(text).toContain(endpoint.id);
  });

  it('accepts a supplied secret of 24 to 64 bytes and rejects others without echoing them', async () => {
    const h = createNotifierHarness();
    const ok = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect((await h.notifier.addEndpoint({ url: URL_A, secret: ok })).secret).toBe(ok);
    const bad = [
      'not-a-secret-value',
      `whsec_${Buffer.alloc(23, 1).toString('base64')}`,
      `whsec_${Buffer.alloc(65, 1).toString('base64')}`,
      'whsec_!!!!notbase64!!!!notbase64!!!!notbase64',
    ];
    for (const secret of bad) {
      const error = await rejects(
        h.notifier.addEndpoint({ url: URL_A, secret }),
        'ERR_INVALID_ENDPOINT',
        'secret',
      );
      expect(error.message).not.toContain(secret);
      expect(error.message).toMatch(/whsec_/);
    }
    expect(await h.notifier.listEndpoints()).toHaveLength(1);
  });

  it('validates URLs: http(s) only and no credentials', async () => {
    const h = createNotifierHarness();
    await rejects(h.notifier.addEndpoint({ url: 'ftp://a.example.com/' }), 'ERR_INVALID_ENDPOINT', 'url');
    await rejects(h.notifier.addEndpoint({ url: 'not a url' }), 'ERR_INVALID_ENDPOINT', 'url');
    await rejects(h.notifier.addEndpoint({ url: '/relative' }), 'ERR_INVALID_ENDPOINT', 'url');
    const creds = await rejects(
      h.notifier.addEndpoint({ url: 'https://user:hunter2@a.example.com/' }),
      'ERR_INVALID_ENDPOINT',
      'url',
    );
    expect(creds.message).not.toContain('hunter2');
    expect(creds.message).toMatch(/authorization/);
    await rejects(h.notifier.addEndpoint({ url: 'javascript:alert(1)' }), 'ERR_INVALID_ENDPOINT', 'url');
    expect((await h.notifier.addEndpoint({ url: 'http://localhost:8080/x' })).endpoint.url).toBe(
      'http://localhost:8080/x',
    );
  });

  it('validates topics, jobIds, match, headers and authorization, naming the field', async () => {
    const h = createNotifierHarness();
    await rejects(h.notifier.addEndpoint({ url: URL_A, topics: [] }), 'ERR_INVALID_ENDPOINT', 'topics');
    await rejects(
      h.notifier.addEndpoint({ url: URL_A, topics: ['job.**'] }),
      'ERR_INVALID_ENDPOINT',
      'topics',
    );
    await rejects(
      h.notifier.addEndpoint({ url: URL_A, topics: ['*.failed'] }),
      'ERR_INVALID_ENDPOINT',
      'topics',
    );
    await rejects(h.notifier.addEndpoint({ url: URL_A, jobIds: [''] }), 'ERR_INVALID_ENDPOINT', 'jobIds');
    await rejects(
      h.notifier.addEndpoint({ url: URL_A, match: { metadata: { tenant: { nested: 1 } as never } } }),
      'ERR_INVALID_ENDPOINT',
      'match.metadata.tenant',
    );
    const header = await rejects(
      h.notifier.addEndpoint({ url: URL_A, headers: { 'x-key': 'abc\r\nInjected: 1' } }),
      'ERR_INVALID_ENDPOINT',
      'headers.x-key',
    );
    expect(header.message).not.toContain('Injected');
    await rejects(
      h.notifier.addEndpoint({ url: URL_A, headers: { 'bad name': 'x' } }),
      'ERR_INVALID_ENDPOINT',
    );
    await rejects(
      h.notifier.addEndpoint({ url: URL_A, authorization: 'Bearer x\nY' }),
      'ERR_INVALID_ENDPOINT',
      'authorization',
    );
    await rejects(h.notifier.addEndpoint({ url: URL_A, urls: 'x' } as never), 'ERR_INVALID_ENDPOINT', 'urls');
    expect(await h.notifier.listEndpoints()).toEqual([]);
  });

  it('updates fields without touching the secret, and rejects a bad patch leaving the endpoint unchanged', async () => {
    const h = createNotifierHarness();
    const { endpoint, secret } = await h.notifier.addEndpoint({ url: URL_A, authorization: 'Bearer a' });
    const updated = await h.notifier.updateEndpoint(endpoint.id, {
      url: 'https://new.example.com/h',
      topics: ['job.execution.failed'],
      authorization: null,
      jobIds: ['nightly'],
    });
    expect(updated).toMatchObject({
      url: 'https://new.example.com/h',
      topics: ['job.execution.failed'],
      hasAuthorization: false,
      jobIds: ['nightly'],
    });
    await rejects(h.notifier.updateEndpoint(endpoint.id, { url: 'ftp://x/' }), 'ERR_INVALID_ENDPOINT', 'url');
    await rejects(
      h.notifier.updateEndpoint(endpoint.id, { secret: 'whsec_x' } as never),
      'ERR_INVALID_ENDPOINT',
      'secret',
    );
    expect(await h.notifier.getEndpoint(endpoint.id)).toEqual(updated);
    await rejects(h.notifier.updateEndpoint('ep_missing', { description: 'x' }), 'ERR_ENDPOINT_NOT_FOUND');

    // An app event has no job, so a jobIds filter excludes it; clearing the filter lets it through.
    await h.notifier.start();
    await h.notifier.publish('job.execution.failed', {});
    await h.settle();
    expect(h.transport.requests).toHaveLength(0);
    await h.notifier.updateEndpoint(endpoint.id, { jobIds: null });
    await h.notifier.publish('job.execution.failed', {});
    await h.settle();
    const request = h.transport.requests[0]!;
    expect(request.url).toBe('https://new.example.com/h');
    expect(request.headers.authorization).toBeUndefined();
    expect(
      verifyWebhook({ payload: request.body!, headers: request.headers, secret, now: h.clock.date() }),
    ).toBeTruthy();
    await h.notifier.stop();
  });

  it('removes an endpoint with its pending deliveries', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.publish('x.y', {});
    expect(await h.notifier.removeEndpoint(endpoint.id)).toBe(true);
    expect(await h.notifier.removeEndpoint(endpoint.id)).toBe(false);
    expect(await h.notifier.getEndpoint(endpoint.id)).toBeNull();
    expect((await h.notifier.listDeliveries()).deliveries).toEqual([]);
    await h.notifier.start();
    await h.settle();
    expect(h.transport.requests).toHaveLength(0);
    await h.notifier.stop();
  });

  it('pages endpoints in creation order', async () => {
    const h = createNotifierHarness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await h.notifier.addEndpoint({ url: `${URL_A}/${i}` })).endpoint.id);
      await h.clock.advance(1);
    }
    const first = await h.notifier.listEndpoints({ limit: 2 });
    const second = await h.notifier.listEndpoints({ limit: 2, after: first[1]!.id });
    expect([...first, ...second].map((e) => e.id)).toEqual(ids.slice(0, 4));
  });
});

describe('rotateSecret', () => {
  it('signs with the new and old secrets during the grace period and with the new one after', async () => {
    const h = createNotifierHarness();
    const { endpoint, secret: oldSecret } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.start();
    const { secret: newSecret } = await h.notifier.rotateSecret(endpoint.id, { graceMs: 3_600_000 });
    expect(newSecret).not.toBe(oldSecret);
    expect(newSecret).toMatch(/^whsec_/);

    await h.notifier.publish('x.y', { n: 1 });
    await h.settle();
    const during = h.transport.requests[0]!;
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(
        verifyWebhook({ payload: during.body!, headers: during.headers, secret, now: h.clock.date() }),
      ).toEqual(JSON.parse(during.body!));
    }

    await h.clock.advance(3_600_000);
    await h.notifier.publish('x.y', { n: 2 });
    await h.settle();
    const after = h.transport.requests[1]!;
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(
      verifyWebhook({ payload: after.body!, headers: after.headers, secret: newSecret, now: h.clock.date() }),
    ).toBeTruthy();
    expect(() =>
      verifyWebhook({ payload: after.body!, headers: after.headers, secret: oldSecret, now: h.clock.date() }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_SIGNATURE' }));
    await h.notifier.stop();
  });

  it('graceMs 0 stops the old secrets at once, and a supplied secret is used as given', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await h.notifier.rotateSecret(endpoint.id, { graceMs: 3_600_000 });
    const chosen = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect((await h.notifier.rotateSecret(endpoint.id, { graceMs: 0, secret: chosen })).secret).toBe(chosen);
    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    const request = h.transport.requests[0]!;
    expect(request.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(
      verifyWebhook({
        payload: request.body!,
        headers: request.headers,
        secret: chosen,
        now: h.clock.date(),
      }),
    ).toBeTruthy();
    await h.notifier.stop();
  });

  it('allows at most 10 active secrets and rejects an 11th without changing the endpoint', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    const secrets: string[] = [];
    for (let i = 0; i < 9; i++) secrets.push((await h.notifier.rotateSecret(endpoint.id)).secret);
    const before = await h.storage.getEndpoint(endpoint.id);
    expect(before!.secrets).toHaveLength(10);
    const error = await rejects(h.notifier.rotateSecret(endpoint.id), 'ERR_INVALID_OPTION', 'graceMs');
    expect(error.message).toMatch(/at most 10/);
    expect(await h.storage.getEndpoint(endpoint.id)).toEqual(before);

    await h.notifier.start();
    await h.notifier.publish('x.y', {});
    await h.settle();
    expect(h.transport.requests[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(10);
    // Once the grace periods end, rotation works again and the expired secrets are dropped.
    await h.clock.advance('24h');
    await h.notifier.rotateSecret(endpoint.id);
    expect((await h.storage.getEndpoint(endpoint.id))!.secrets).toHaveLength(2);
    await h.notifier.stop();
  });

  it('rejects an invalid graceMs and an unknown endpoint', async () => {
    const h = createNotifierHarness();
    const { endpoint } = await h.notifier.addEndpoint({ url: URL_A });
    await rejects(h.notifier.rotateSecret(endpoint.id, { graceMs: -1 }), 'ERR_INVALID_OPTION', 'graceMs');
    await rejects(h.notifier.rotateSecret(endpoint.id, { secret: 'nope' }), 'ERR_INVALID_ENDPOINT', 'secret');
    await rejects(h.notifier.rotateSecret('ep_nope'), 'ERR_ENDPOINT_NOT_FOUND');
    expect((await h.storage.getEndpoint(endpoint.id))!.secrets).toHaveLength(1);
  });
});
