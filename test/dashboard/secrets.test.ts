/** No secret in any page; the one reveal of a new endpoint's secret, uncached and never repeated. */
import { describe, expect, it } from 'vitest';
import { cookieOf, csrfOf, secretsIn, serve, worldPerTest } from './fixture.js';

const t = worldPerTest();

describe('secrets', () => {
  it('no page shows a secret, header value, authorization value or URL query', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    const paths = [
      '/',
      '/jobs',
      '/jobs/sync-crm',
      '/jobs/nightly-report',
      '/endpoints',
      `/endpoints/${t.world.endpointId}`,
      '/deliveries',
      `/deliveries/${t.world.deliveryIds.failed}`,
      `/deliveries/${t.world.deliveryIds.succeeded}`,
      '/add/endpoint',
      `/endpoints/${t.world.endpointId}/edit`,
    ];
    for (const path of paths) {
      const res = await fetch(t.served.url(path));
      expect(res.status, path).toBe(200);
      expect(secretsIn(await res.text(), [t.world.endpointSecret]), path).toEqual([]);
    }
  });

  it('turns spell checking off in the fields that carry credentials (enhanced spell check sends text away)', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    for (const path of ['/add/endpoint', `/endpoints/${t.world.endpointId}/edit`]) {
      const html = await (await fetch(t.served.url(path))).text();
      for (const name of ['url', 'authorization', 'headers']) {
        const field = new RegExp(`<(?:input|textarea) name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
        expect(field, `${path} ${name}`).toContain('spellcheck="false"');
      }
    }
  });

  it('a re-posted rotate form (a reload of the secret page) rotates once and reveals nothing', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    const page = await fetch(t.served.url(`/endpoints/${t.world.endpointId}`));
    const cookie = cookieOf(page);
    const html = await page.text();
    const form = /<form[^>]+action="[^"]+\/rotate"[\s\S]*?<\/form>/.exec(html)![0];
    const fields = new URLSearchParams({ graceHours: '0' });
    for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields.set(m[1]!, m[2]!);
    const send = () =>
      fetch(t.served!.url(`/endpoints/${t.world.endpointId}/rotate`), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.served!.origin, cookie },
        body: fields,
      });
    const first = await send();
    const secret = /id="secret" class="secret">(whsec_[^<]+)</.exec(await first.text())?.[1];
    expect(secret).toMatch(/^whsec_/);
    const again = await send();
    expect(again.status).toBe(303);
    expect(await again.text()).not.toContain('whsec_');
    // One rotation, grace 0: only the secret revealed the first time signs (a second rotation ended it).
    const stored = await t.world.storage.getEndpoint(t.world.endpointId);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([secret]);
  });

  it('reveals a new endpoint’s secret once, uncached; a re-posted form adds nothing and reveals nothing', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    const form = await fetch(t.served.url('/add/endpoint'));
    const html = await form.text();
    const cookie = cookieOf(form);
    const nonce = /name="nonce" value="([^"]+)"/.exec(html)![1]!;
    const fields = new URLSearchParams({
      csrf: csrfOf(html),
      nonce,
      url: 'https://new.example.com/hook',
      description: 'New one',
      authorization: 'Bearer brand-new-auth',
      headers: 'X-Tenant: tenant-secret-9',
    });
    fields.append('topics', 'job.execution.failed');
    fields.append('topics', 'job.execution.missed');
    const send = () =>
      fetch(t.served!.url('/endpoints'), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.served!.origin, cookie },
        body: fields,
      });
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const reveal = await first.text();
    const secret = /id="secret" class="secret">(whsec_[^<]+)</.exec(reveal)?.[1];
    expect(secret).toMatch(/^whsec_/);
    expect(reveal).not.toContain('brand-new-auth');
    expect(reveal).not.toContain('tenant-secret-9');
    const again = await send();
    expect(again.status).toBe(303);
    const endpoints = await t.world.notifier.listEndpoints();
    expect(endpoints.filter((e) => e.url === 'https://new.example.com/hook')).toHaveLength(1);
    const added = endpoints.find((e) => e.url === 'https://new.example.com/hook')!;
    expect(added.topics).toEqual(['job.execution.failed', 'job.execution.missed']);
    expect(added.headerNames).toEqual(['x-tenant']);
    for (const path of [
      '/endpoints',
      `/endpoints/${added.id}`,
      '/deliveries',
      '/',
      again.headers.get('location')!.replace(/^\//, '/'),
    ]) {
      const page = await (await fetch(`${t.served.origin}${path}`)).text();
      expect(secretsIn(page, [secret!, 'brand-new-auth', 'tenant-secret-9']), path).toEqual([]);
    }
  });
});
