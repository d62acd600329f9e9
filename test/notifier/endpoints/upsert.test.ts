import { describe, expect, it } from 'vitest';
import { WebhookNotifier } from '../../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { MockTransport } from '../../../src/testing/mock-transport.js';
import { createNotifierHarness, visibleText } from '../../helpers/notifier.js';

const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SECRET_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

const ops = {
  id: 'ops-alerts',
  url: 'https://ops.example.com/hooks/cron',
  topics: ['job.execution.failed', 'job.execution.missed'],
  description: 'on-call',
  headers: { 'X-Team': 'ops' },
  authorization: 'Bearer token-1',
};

describe('WebhookNotifier.upsertEndpoint and caller-chosen endpoint ids', () => {
  it('addEndpoint takes an id, validates it, and refuses one that exists with ERR_DUPLICATE_ENDPOINT', async () => {
    const { notifier, storage } = createNotifierHarness();
    const { endpoint } = await notifier.addEndpoint({ id: 'ops', url: ops.url });
    expect(endpoint.id).toBe('ops');
    await expect(notifier.addEndpoint({ id: 'ops', url: 'https://other.example/' })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_ENDPOINT',
      field: 'id',
    });
    expect((await storage.getEndpoint('ops'))?.url).toBe(ops.url);
    for (const id of ['', '-x', 'a b', 'x'.repeat(129), 7]) {
      await expect(notifier.addEndpoint({ id: id as string, url: ops.url })).rejects.toMatchObject({
        code: 'ERR_INVALID_ENDPOINT',
        field: 'id',
      });
    }
    await expect(notifier.updateEndpoint('ops', { id: 'new' } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ENDPOINT',
      field: 'id',
      message: expect.stringContaining('never changes'),
    });
  });

  it('creates the endpoint and returns its secret to that call only; the same input later changes nothing', async () => {
    const { notifier, storage, clock } = createNotifierHarness();
    const first = await notifier.upsertEndpoint(ops);
    expect(first).toMatchObject({ created: true, updated: false, endpoint: { id: 'ops-alerts' } });
    expect(first.secret).toMatch(/^whsec_/);
    const stored = await storage.getEndpoint('ops-alerts');
    await clock.advance('1h');
    const again = await notifier.upsertEndpoint({
      ...ops,
      url: 'https://ops.example.com/hooks/cron', // as given; stored normalized
      topics: ['job.execution.missed', 'job.execution.failed', 'job.execution.failed'],
      headers: { 'x-team': 'ops' },
    });
    expect(again).toEqual({ endpoint: first.endpoint, created: false, updated: false });
    expect(await storage.getEndpoint('ops-alerts')).toEqual(stored);
    expect(visibleText(again, await notifier.listEndpoints())).not.toContain(first.secret!);
  });

  it('brings a stored endpoint to the input: omitted fields go back to their defaults, the secret stays', async () => {
    const { notifier, storage } = createNotifierHarness();
    const { secret } = await notifier.upsertEndpoint(ops);
    const changed = await notifier.upsertEndpoint({ id: ops.id, url: 'https://ops.example.com/v2' });
    expect(changed).toMatchObject({
      created: false,
      updated: true,
      endpoint: { url: 'https://ops.example.com/v2', topics: ['*'], description: null, headerNames: [] },
    });
    expect(changed.secret).toBeUndefined();
    const record = await storage.getEndpoint(ops.id);
    expect(record).toMatchObject({ authorization: null, headers: {} });
    expect(record?.secrets.map((s) => s.secret)).toEqual([secret]);
  });

  it('rotates to a secret given in the input, the old one signing during the grace period', async () => {
    const { notifier, storage, clock } = createNotifierHarness();
    const created = await notifier.upsertEndpoint({ ...ops, secret: SECRET_A });
    expect(created).toMatchObject({ created: true, secret: SECRET_A });
    expect(await notifier.upsertEndpoint({ ...ops, secret: SECRET_A })).toMatchObject({
      updated: false,
      secret: SECRET_A,
    });
    const rotated = await notifier.upsertEndpoint({ ...ops, secret: SECRET_B });
    expect(rotated).toMatchObject({ updated: true, secret: SECRET_B });
    const secrets = (await storage.getEndpoint(ops.id))?.secrets;
    expect(secrets).toEqual([
      { secret: SECRET_A, createdAt: expect.any(Date), expiresAt: new Date(clock.now() + 86_400_000) },
      { secret: SECRET_B, createdAt: clock.date(), expiresAt: null },
    ]);
  });

  it('compares enabled only when given: an endpoint disabled by an operator or for failing stays so', async () => {
    const { notifier } = createNotifierHarness();
    await notifier.upsertEndpoint(ops);
    await notifier.updateEndpoint(ops.id, { enabled: false });
    expect(await notifier.upsertEndpoint(ops)).toMatchObject({
      updated: false,
      endpoint: { enabled: false },
    });
    const enabled = await notifier.upsertEndpoint({ ...ops, enabled: true });
    expect(enabled).toMatchObject({ updated: true, endpoint: { enabled: true, disabledReason: null } });
  });

  it('validates the whole input before anything is read or stored', async () => {
    const { notifier, storage } = createNotifierHarness();
    const { id: _id, ...noId } = ops;
    await expect(notifier.upsertEndpoint(noId as typeof ops)).rejects.toMatchObject({
      code: 'ERR_INVALID_ENDPOINT',
      field: 'id',
    });
    await expect(notifier.upsertEndpoint({ ...ops, topics: [] })).rejects.toMatchObject({ field: 'topics' });
    await expect(notifier.upsertEndpoint({ ...ops, secret: 'nope' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ENDPOINT',
      field: 'secret',
    });
    expect(await storage.listEndpoints()).toEqual([]);
  });

  it('leaves concurrent callers with one endpoint, created by one of them, and applies a change once', async () => {
    const storage = new MemoryStorage();
    const notifiers = Array.from(
      { length: 5 },
      () => new WebhookNotifier({ storage, transport: new MockTransport() }),
    );
    const created = await Promise.all(notifiers.map((n) => n.upsertEndpoint({ ...ops, secret: SECRET_A })));
    expect(created.filter((r) => r.created)).toHaveLength(1);
    expect(created.filter((r) => r.updated)).toHaveLength(0);
    expect(await storage.listEndpoints()).toHaveLength(1);
    const changed = await Promise.all(notifiers.map((n) => n.upsertEndpoint({ ...ops, secret: SECRET_B })));
    expect(changed.filter((r) => r.updated)).toHaveLength(1);
    expect((await storage.getEndpoint(ops.id))?.secrets.filter((s) => s.expiresAt === null)).toEqual([
      expect.objectContaining({ secret: SECRET_B }),
    ]);
  });
});
