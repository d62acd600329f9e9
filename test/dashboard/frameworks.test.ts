/**
 * Mounting as docs/dashboard.md shows it: Express with Helmet's defaults in front (in a real browser),
 * Fastify through @fastify/middie, Hono through fetch() on @hono/node-server.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import middie from '@fastify/middie';
import { serve as serveHono } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import helmet from 'helmet';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDashboard } from '../../src/dashboard/index.js';
import { launchBrowser, type TestBrowser, watchedPage } from './browser.js';
import { cookieOf, csrfOf, seedWorld, type World } from './fixture.js';

let world: World;
let browser: TestBrowser;
vi.setConfig({ testTimeout: 90_000 });

beforeAll(async () => {
  world = await seedWorld();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A throw-away self-signed certificate for 127.0.0.1: Helmet's defaults assume https. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'cronhook-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GET a page, then POST "pause" with its cookie and token; the job must end paused. */
async function pauseThroughForm(origin: string, base: string, job: string): Promise<number> {
  const page = await fetch(`${origin}${base}/jobs/${job}`);
  expect(page.status).toBe(200);
  const cookie = cookieOf(page);
  const res = await fetch(`${origin}${base}/jobs/${job}/pause`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
    body: new URLSearchParams({ csrf: csrfOf(await page.text()) }),
  });
  return res.status;
}

describe('Express with Helmet’s defaults, over https as Helmet expects', () => {
  it('keeps Helmet’s CSP and adds its own; the page and its actions work under both', async () => {
    const dashboard = createDashboard({
      scheduler: world.scheduler,
      notifier: world.notifier,
      public: true,
      basePath: '/admin/cron',
    });
    const app = express();
    app.use(helmet());
    app.use(express.urlencoded({ extended: false }));
    app.use('/admin/cron', dashboard.handler);
    const server = createHttpsServer(selfSignedCertificate(), app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await browser.browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const res = await context.request.get(`${origin}/admin/cron/jobs`);
      const csp = res.headersArray().filter((h) => h.name.toLowerCase() === 'content-security-policy');
      expect(csp).toHaveLength(2);
      expect(csp[0]?.value).toContain('upgrade-insecure-requests'); // Helmet's
      expect(csp[1]?.value).toContain("frame-ancestors 'none'"); // ours
      expect(res.headers()['set-cookie']).toContain('Secure');
      const { page, problems } = await watchedPage(context);
      await page.goto(`${origin}/admin/cron/jobs/nightly-report`);
      await page.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Resume' }).isVisible()).toBe(true);
      expect((await world.scheduler.getJob('nightly-report'))?.enabled).toBe(false);
      await page.getByRole('button', { name: 'Resume' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Pause' }).isVisible()).toBe(true);
      expect(Number(await page.evaluate('document.styleSheets[0].cssRules.length'))).toBeGreaterThan(10);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('Fastify through @fastify/middie', () => {
  it('serves pages and actions', async () => {
    const dashboard = createDashboard({ scheduler: world.scheduler, public: true, basePath: '/admin/cron' });
    const app = Fastify();
    await app.register(middie);
    app.use('/admin/cron', dashboard.handler);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(await pauseThroughForm(address, '/admin/cron', 'sync-crm')).toBe(303);
      expect((await world.scheduler.getJob('sync-crm'))?.enabled).toBe(false);
      await world.scheduler.resumeJob('sync-crm');
    } finally {
      await app.close();
    }
  });
});

describe('Hono through fetch()', () => {
  it('serves pages and actions', async () => {
    const dashboard = createDashboard({ scheduler: world.scheduler, public: true, basePath: '/admin/cron' });
    const app = new Hono();
    app.all('/admin/cron/*', (c) => dashboard.fetch(c.req.raw));
    const server = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await pauseThroughForm(origin, '/admin/cron', 'paused-job')).toBe(303);
      expect((await world.scheduler.getJob('paused-job'))?.enabled).toBe(false);
      const css = /href="([^"]+\.css)"/.exec(await (await fetch(`${origin}/admin/cron/`)).text())![1]!;
      expect((await fetch(`${origin}${css}`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
