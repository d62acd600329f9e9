/** Bad input, base paths and proxies, and what each subset of scheduler/notifier/storage shows, over real HTTP. */
import { beforeEach, describe, expect, it } from 'vitest';
import { createDashboard } from '../../src/dashboard/index.js';
import { cookieOf, serve, worldPerTest } from './fixture.js';

const t = worldPerTest();
const text = t.page;
const postForm = t.post;

describe('bad input', () => {
  beforeEach(async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
  });

  it('answers an error page with a status, never a stack trace', async () => {
    const cases: Array<[string, number]> = [
      ['/jobs/no-such-job', 404],
      ['/endpoints/ep_missing', 404],
      ['/deliveries/dlv_missing', 404],
      ['/jobs/%E0%A4%A', 400],
      ['/jobs?cursor=not-a-cursor!', 400],
      [`/jobs?cursor=${Buffer.from('[1,2]').toString('base64url')}`, 400],
      ['/deliveries?cursor=eyJ4IjoxfQ', 400],
      [`/jobs?q=${'x'.repeat(5000)}`, 400],
      ['/jobs?status=everything', 400],
      ['/deliveries?status=lost', 400],
      ['/deliveries?since=yesterday', 400],
      ['/deliveries?until=2026-13-01T00:00', 400],
      ['/deliveries?since=2026-01-02T00:00&until=2026-01-01T00:00', 400],
      [`/jobs/${'a'.repeat(400)}`, 400],
      ['/no/such/page', 404],
    ];
    for (const [path, status] of cases) {
      const { status: got, html } = await text(path);
      expect(got, path).toBe(status);
      expect(html, path).toMatch(/<h1>\d{3} /);
      expect(html, path).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
  });

  it('refuses malformed and oversized forms, and actions on unknown ids, changing nothing', async () => {
    expect((await postForm('/jobs/no-such-job/pause')).status).toBe(404);
    expect((await postForm('/endpoints/ep_missing/delete')).status).toBe(404);
    expect((await postForm('/deliveries/dlv_missing/redeliver')).status).toBe(404);
    expect((await postForm(`/endpoints/${t.world.endpointId}/rotate`, { graceHours: '-5' })).status).toBe(
      400,
    );
    expect((await postForm(`/endpoints/${t.world.endpointId}/rotate`, { graceHours: 'abc' })).status).toBe(
      400,
    );
    expect(
      (await postForm('/deliveries/replay', { endpointId: t.world.endpointId, since: 'soon' })).status,
    ).toBe(400);
    const huge = await postForm('/jobs/sync-crm/pause', { filler: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    const json = await fetch(t.served!.url('/jobs/sync-crm/pause'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.served!.origin },
      body: '{}',
    });
    expect(json.status).toBe(400);
    const add = await postForm('/endpoints', { url: 'not a url', topics: 'job.*' });
    expect(add.status).toBe(400);
    expect(await add.text()).toContain('Add endpoint');
    expect((await t.world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    expect(await t.world.notifier.listEndpoints()).toHaveLength(1);
    const endpoint = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(endpoint?.secrets).toHaveLength(1);
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(t.served!.url('/jobs'), { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});

describe('base path and proxies', () => {
  it('builds every link, form and asset under the base path, whether or not the request carries it', async () => {
    t.served = await serve({
      scheduler: t.world.scheduler,
      notifier: t.world.notifier,
      public: true,
      basePath: '/admin/cron/',
    });
    const withPrefix = await fetch(`${t.served.origin}/admin/cron/jobs`);
    const stripped = await fetch(`${t.served.origin}/jobs`);
    for (const res of [withPrefix, stripped]) {
      expect(res.status).toBe(200);
      const html = await res.text();
      const urls = [...html.matchAll(/(?:href|action|src)="([^"]+)"/g)].map((m) => m[1]!);
      expect(urls.length).toBeGreaterThan(5);
      for (const url of urls) {
        if (url.startsWith('data:') || url.startsWith('#')) continue;
        expect(url, url).toMatch(/^\/admin\/cron\//);
      }
      const css = urls.find((u) => u.endsWith('.css'))!;
      const asset = await fetch(`${t.served.origin}${css}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/^text\/css/);
      expect((await fetch(`${t.served.origin}${css.replace('/admin/cron', '')}`)).status).toBe(200);
    }
    expect(cookieOf(withPrefix)).toBeTruthy();
    expect(withPrefix.headers.getSetCookie()[0]).toContain('Path=/admin/cron');
  });

  it('fetch() serves Web Requests, as Hono, Bun and Deno pass them', async () => {
    const dashboard = createDashboard({ scheduler: t.world.scheduler, public: true, basePath: '/ops' });
    const res = await dashboard.fetch(new Request('http://example.test/ops/jobs?status=paused'));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('paused-job');
    expect(html).not.toContain('sync-crm');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const head = await dashboard.fetch(new Request('http://example.test/ops/', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('hands requests that are not its own to next()', async () => {
    const dashboard = createDashboard({ scheduler: t.world.scheduler, public: true, basePath: '/ops' });
    let passed = false;
    dashboard.handler(
      { url: '/somewhere-else', method: 'GET', headers: {}, socket: {} } as never,
      {} as never,
      () => {
        passed = true;
      },
    );
    expect(passed).toBe(true);
  });
});

describe('any subset of scheduler, notifier and storage', () => {
  it('storage alone gives a read-only view of every section', async () => {
    t.served = await serve({ storage: t.world.storage, public: true });
    const { html } = await text('/');
    expect(html).toContain('>Jobs</a>');
    expect(html).toContain('>Endpoints</a>');
    for (const path of [
      '/jobs/sync-crm',
      `/endpoints/${t.world.endpointId}`,
      `/deliveries/${t.world.deliveryIds.failed}`,
    ]) {
      const page = await text(path);
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('method="post"');
    }
    expect((await postForm('/jobs/sync-crm/pause')).status).toBe(403);
  });

  it('a scheduler alone shows jobs and runs only; a notifier alone endpoints and deliveries only', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, public: true });
    expect((await text('/')).html).not.toContain('>Endpoints</a>');
    expect((await text('/endpoints')).status).toBe(404);
    expect((await text('/jobs/sync-crm')).html).toContain('>Run now</button>');
    await t.served.close();
    t.served = await serve({ notifier: t.world.notifier, public: true });
    expect((await text('/')).html).not.toContain('>Jobs</a>');
    expect((await text('/jobs')).status).toBe(404);
    expect((await text(`/endpoints/${t.world.endpointId}`)).html).toContain('>Ping</button>');
  });
});
