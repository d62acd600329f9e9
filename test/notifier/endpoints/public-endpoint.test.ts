import { describe, expect, it } from 'vitest';
import type { Endpoint, NotifierEvents } from '../../../src/notifier/types.js';
import { WebhookNotifier } from '../../../src/notifier/webhook-notifier.js';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { HttpTransport } from '../../../src/transport/http.js';
import { startHttpServer } from '../../helpers/http-server.js';
import { createNotifierHarness } from '../../helpers/notifier.js';
import { until, useCleanups } from '../../helpers/test-lifecycle.js';

// An endpoint's URL in what callers get back (getEndpoint, listEndpoints, add/update/upsert results, events):
// origin and path only, with `urlHidden` saying what was left out. Storage keeps the whole URL; deliveries go to it.

const cleanups = useCleanups();
const TOKEN = 'q-T0KEN-4d1e7b';

describe('the URL in the public view of an endpoint', () => {
  it('leaves out the query, says so, and still delivers to the whole URL (real HTTP on loopback)', async () => {
    const server = await startHttpServer((req, res) => {
      res.writeHead(req.url?.startsWith('/gone') ? 410 : 204).end();
    });
    const storage = new MemoryStorage();
    const transport = new HttpTransport();
    const notifier = new WebhookNotifier({ storage, transport, allowPrivateNetworks: true, retryJitter: 0 });
    cleanups.push(
      () => server.close(),
      () => transport.close(),
      () => notifier.stop({ timeoutMs: 0 }),
    );
    const events: Array<NotifierEvents['delivery.succeeded'] | NotifierEvents['endpoint.disabled']> = [];
    notifier.on('delivery.succeeded', (e) => void events.push(e));
    notifier.on('endpoint.disabled', (e) => void events.push(e));
    const whole = server.url(`/hooks?token=${TOKEN}`);
    const { endpoint: added } = await notifier.addEndpoint({ id: 'in', url: whole, topics: ['invoice.*'] });
    const updated = await notifier.updateEndpoint('in', { description: 'billing' });
    await notifier.addEndpoint({
      id: 'gone',
      url: server.url(`/gone?token=${TOKEN}`),
      topics: ['invoice.*'],
    });
    const views: Endpoint[] = [
      added,
      updated,
      (await notifier.getEndpoint('in'))!,
      ...(await notifier.listEndpoints()).filter((e) => e.id === 'in'),
    ];
    expect(views).toHaveLength(4);
    for (const endpoint of views) {
      expect(endpoint).toMatchObject({ url: server.url('/hooks'), urlHidden: ['query'] });
      expect(JSON.stringify(endpoint)).not.toContain(TOKEN);
    }
    expect((await storage.getEndpoint('in'))?.url).toBe(whole);

    await notifier.start();
    await notifier.publish('invoice.paid', { invoice: 'inv_1' });
    await until(() => events.length === 2);
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      `/gone?token=${TOKEN}`,
      `/hooks?token=${TOKEN}`,
    ]);
    expect(events.map((e) => e.type).sort()).toEqual(['delivery.succeeded', 'endpoint.disabled']);
    for (const event of events) {
      expect(event.endpoint.urlHidden).toEqual(['query']);
      expect(JSON.stringify(event)).not.toContain(TOKEN);
    }
  });

  it('hides credentials and fragment too, in a record written by older versions or other tools', async () => {
    const { notifier, storage } = createNotifierHarness();
    await notifier.addEndpoint({ id: 'old', url: 'https://hooks.example.com/in' });
    const record = (await storage.getEndpoint('old'))!;
    await storage.updateEndpoint({
      ...record,
      url: `https://svc:pw-S3CRET@hooks.example.com/in?token=${TOKEN}#f9`,
    });
    for (const endpoint of [await notifier.getEndpoint('old'), ...(await notifier.listEndpoints())]) {
      expect(endpoint).toMatchObject({
        url: 'https://hooks.example.com/in',
        urlHidden: ['credentials', 'query', 'fragment'],
      });
      expect(JSON.stringify(endpoint)).not.toMatch(/pw-S3CRET|svc|q-T0KEN|#f9/);
    }
  });

  it('upsertEndpoint compares the stored URL: the same input with a query token is unchanged', async () => {
    const { notifier, storage, clock } = createNotifierHarness();
    const input = { id: 'ops', url: `https://ops.example.com/hooks?token=${TOKEN}`, topics: ['job.*'] };
    expect(await notifier.upsertEndpoint(input)).toMatchObject({ created: true, updated: false });
    const before = await storage.getEndpoint('ops');
    await clock.advance('1h');
    const again = await notifier.upsertEndpoint(input);
    expect(again).toMatchObject({
      created: false,
      updated: false,
      endpoint: { url: 'https://ops.example.com/hooks', urlHidden: ['query'] },
    });
    expect(await storage.getEndpoint('ops')).toEqual(before);
    const changed = await notifier.upsertEndpoint({
      ...input,
      url: 'https://ops.example.com/hooks?token=new',
    });
    expect(changed).toMatchObject({ updated: true });
    expect((await storage.getEndpoint('ops'))?.url).toBe('https://ops.example.com/hooks?token=new');
  });

  it('a patch without url keeps the stored URL, query included', async () => {
    const { notifier, storage } = createNotifierHarness();
    await notifier.addEndpoint({ id: 'e', url: `https://hooks.example.com/in?token=${TOKEN}` });
    await notifier.updateEndpoint('e', { description: 'edited', topics: ['job.*'] });
    expect((await storage.getEndpoint('e'))?.url).toBe(`https://hooks.example.com/in?token=${TOKEN}`);
  });
});
