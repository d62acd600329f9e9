/**
 * A dashboard over a real node:http server on 127.0.0.1, with a scheduler and a notifier on MemoryStorage
 * (or a given storage) and a MockTransport, seeded with jobs, an endpoint and deliveries whose secrets the
 * tests then look for in every page.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import { createDashboard, type Dashboard, type DashboardOptions } from '../../src/dashboard/index.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import type { Storage } from '../../src/storage/types.js';
import { MockTransport } from '../../src/testing/mock-transport.js';

/** Values that must never appear in any page. */
export const SECRETS = {
  jobHeader: 'job-header-value-7f3a',
  jobQuery: 'query-token-91bc',
  jobSigning: 'whsec_am9iLXNpZ25pbmctc2VjcmV0LTMyLWJ5dGVzISE=',
  endpointAuth: 'Bearer endpoint-auth-5d2e',
  endpointHeader: 'endpoint-header-value-c4d1',
};

export interface World {
  storage: Storage;
  scheduler: Scheduler;
  notifier: WebhookNotifier;
  transport: MockTransport;
  endpointId: string;
  endpointSecret: string;
  deliveryIds: { succeeded: string; failed: string };
}

/** Jobs, an endpoint and two finished deliveries (one succeeded, one failed). */
export async function seedWorld(storage: Storage = new MemoryStorage()): Promise<World> {
  const transport = new MockTransport();
  const scheduler = new Scheduler({ storage, transport });
  const notifier = new WebhookNotifier({
    scheduler,
    storage,
    transport,
    retrySchedule: [],
    allowPrivateNetworks: true,
  });
  scheduler.handle('report', async () => ({ rows: 3 }));
  await storage.migrate();
  await scheduler.addJob({
    id: 'nightly-report',
    name: 'Nightly report',
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Paris' },
    target: { handler: 'report', payload: { full: true } },
  });
  await scheduler.addJob({
    id: 'sync-crm',
    schedule: '*/5 * * * *',
    target: {
      url: `https://crm.example.com/sync?api_key=${SECRETS.jobQuery}`,
      headers: { authorization: SECRETS.jobHeader },
      body: { full: false },
      signingSecret: SECRETS.jobSigning,
    },
  });
  await scheduler.addJob({
    id: 'paused-job',
    schedule: { every: '1h' },
    target: { handler: 'report' },
    enabled: false,
  });
  const { endpoint, secret } = await notifier.addEndpoint({
    url: 'https://hooks.example.com/cron',
    description: 'Ops receiver',
    topics: ['job.*', 'invoice.paid'],
    authorization: SECRETS.endpointAuth,
    headers: { 'x-api-key': SECRETS.endpointHeader },
  });
  transport.reply([{ status: 200, body: 'ok' }]);
  const good = await notifier.ping(endpoint.id);
  transport.reply([{ status: 500, body: 'receiver broke' }]);
  const bad = await notifier.ping(endpoint.id);
  transport.reply([{ status: 200, body: 'ok' }]);
  return {
    storage,
    scheduler,
    notifier,
    transport,
    endpointId: endpoint.id,
    endpointSecret: secret,
    deliveryIds: { succeeded: good.deliveryId, failed: bad.deliveryId },
  };
}

export interface Served {
  dashboard: Dashboard;
  server: Server;
  origin: string;
  /** URL of a dashboard path, base path included. */
  url(path?: string): string;
  close(): Promise<void>;
}

/** Serves a dashboard with plain node:http (the base path arrives in req.url). */
export async function serve(options: DashboardOptions): Promise<Served> {
  const dashboard = createDashboard(options);
  const server = createServer((req, res) => dashboard.handler(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    dashboard,
    server,
    origin,
    url: (path = '/') => `${origin}${dashboard.basePath}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a test file of the dashboard works with: a seeded world per test, and the dashboard it serves. */
export interface WorldUnderTest {
  /** Seeded afresh before each test. */
  world: World;
  /** Set by the test with `serve(...)`; closed after it. */
  served: Served | undefined;
  /** Requests a path of the served dashboard (GET unless `init` says): status, page and response. */
  page(path: string, init?: RequestInit): Promise<{ status: number; html: string; res: Response }>;
  /** Posts a form to the served dashboard as its own page would (see {@link postForm}). */
  post(path: string, fields?: Record<string, string>): Promise<Response>;
}

/** Seeds a {@link World} before each test of the file and closes what the test served after it. */
export function worldPerTest(): WorldUnderTest {
  const t: WorldUnderTest = {
    world: undefined as unknown as World,
    served: undefined,
    page: async (path, init) => {
      const res = await fetch(t.served!.url(path), init);
      return { status: res.status, html: await res.text(), res };
    },
    post: (path, fields = {}) => postForm(t.served!, path, fields),
  };
  beforeEach(async () => {
    t.world = await seedWorld();
  });
  afterEach(async () => {
    await t.served?.close();
    t.served = undefined;
  });
  return t;
}

/** Fails when a page holds any seeded secret (or `more`). */
export function secretsIn(html: string, more: string[] = []): string[] {
  return [...Object.values(SECRETS), ...more].filter((s) => html.includes(s));
}

/** The CSRF token of a page's forms. */
export function csrfOf(html: string): string {
  const m = /name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in the page');
  return m[1]!;
}

/**
 * Posts a form as the dashboard's own page would: same origin, with the cookie and CSRF token of a session
 * just opened on the overview. Redirects are not followed.
 */
export async function postForm(
  served: Served,
  path: string,
  fields: Record<string, string> = {},
): Promise<Response> {
  const page = await fetch(served.url('/'));
  const cookie = cookieOf(page);
  const csrf = csrfOf(await page.text());
  return fetch(served.url(path), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: served.origin, cookie },
    body: new URLSearchParams({ csrf, ...fields }),
  });
}

/** The session cookie a response set (name=value). */
export function cookieOf(response: Response): string {
  const cookies = response.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith('cronhook_session='));
  if (!session) throw new Error('no session cookie');
  return session.split(';')[0]!;
}
