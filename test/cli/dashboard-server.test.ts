/**
 * The dashboard server of `cronhook run --dashboard` / `cronhook dashboard`, in-process over loopback: who it
 * answers when it listens on a loopback address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboardServer } from '../../src/cli/dashboard-server.js';
import type { Logger } from '../../src/logger.js';
import { WebhookNotifier } from '../../src/notifier/webhook-notifier.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { MemoryStorage } from '../../src/storage/memory/index.js';
import { sendRequest } from '../helpers/http-server.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function served(env: NodeJS.ProcessEnv = {}, logger: Logger = quiet) {
  const storage = new MemoryStorage();
  const scheduler = new Scheduler({ storage });
  const notifier = new WebhookNotifier({ scheduler, storage });
  await notifier.addEndpoint({ id: 'ops', url: 'https://hooks.example.com/in', topics: ['*'] });
  const server = await startDashboardServer({
    address: '127.0.0.1:0',
    flag: 'dashboard',
    scheduler,
    notifier,
    env,
    logger,
  });
  close = server.close;
  return { url: server.url, port: new URL(server.url).port, notifier };
}

describe('the CLI dashboard on a loopback address', () => {
  it('answers only requests naming this machine, so a DNS-rebinding page can neither read nor act', async () => {
    const { url, port, notifier } = await served();
    // A page at http://rebind.attacker.example:<port>, its name now resolving to 127.0.0.1.
    const host = `rebind.attacker.example:${port}`;
    const page = await sendRequest(`${url}endpoints/ops`, { headers: { host } });
    expect(page.status).toBe(421);
    expect(page.body).not.toContain('hooks.example.com');
    expect(page.headers['set-cookie']).toBeUndefined();
    const post = await sendRequest(`${url}endpoints`, {
      method: 'POST',
      headers: {
        host,
        origin: `http://${host}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'url=https%3A%2F%2Fattacker.example%2Fcollect&topics=*',
    });
    expect(post.status).toBe(421);
    expect((await notifier.listEndpoints()).map((e) => e.id)).toEqual(['ops']);
    for (const name of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `app.localhost:${port}`,
    ]) {
      const ok = await sendRequest(`${url}endpoints/ops`, { headers: { host: name } });
      expect([name, ok.status]).toEqual([name, 200]);
      expect(ok.body).toContain('hooks.example.com');
    }
  });

  it('holds to it with credentials too (a browser could be talked into sending them to the rebound name)', async () => {
    const { url, port } = await served({ CRONHOOK_DASHBOARD_TOKEN: 'tok-123' });
    const auth = { authorization: 'Bearer tok-123' };
    expect((await sendRequest(url, { headers: { ...auth, host: `evil.example:${port}` } })).status).toBe(421);
    expect((await sendRequest(url, { headers: { ...auth, host: `127.0.0.1:${port}` } })).status).toBe(200);
  });
});

describe('the CLI dashboard with credentials', () => {
  it('stops checking an address after 20 wrong credentials in a minute (a script guessing the password)', async () => {
    const warnings: Array<[string, unknown]> = [];
    const logger: Logger = { ...quiet, warn: (message, data) => void warnings.push([message, data]) };
    const { url } = await served(
      { CRONHOOK_DASHBOARD_USER: 'ops', CRONHOOK_DASHBOARD_PASSWORD: 'right-password' },
      logger,
    );
    const basic = (password: string) => ({
      authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`,
    });
    expect((await sendRequest(url, { headers: basic('right-password') })).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      expect((await sendRequest(url, { headers: basic(`guess-${i}`) })).status).toBe(401);
    }
    const refused = await sendRequest(url, { headers: basic('right-password') });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body).not.toContain('hooks.example.com');
    expect(warnings).toEqual([
      [
        'dashboard: too many wrong credentials from one address; refused for a minute',
        { address: '127.0.0.1' },
      ],
    ]);
  });
});
