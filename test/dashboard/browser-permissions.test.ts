/** Who may do what, in a real browser (system Chromium): permissions, an unauthorized browser, a cross-origin form. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serve } from './fixture.js';
import { expectNoSeededSecretAfterAll, openLiveDashboard, page, url, world } from './live-browser.js';

openLiveDashboard();

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

it('shows no seeded secret anywhere after all of the above', expectNoSeededSecretAfterAll);
