/** Authorization, CSRF, Origin, permissions and headers, over real HTTP on loopback. */
import { beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, bearerToken, createDashboard } from '../../src/dashboard/index.js';
import { isCronhookError } from '../../src/errors.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { cookieOf, csrfOf, type Served, serve, worldPerTest } from './fixture.js';

const t = worldPerTest();

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
    const attempt = () => createDashboard({ scheduler: t.world.scheduler } as never);
    expect(attempt).toThrow(/authorize is required/);
    try {
      attempt();
    } catch (error) {
      expect(isCronhookError(error, 'ERR_INVALID_OPTION')).toBe(true);
      expect((error as { field?: string }).field).toBe('authorize');
    }
    expect(() => createDashboard({ scheduler: t.world.scheduler, public: true })).not.toThrow();
  });

  it('names the field of a bad option', () => {
    const base = { scheduler: t.world.scheduler, public: true };
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
    t.served = await serve({
      scheduler: t.world.scheduler,
      notifier: t.world.notifier,
      authorize: () => false,
    });
    for (const path of ['/', '/jobs', '/jobs/sync-crm', `/endpoints/${t.world.endpointId}`, '/deliveries']) {
      const res = await fetch(t.served.url(path));
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(text).not.toContain('sync-crm');
      expect(text).not.toContain(t.world.endpointId);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const res = await post(t.served, '/jobs/sync-crm/pause', {}, {});
    expect(res.status).toBe(401);
    expect((await t.world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
  });

  it('basicAuth asks the browser for credentials and accepts only the right ones', async () => {
    t.served = await serve({
      scheduler: t.world.scheduler,
      authorize: basicAuth({ username: 'ops', password: 'pa:ss' }),
    });
    const none = await fetch(t.served.url('/jobs'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="cronhook"/);
    const wrong = await fetch(t.served.url('/jobs'), {
      headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(t.served.url('/jobs'), {
      headers: { authorization: `Basic ${Buffer.from('ops:pa:ss').toString('base64')}` },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('sync-crm');
  });

  it('basicAuth past its guessing limit answers 429 with Retry-After and no data, until the window ends', async () => {
    const clock = new FakeClock(Date.now());
    t.served = await serve({
      scheduler: t.world.scheduler,
      authorize: basicAuth({ username: 'ops', password: 'pa:ss', limit: { maxFailures: 2, clock } }),
    });
    const as = (password: string) =>
      fetch(t.served!.url('/jobs'), {
        headers: { authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}` },
      });
    for (const guess of ['one', 'two']) expect((await as(guess)).status).toBe(401);
    await clock.advance(15_000);
    const refused = await as('pa:ss');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await refused.text()).not.toContain('sync-crm');
    await clock.advance(45_000);
    expect((await as('pa:ss')).status).toBe(200);
  });

  it('bearerToken accepts the token only; an authorize that throws refuses', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, authorize: bearerToken('t0ken') });
    expect((await fetch(t.served.url('/'), { headers: { authorization: 'Bearer t0ken' } })).status).toBe(200);
    expect((await fetch(t.served.url('/'), { headers: { authorization: 'Bearer t0ke' } })).status).toBe(401);
    await t.served.close();
    t.served = await serve({
      scheduler: t.world.scheduler,
      authorize: () => {
        throw new Error('session store down');
      },
    });
    const res = await fetch(t.served.url('/'));
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('session store down');
  });
});

describe('security headers', () => {
  it('sends a strict CSP without inline code, no framing, nosniff and a same-origin referrer policy', async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
    for (const path of ['/', '/jobs', '/nope']) {
      const res = await fetch(t.served.url(path));
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
    t.served = await serve({ scheduler: t.world.scheduler, public: true, frameAncestors: ["'self'"] });
    const res = await fetch(t.served.url('/'));
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(res.headers.get('x-frame-options')).toBeNull();
  });
});

describe('cross-site request forgery', () => {
  beforeEach(async () => {
    t.served = await serve({ scheduler: t.world.scheduler, notifier: t.world.notifier, public: true });
  });

  it('refuses a POST without the session token, or with another session’s token, and changes nothing', async () => {
    const s = t.served!;
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
    expect((await t.world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    const ok = await post(s, '/jobs/sync-crm/pause', { csrf: mine.csrf }, { cookie: mine.cookie });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/jobs/sync-crm?done=paused');
    expect((await t.world.scheduler.getJob('sync-crm'))?.enabled).toBe(false);
  });

  it('refuses a POST from another origin even with a valid token', async () => {
    const s = t.served!;
    const mine = await session(s);
    const forged: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: '', 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of forged) {
      const res = await post(
        s,
        `/endpoints/${t.world.endpointId}/delete`,
        { csrf: mine.csrf },
        { cookie: mine.cookie, ...headers },
      );
      expect(res.status).toBe(403);
    }
    expect(await t.world.notifier.getEndpoint(t.world.endpointId)).not.toBeNull();
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
    t.served = await serve({
      scheduler: t.world.scheduler,
      notifier: t.world.notifier,
      public: true,
      readOnly: true,
    });
    for (const path of [
      '/jobs/sync-crm',
      `/endpoints/${t.world.endpointId}`,
      `/deliveries/${t.world.deliveryIds.failed}`,
      '/endpoints',
    ]) {
      const html = await (await fetch(t.served.url(path))).text();
      expect(html).not.toContain('method="post"');
      expect(html).not.toContain('Add endpoint');
    }
    const { cookie, csrf } = await session(t.served, '/jobs');
    expect((await post(t.served, '/jobs/sync-crm/pause', { csrf }, { cookie })).status).toBe(403);
    expect(
      (await post(t.served, `/endpoints/${t.world.endpointId}/delete`, { csrf }, { cookie })).status,
    ).toBe(403);
    expect((await t.world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    expect(await t.world.notifier.getEndpoint(t.world.endpointId)).not.toBeNull();
  });

  it('allows only the actions listed, per request when a function decides', async () => {
    t.served = await serve({
      scheduler: t.world.scheduler,
      notifier: t.world.notifier,
      public: true,
      permissions: (req) =>
        req.headers.get('x-role') === 'admin'
          ? { deleteEndpoint: true, redeliver: true }
          : { redeliver: true },
    });
    const delivery = await (await fetch(t.served.url(`/deliveries/${t.world.deliveryIds.failed}`))).text();
    expect(delivery).toContain('>Redeliver</button>');
    const endpoint = await (await fetch(t.served.url(`/endpoints/${t.world.endpointId}`))).text();
    expect(endpoint).not.toContain('>Delete</button>');
    expect(endpoint).not.toContain('>Ping</button>');
    const { cookie, csrf } = await session(t.served, '/jobs');
    expect(
      (await post(t.served, `/endpoints/${t.world.endpointId}/delete`, { csrf }, { cookie })).status,
    ).toBe(403);
    expect((await post(t.served, `/endpoints/${t.world.endpointId}/ping`, { csrf }, { cookie })).status).toBe(
      403,
    );
    expect((await post(t.served, '/jobs/sync-crm/run', { csrf }, { cookie })).status).toBe(403);
    expect(await t.world.notifier.getEndpoint(t.world.endpointId)).not.toBeNull();
    expect(await t.world.scheduler.listRuns('sync-crm')).toEqual([]);
    const admin = await post(
      t.served,
      `/endpoints/${t.world.endpointId}/delete`,
      { csrf },
      { cookie, 'x-role': 'admin' },
    );
    expect(admin.status).toBe(303);
    expect(await t.world.notifier.getEndpoint(t.world.endpointId)).toBeNull();
  });
});
