/**
 * `npm run docs:screenshots`: screenshots of every dashboard page, light and dark, from the system's Chromium
 * (Debian's `chromium`), into docs/dashboard/. The data is made up here: a scheduler and a notifier on
 * MemoryStorage with a MockTransport, a few jobs run a few times, some failing.
 *
 * To check a layout rather than document it: `npm run docs:screenshots -- --width=375 --full-page --out=/tmp/shots`
 * takes the same pages at a phone's width, each whole, into another folder.
 */
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createDashboard } from '../../src/dashboard/index.js';
import { MemoryStorage, Scheduler, WebhookNotifier } from '../../src/index.js';
import { MockTransport } from '../../src/testing/index.js';

const { values: args } = parseArgs({
  options: {
    width: { type: 'string', default: '1280' },
    'full-page': { type: 'boolean', default: false },
    out: { type: 'string', default: fileURLToPath(new URL('.', import.meta.url)) },
  },
});
const WIDTH = Number(args.width);
if (!Number.isInteger(WIDTH) || WIDTH < 240 || WIDTH > 4000)
  throw new Error('--width: a whole number of pixels, 240 to 4000');
const OUT = args.out.endsWith('/') ? args.out : `${args.out}/`;

async function world() {
  const storage = new MemoryStorage();
  let calls = 0;
  // Every fourth call fails, so the history has some red in it.
  const transport = new MockTransport(() =>
    ++calls % 4 === 0 ? { status: 503, body: 'upstream busy' } : { status: 200, body: '{"ok":true}' },
  );
  const scheduler = new Scheduler({ storage, transport });
  const notifier = new WebhookNotifier({
    scheduler,
    storage,
    transport,
    retrySchedule: [],
    allowPrivateNetworks: true,
  });
  scheduler.handle('invoice-report', async () => ({ invoices: 12 }));
  scheduler.handle('cleanup', async () => ({ removed: 3 }));
  await scheduler.addJob({
    id: 'invoice-report',
    name: 'Invoice report',
    schedule: { cron: '0 7 * * 1-5', timezone: 'Europe/Berlin' },
    target: { handler: 'invoice-report' },
  });
  await scheduler.addJob({
    id: 'inventory-sync',
    schedule: { every: '15m' },
    target: {
      url: 'https://inventory.internal.example/sync',
      headers: { authorization: 'Bearer not-shown' },
    },
    retry: { attempts: 3 },
  });
  await scheduler.addJob({ id: 'nightly-cleanup', schedule: '30 2 * * *', target: { handler: 'cleanup' } });
  await scheduler.addJob({
    id: 'crm-export',
    schedule: '*/5 * * * *',
    target: { url: 'https://crm.example.com/export' },
  });
  await scheduler.addJob({
    id: 'quarterly-audit',
    schedule: '0 9 1 1,4,7,10 *',
    target: { handler: 'cleanup' },
    enabled: false,
  });
  const { endpoint } = await notifier.addEndpoint({
    url: 'https://ops.example.com/hooks/cron',
    description: 'Ops alerts',
    topics: ['job.execution.failed', 'job.execution.missed'],
  });
  await notifier.addEndpoint({
    url: 'https://billing.example.com/webhooks',
    description: 'Billing',
    topics: ['job.*'],
    jobIds: ['invoice-report'],
  });
  const legacy = await notifier.addEndpoint({
    url: 'https://old.example.net/hook',
    description: 'Legacy receiver',
    topics: ['*'],
  });
  await notifier.updateEndpoint(legacy.endpoint.id, { enabled: false });
  await notifier.rotateSecret(endpoint.id, { graceMs: 86_400_000 });
  for (let i = 0; i < 6; i++) {
    for (const id of ['invoice-report', 'inventory-sync', 'crm-export', 'nightly-cleanup'])
      await scheduler.triggerJob(id);
  }
  // Deliver what the runs produced (the notifier sends due deliveries once started).
  await notifier.start();
  for (
    let i = 0;
    i < 50 && (await notifier.listDeliveries({ status: 'pending', limit: 1 })).deliveries.length > 0;
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await notifier.stop();
  return { scheduler, notifier, endpointId: endpoint.id };
}

async function main(): Promise<void> {
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath) throw new Error('Chromium is missing: apt-get install -y chromium');
  const { scheduler, notifier, endpointId } = await world();
  const dashboard = createDashboard({
    scheduler,
    notifier,
    public: true,
    basePath: '/admin/cron',
    title: 'Acme cron',
  });
  const server = createServer(dashboard.handler).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/cron`;
  const { deliveries } = await notifier.listDeliveries({ status: 'failed', limit: 1 });
  const pages: Array<[string, string]> = [
    ['overview', '/'],
    ['jobs', '/jobs'],
    ['job', '/jobs/invoice-report'],
    ['endpoints', '/endpoints'],
    ['endpoint', `/endpoints/${endpointId}`],
    ['add-endpoint', '/add/endpoint'],
    ['edit-endpoint', `/endpoints/${endpointId}/edit`],
    ['deliveries', '/deliveries'],
    ['delivery', `/deliveries/${deliveries[0]?.id ?? ''}`],
  ];
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({
        viewport: { width: WIDTH, height: 860 },
        colorScheme: scheme,
      });
      const page = await context.newPage();
      for (const [name, path] of pages) {
        await page.goto(`${base}${path}`);
        await page.screenshot({ path: `${OUT}${name}-${scheme}.png`, fullPage: args['full-page'] });
        process.stdout.write(`${OUT}${name}-${scheme}.png\n`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
