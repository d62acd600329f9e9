/** The dashboard in a real browser (system Chromium): pages, actions, secrets, permissions, CSP, axe. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type DashboardInBrowser,
  dashboardInBrowser,
  seriousViolations,
  type TestBrowser,
  watchedPage,
} from './browser.js';
import { SECRETS, type Served, secretsIn, serve, type World } from './fixture.js';

const BASE = '/admin/cron';
// A shared machine can be slow: browser steps get more time than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
let session: DashboardInBrowser;
let browser: TestBrowser;
let world: World;
let served: Served;
let page: Page;
let problems: string[];

beforeAll(async () => {
  session = await dashboardInBrowser((seeded) => ({
    scheduler: seeded.scheduler,
    notifier: seeded.notifier,
    public: true,
    basePath: BASE,
    refreshIntervalMs: 400,
  }));
  ({ browser, world, served, page, problems } = session);
}, 60_000);

afterAll(() => session?.close());

const url = (path: string) => served.url(path);

async function allPages(): Promise<string[]> {
  return [
    '/',
    '/jobs',
    '/jobs/sync-crm',
    '/jobs/nightly-report',
    '/endpoints',
    `/endpoints/${world.endpointId}`,
    `/endpoints/${world.endpointId}/edit`,
    '/add/endpoint',
    '/deliveries',
    `/deliveries/${world.deliveryIds.failed}`,
  ];
}

describe('every page', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`loads with no console error and no CSP violation, and axe finds nothing serious (${scheme})`, async () => {
      await page.emulateMedia({ colorScheme: scheme });
      for (const path of await allPages()) {
        const res = await page.goto(url(path));
        expect(res?.status(), path).toBe(200);
        expect(await page.locator('h1').count()).toBe(1);
        expect(await seriousViolations(page), `${scheme} ${path}`).toEqual([]);
      }
      expect(problems).toEqual([]);
    }, 90_000);
  }

  it('fits 1280 px with no table cut, and a phone with nothing but tables scrolling sideways', async () => {
    for (const [width, height] of [
      [1280, 860],
      [375, 740],
    ] as const) {
      const sized = await browser.browser.newContext({ viewport: { width, height } });
      const { page: sizedPage } = await watchedPage(sized);
      for (const path of await allPages()) {
        await sizedPage.goto(url(path));
        const pageOverflow = Number(
          await sizedPage.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
        );
        expect(pageOverflow, `${width} px: ${path}`).toBeLessThanOrEqual(0);
        // On a phone the wide tables scroll: each such box must still be reachable from the keyboard.
        if (width < 1280) {
          expect(await seriousViolations(sizedPage), `${width} px: ${path}`).toEqual([]);
          continue;
        }
        // At a laptop's width every table fits its box: ids and topics wrap at their separators.
        const cut = await sizedPage.evaluate(
          `[...document.querySelectorAll('.table-wrap')].filter((el) => el.scrollWidth > el.clientWidth + 1).length`,
        );
        expect(cut, `${width} px: ${path}`).toBe(0);
      }
      await sized.close();
    }
  }, 90_000);

  it('weighs under 100 KB with its assets, and works on a phone-sized screen', async () => {
    const bodies: Array<Promise<number>> = [];
    const onResponse = (r: import('playwright-core').Response) => {
      bodies.push(
        r.body().then(
          (b) => b.length,
          () => 0,
        ),
      );
    };
    const fresh = await browser.browser.newContext({ viewport: { width: 375, height: 740 } });
    const { page: phone, problems: phoneProblems } = await watchedPage(fresh);
    phone.on('response', onResponse);
    await phone.goto(url('/jobs/sync-crm'), { waitUntil: 'load' });
    const bytes = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
    expect(bodies.length).toBe(3); // the page, its stylesheet and its script: nothing else, no CDN
    expect(bytes).toBeGreaterThan(5_000);
    expect(bytes).toBeLessThan(100_000);
    // Nothing wider than the screen but the tables, which scroll inside their own box.
    const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(phoneProblems).toEqual([]);
    await fresh.close();
  });
});

describe('endpoints', () => {
  it('adds an endpoint in a dialog and shows its secret once, never again on any page', async () => {
    await page.goto(url('/endpoints'));
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Description').fill('Billing alerts');
    await dialog.getByLabel('Endpoint URL').fill('https://billing.example.com/hooks');
    await dialog.getByLabel('Authorization header value').fill('Bearer billing-auth-77');
    await dialog.getByLabel('Extra headers').fill('X-Billing: billing-header-88');
    await dialog.getByLabel('job.execution.succeeded').check();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const secretBox = page.locator('#secret');
    await expect.poll(() => secretBox.isVisible()).toBe(true);
    const secret = (await secretBox.textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await expect.poll(() => page.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
    const added = (await world.notifier.listEndpoints()).find((e) => e.description === 'Billing alerts')!;
    expect(added.topics).toEqual(['job.execution.failed', 'job.execution.succeeded']);
    const pages = [...(await allPages()), `/endpoints/${added.id}`];
    for (const path of pages) {
      await page.goto(url(path));
      const html = await page.content();
      expect(
        secretsIn(html, [secret, world.endpointSecret, 'billing-auth-77', 'billing-header-88']),
        path,
      ).toEqual([]);
    }
  });

  it('keeps the revealed secret through live refreshes, and drops it and the typed credentials when the page is left', async () => {
    await page.goto(url('/endpoints'));
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await dialog.getByLabel('Endpoint URL').fill('https://left.example.com/hooks');
    await dialog.getByLabel('Authorization header value').fill('Bearer left-auth-55');
    await dialog.getByLabel('Extra headers').fill('X-Left: left-header-66');
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('#secret').isVisible()).toBe(true);
    const secret = (await page.locator('#secret').textContent())!.trim();
    // The live refresh (every 400 ms here) timed before the reveal must not replace it with the list it was
    // opened from: the secret stays until the viewer leaves (it vanished after one interval).
    await page.waitForTimeout(1_500);
    expect((await page.locator('#secret').textContent())?.trim()).toBe(secret);
    // What the browser does when it leaves a page it may keep (a string: this file is checked against Node).
    await page.evaluate(`window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))`);
    expect((await page.locator('#secret').textContent())?.trim()).toBe('');
    const typed = await page.evaluate(
      `[...document.querySelectorAll('#endpoint-form input, #endpoint-form textarea')].map((f) => f.value).join(' ')`,
    );
    expect(typed).not.toContain('left-auth-55');
    expect(typed).not.toContain('left-header-66');
  });

  it('ping shows the outcome without a reload', async () => {
    world.transport.reply([{ status: 202 }]);
    await page.goto(url(`/endpoints/${world.endpointId}`));
    await page.evaluate('window.marker = 1');
    await page.getByRole('button', { name: 'Ping' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('Ping answered HTTP 202');
    expect(await page.evaluate('window.marker')).toBe(1);
  });

  it('rotating shows the new secret once', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.goto(url(`/endpoints/${world.endpointId}`));
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => page.locator('#secret').isVisible()).toBe(true);
    const secret = (await page.locator('#secret').textContent())!.trim();
    await page.goto(url(`/endpoints/${world.endpointId}`));
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).toContain('2 secrets sign');
  });
});

describe('jobs', () => {
  it('run now shows the outcome and the run in the history', async () => {
    await page.goto(url('/jobs/nightly-report'));
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toMatch(/Run .* succeeded/);
    const [run] = await world.scheduler.listRuns('nightly-report');
    await expect.poll(() => page.locator(`#run-${run!.id}`).isVisible()).toBe(true);
    expect(await page.locator(`#run-${run!.id}`).textContent()).toContain('manual');
  });

  it('pause and resume change the next run', async () => {
    await page.goto(url('/jobs/sync-crm'));
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByText('none while paused').isVisible()).toBe(true);
    expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Pause' }).isVisible()).toBe(true);
    const job = await world.scheduler.getJob('sync-crm');
    expect(job?.enabled).toBe(true);
    expect(await page.locator('.fields time').first().getAttribute('datetime')).toBe(
      job!.nextRunAt!.toISOString(),
    );
  });

  it('the run history refreshes by itself', async () => {
    await page.goto(url('/jobs/nightly-report'));
    const before = await page.locator('tr[id^="run-"]').count();
    await world.scheduler.triggerJob('nightly-report');
    await expect.poll(() => page.locator('tr[id^="run-"]').count(), { timeout: 5_000 }).toBe(before + 1);
  });

  it('a live refresh keeps a table where it was scrolled sideways on a phone', async () => {
    const phone = await browser.browser.newContext({ viewport: { width: 375, height: 740 } });
    const { page: small } = await watchedPage(phone);
    await small.goto(url('/jobs/nightly-report'));
    const history = small.locator('.table-wrap').last();
    await history.evaluate((el) => {
      el.scrollLeft = 120;
    });
    const before = await small.locator('tr[id^="run-"]').count();
    await world.scheduler.triggerJob('nightly-report');
    await expect.poll(() => small.locator('tr[id^="run-"]').count(), { timeout: 5_000 }).toBe(before + 1);
    expect(await history.evaluate((el) => el.scrollLeft)).toBe(120);
    await phone.close();
  });

  it('works without JavaScript: links and forms', async () => {
    const plain = await browser.browser.newContext({ javaScriptEnabled: false });
    const noJs = await plain.newPage();
    await noJs.goto(url('/jobs'));
    await noJs.getByRole('link', { name: 'paused-job' }).click();
    await noJs.getByRole('button', { name: 'Resume' }).click();
    await noJs.waitForURL(/done=resumed/);
    expect(await noJs.locator('.flash').textContent()).toContain('Resumed');
    expect((await world.scheduler.getJob('paused-job'))?.enabled).toBe(true);
    await plain.close();
  });
});

describe('deliveries', () => {
  it('redeliver keeps the webhook-id', async () => {
    world.transport.reply([{ status: 200 }]);
    await page.goto(url(`/deliveries/${world.deliveryIds.failed}`));
    const webhookId = (await page.locator('#webhook-id').textContent())!.trim();
    const sent = world.transport.requests.length;
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain('same webhook-id');
    expect(world.transport.requests[sent]?.headers['webhook-id']).toBe(webhookId);
  });
});

describe('who may do what', () => {
  it('read-only and per-action permissions hide the buttons, and the server refuses the forged POST', async () => {
    const readOnly = await serve({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      readOnly: true,
    });
    const limited = await serve({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      permissions: { ping: true },
    });
    try {
      await page.goto(readOnly.url('/jobs/sync-crm'));
      expect(await page.getByRole('button').count()).toBe(1); // the run filter only
      await page.goto(limited.url(`/endpoints/${world.endpointId}`));
      expect(await page.getByRole('button', { name: 'Ping' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      // A hand-made form, posted from the dashboard's own page with its real token.
      const status = await page.evaluate(`(async () => {
        const csrf = document.querySelector('meta[name=csrf-token]').getAttribute('content');
        const res = await fetch('/endpoints/${world.endpointId}/delete', { method: 'POST', body: new URLSearchParams({ csrf }) });
        return res.status;
      })()`);
      expect(status).toBe(403);
      expect(await world.notifier.getEndpoint(world.endpointId)).not.toBeNull();
    } finally {
      await readOnly.close();
      await limited.close();
    }
  });

  it('an unauthorized browser gets nothing', async () => {
    const locked = await serve({ scheduler: world.scheduler, authorize: () => false });
    try {
      const res = await page.goto(locked.url('/jobs'));
      expect(res?.status()).toBe(401);
      expect(await page.content()).not.toContain('sync-crm');
    } finally {
      await locked.close();
    }
  });

  it('a form posted from another origin is refused and changes nothing', async () => {
    const evil: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<form id="f" method="post" action="${url('/jobs/sync-crm/pause')}"><input name="csrf" value="guess"></form>
         <script>document.getElementById('f').submit()</script>`,
      );
    });
    evil.listen(0, '127.0.0.1');
    await once(evil, 'listening');
    try {
      await page.goto(url('/jobs/sync-crm')); // the victim has a session cookie
      const response = page.waitForResponse((r) => r.url().endsWith('/jobs/sync-crm/pause'));
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect((await response).status()).toBe(403);
      expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(true);
    } finally {
      evil.closeAllConnections();
      evil.close();
    }
  });
});

it('shows no seeded secret anywhere after all of the above', async () => {
  for (const path of await allPages()) {
    await page.goto(url(path));
    expect(secretsIn(await page.content()), path).toEqual([]);
  }
  expect(Object.keys(SECRETS).length).toBeGreaterThan(0);
  expect(problems.filter((p) => !p.includes('403') && !p.includes('401'))).toEqual([]);
});
