/** Authorization, CSRF, Origin, permissions and headers, over real HTTP on loopback. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, bearerToken, createDashboard } from '../../src/dashboard/index.js';
import { isCronhookError } from '../../src/errors.js';
import { cookieOf, csrfOf, type Served, secretsIn, seedWorld, serve, type World } from './fixture.js';

let world: World;
let served: Served | undefined;

beforeEach(async () => {
  world = await seedWorld();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** A browser-like session: GET a page, keep its cookie and token. */
async function session(s: Served, path = '/jobs/sync-crm') {
  const page = await fetch(s.url(path));
  return { cookie: cookieOf(page), csrf: csrfOf(await page.text()) };
}

function post(s: Served, path: string, fields: Record<string, string>, headers: Record<string, string>) {
  return fetch(s.url(path), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.origin, ...headers },
    body: new URLSearchParams(fields),
  });
}

describe('createDashboard options', () => {
  it('refuses to build without authorize unless public: true is explicit', () => {
    const attempt = () => createDashboard({ scheduler: world.scheduler } as never);
    expect(attempt).toThrow(/authorize is required/);
    try {
      attempt();
    } catch (error) {
      expect(isCronhookError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect((error as { field?: string }).field).toBe('authorize');
    }
    expect(() => createDashboard({ scheduler: world.scheduler, public: true })).not.toThrow();
  });

  it('names the field of a bad option', () => {
    const base = { scheduler: world.scheduler, public: true };
    expect(() => createDashboard({ ...base, readOnly: true, permissions: { runJob: true } })).toThrow(
      /permissions/,
    );
    expect(() => createDashboard({ ...base, permissions: { dropTables: true } as never })).toThrow(
      /permissions\.dropTables/,
    );
    expect(() => createDashboard({ ...base, basePath: 'a b' })).toThrow(/basePath/);
    expect(() => createDashboard({ ...base, sessionSecret: 'short' })).toThrow(/sessionSecret/);
    expect(() => createDashboard({ public: true } as never)).toThrow(/scheduler, notifier or storage/);
  });
});

describe('authorization', () => {
  it('answers 401 with no data to an unauthorized request, on pages and actions alike', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, authorize: () => false });
    for (const path of ['/', '/jobs', '/jobs/sync-crm', `/endpoints/${world.endpointId}`, '/deliveries']) {
      const res = await fetch(served.url(path));
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(text).not.toContain('sync-crm');
      expect(text).not.toContain(world.endpointId);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const res = await post(served, '/jobs/sync-crm/pause', {}, {});
    expect(res.status).toBe(401);
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
  });

  it('basicAuth asks the browser for credentials and accepts only the right ones', async () => {
    served = await serve({
      scheduler: world.scheduler,
      authorize: basicAuth({ username: 'ops', password: 'pa:ss' }),
    });
    const none = await fetch(served.url('/jobs'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="cronhook"/);
    const wrong = await fetch(served.url('/jobs'), {
      headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(served.url('/jobs'), {
      headers: { authorization: `Basic ${Buffer.from('ops:pa:ss').toString('base64')}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('sync-crm');
  });

  it('bearerToken accepts the token only; an authorize that throws refuses', async () => {
    served = await serve({ scheduler: world.scheduler, authorize: bearerToken('t0ken') });
    expect((await fetch(served.url('/'), { headers: { authorization: 'Bearer t0ken' } })).status).toBe(200);
    expect((await fetch(served.url('/'), { headers: { authorization: 'Bearer t0ke' } })).status).toBe(401);
    await served.close();
    served = await serve({
      scheduler: world.scheduler,
      authorize: () => {
        throw new Error('session store down');
      },
    });
    const res = await fetch(served.url('/'));
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('session store down');
  });
});

describe('security headers', () => {
  it('sends a strict CSP without inline code, no framing, nosniff and a same-origin referrer policy', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    for (const path of ['/', '/jobs', '/nope']) {
      const res = await fetch(served.url(path));
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    }
  });

  it('lets the host allow framing with frameAncestors', async () => {
    served = await serve({ scheduler: world.scheduler, public: true, frameAncestors: ["'self'"] });
    const res = await fetch(served.url('/'));
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});

describe('cross-site request forgery', () => {
  beforeEach(async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
  });

  it('refuses a POST without the session token, or with another session’s token, and changes nothing', async () => {
    const s = served!;
    const mine = await session(s);
    const theirs = await session(s);
    const cases: Array<{ fields: Record<string, string>; headers: Record<string, string> }> = [
      { fields: {}, headers: { cookie: mine.cookie } },
      { fields: { csrf: theirs.csrf }, headers: { cookie: mine.cookie } },
      { fields: { csrf: mine.csrf }, headers: {} },
    ];
    for (const { fields, headers } of cases) {
      const res = await post(s, '/jobs/sync-crm/pause', fields, headers);
      expect(res.status).toBe(403);
    }
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    const ok = await post(s, '/jobs/sync-crm/pause', { csrf: mine.csrf }, { cookie: mine.cookie });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/jobs/sync-crm?done=paused');
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(false);
  });

  it('refuses a POST from another origin even with a valid token', async () => {
    const s = served!;
    const mine = await session(s);
    const forged: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: '', 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of forged) {
      const res = await post(
        s,
        `/endpoints/${world.endpointId}/delete`,
        { csrf: mine.csrf },
        { cookie: mine.cookie, ...headers },
      );
      expect(res.status).toBe(403);
    }
    expect(await world.notifier.getEndpoint(world.endpointId)).not.toBeNull();
    // Origin: null from a same-origin page (a no-referrer policy) is accepted on Fetch Metadata's word.
    const res = await post(
      s,
      `/jobs/sync-crm/pause`,
      { csrf: mine.csrf },
      { cookie: mine.cookie, origin: 'null', 'sec-fetch-site': 'same-origin' },
    );
    expect(res.status).toBe(303);
  });
});

describe('permissions', () => {
  it('readOnly shows no action and refuses a forged POST', async () => {
    served = await serve({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      readOnly: true,
    });
    for (const path of [
      '/jobs/sync-crm',
      `/endpoints/${world.endpointId}`,
      `/deliveries/${world.deliveryIds.failed}`,
      '/endpoints',
    ]) {
      const html = await (await fetch(served.url(path))).text();
      expect(html).not.toContain('method="post"');
      expect(html).not.toContain('Add endpoint');
    }
    const { cookie, csrf } = await session(served, '/jobs');
    expect((await post(served, '/jobs/sync-crm/pause', { csrf }, { cookie })).status).toBe(403);
    expect((await post(served, `/endpoints/${world.endpointId}/delete`, { csrf }, { cookie })).status).toBe(
      403,
    );
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    expect(await world.notifier.getEndpoint(world.endpointId)).not.toBeNull();
  });

  it('allows only the actions listed, per request when a function decides', async () => {
    served = await serve({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      permissions: (req) =>
        req.headers.get('x-role') === 'admin'
          ? { deleteEndpoint: true, redeliver: true }
          : { redeliver: true },
    });
    const delivery = await (await fetch(served.url(`/deliveries/${world.deliveryIds.failed}`))).text();
    expect(delivery).toContain('>Redeliver</button>');
    const endpoint = await (await fetch(served.url(`/endpoints/${world.endpointId}`))).text();
    expect(endpoint).not.toContain('>Delete</button>');
    expect(endpoint).not.toContain('>Ping</button>');
    const { cookie, csrf } = await session(served, '/jobs');
    expect((await post(served, `/endpoints/${world.endpointId}/delete`, { csrf }, { cookie })).status).toBe(
      403,
    );
    expect((await post(served, `/endpoints/${world.endpointId}/ping`, { csrf }, { cookie })).status).toBe(
      403,
    );
    expect((await post(served, '/jobs/sync-crm/run', { csrf }, { cookie })).status).toBe(403);
    expect(await world.notifier.getEndpoint(world.endpointId)).not.toBeNull();
    expect(await world.scheduler.listRuns('sync-crm')).toEqual([]);
    const admin = await post(
      served,
      `/endpoints/${world.endpointId}/delete`,
      { csrf },
      { cookie, 'x-role': 'admin' },
    );
    expect(admin.status).toBe(303);
    expect(await world.notifier.getEndpoint(world.endpointId)).toBeNull();
  });
});

describe('secrets', () => {
  it('no page shows a secret, header value, authorization value or URL query', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    const paths = [
      '/',
      '/jobs',
      '/jobs/sync-crm',
      '/jobs/nightly-report',
      '/endpoints',
      `/endpoints/${world.endpointId}`,
      '/deliveries',
      `/deliveries/${world.deliveryIds.failed}`,
      `/deliveries/${world.deliveryIds.succeeded}`,
      '/add/endpoint',
    ];
    for (const path of paths) {
      const res = await fetch(served.url(path));
      expect(res.status, path).toBe(200);
      expect(secretsIn(await res.text(), [world.endpointSecret]), path).toEqual([]);
    }
  });

  it('turns spell checking off in the fields that carry credentials (enhanced spell check sends text away)', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    const html = await (await fetch(served.url('/add/endpoint'))).text();
    for (const name of ['url', 'authorization', 'headers']) {
      const field = new RegExp(`<(?:input|textarea) name="${name}"[^>]*>`).exec(html)?.[0] ?? '';
      expect(field, name).toContain('spellcheck="false"');
    }
  });

  it('a re-posted rotate form (a reload of the secret page) rotates once and reveals nothing', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    const page = await fetch(served.url(`/endpoints/${world.endpointId}`));
    const cookie = cookieOf(page);
    const html = await page.text();
    const form = /<form[^>]+action="[^"]+\/rotate"[\s\S]*?<\/form>/.exec(html)![0];
    const fields = new URLSearchParams({ graceHours: '0' });
    for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
      fields.set(m[1]!, m[2]!);
    const send = () =>
      fetch(served!.url(`/endpoints/${world.endpointId}/rotate`), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: served!.origin, cookie },
        body: fields,
      });
    const first = await send();
    const secret = /id="secret" class="secret">(whsec_[^<]+)</.exec(await first.text())?.[1];
    expect(secret).toMatch(/^whsec_/);
    const again = await send();
    expect(again.status).toBe(303);
    expect(await again.text()).not.toContain('whsec_');
    // One rotation, grace 0: only the secret revealed the first time signs (a second rotation ended it).
    const stored = await world.storage.getEndpoint(world.endpointId);
    expect(stored?.secrets.map((s) => s.secret)).toEqual([secret]);
  });

  it('reveals a new endpoint’s secret once, uncached; a re-posted form adds nothing and reveals nothing', async () => {
    served = await serve({ scheduler: world.scheduler, notifier: world.notifier, public: true });
    const form = await fetch(served.url('/add/endpoint'));
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
      fetch(served!.url('/endpoints'), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: served!.origin, cookie },
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
    const endpoints = await world.notifier.listEndpoints();
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
      const page = await (await fetch(`${served.origin}${path}`)).text();
      expect(secretsIn(page, [secret!, 'brand-new-auth', 'tenant-secret-9']), path).toEqual([]);
    }
  });
});
