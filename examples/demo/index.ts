/**
 * `npm run demo`: cronhook's main job in one terminal, on the embedded default (SQLite).
 *
 * A Scheduler calls a local "customer service" (which fails and stalls now and then) and runs in-process
 * handlers; a WebhookNotifier signs every job event and delivers it to a local receiver, which verifies each
 * signature with `cronhook/verify` and dedupes by `webhook-id`. Midway the endpoint's secret is rotated, a
 * forged request is sent to the receiver and one delivery is redelivered. The operator dashboard is served
 * on a local port behind a generated password. After `--duration` seconds (default 30) it prints a summary;
 * in a terminal (or with `--keep-open`) everything then keeps running until Ctrl-C, to explore the dashboard;
 * otherwise (CI, pipes) it shuts down gracefully. Ctrl-C during the timeline ends it at once, with the summary.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { Scheduler, WebhookNotifier } from 'cronhook';
import { basicAuth, createDashboard } from 'cronhook/dashboard';
import { SqliteStorage } from 'cronhook/storage/sqlite';
import { startCustomerService } from './customer-service.js';
import { endpointSecrets, printStillRunning } from './keep-open.js';
import { LiveLog } from './live-log.js';
import { parseOptions } from './options.js';
import { formatMs, Printer, wantsColor } from './output.js';
import { startReceiver } from './receiver.js';
import { printSummary } from './summary.js';

async function main(): Promise<void> {
  const { durationMs, dbPath, keepOpen } = parseOptions(process.argv.slice(2), process.stdout.isTTY === true);
  const out = new Printer({ color: wantsColor(process.stdout) });
  const started = Date.now();

  // A fresh database each run, so the summary describes this run only.
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  const storage = new SqliteStorage({ path: dbPath });
  await storage.migrate();

  const service = await startCustomerService();
  const receiver = await startReceiver({ secrets: [], failRate: 0.08 });

  const scheduler = new Scheduler({ storage, concurrency: 4 });
  const notifier = new WebhookNotifier({
    scheduler,
    storage,
    // The receiver listens on 127.0.0.1, which the notifier refuses by default (SSRF guard).
    allowPrivateNetworks: true,
    // Demo-sized retry delays; production defaults run from 5 s to 10 h.
    retrySchedule: ['1s', '2s', '4s'],
    retryJitter: 0,
    attemptTimeoutMs: 5_000,
  });

  scheduler.handle('invoice-report', async ({ signal }) => {
    await new Promise((r) => setTimeout(r, 40 + Math.random() * 200));
    signal.throwIfAborted();
    return { invoices: 3 + Math.floor(Math.random() * 20) };
  });
  scheduler.handle('welcome-email', async () => ({ sent: 'new-customer@example.com' }));

  const { endpoint, secret } = await notifier.addEndpoint({
    url: receiver.url,
    topics: ['job.*'],
    description: 'demo receiver',
  });
  receiver.setSecrets([secret]);

  await scheduler.addJob({
    id: 'inventory-sync',
    schedule: { every: '3s' },
    target: { url: `${service.url}/sync`, method: 'POST', body: { full: false }, timeoutMs: 700 },
    retry: { attempts: 2, minDelayMs: 300 },
  });
  await scheduler.addJob({
    id: 'invoice-report',
    schedule: '*/5 * * * * *',
    target: { handler: 'invoice-report' },
  });
  await scheduler.addJob({
    id: 'flaky-export',
    schedule: { every: '7s' },
    target: { url: `${service.url}/export`, timeoutMs: 2_000 },
    retry: { attempts: 3, minDelayMs: 400, factor: 2 },
  });
  await scheduler.addJob({
    id: 'welcome-email',
    schedule: { at: new Date(Date.now() + 4_000) },
    target: { handler: 'welcome-email' },
  });

  // The dashboard, on 127.0.0.1 only, behind a password made for this run.
  const password = randomBytes(9).toString('base64url');
  const dashboard = createDashboard({
    scheduler,
    notifier,
    title: 'cronhook demo',
    authorize: basicAuth({ username: 'demo', password }),
  });
  const dashboardServer = createServer(dashboard.handler).listen(0, '127.0.0.1');
  await once(dashboardServer, 'listening');
  const dashboardUrl = `http://127.0.0.1:${(dashboardServer.address() as AddressInfo).port}/`;

  out.line(out.paint('bold', 'cronhook demo'));
  const facts: Array<[string, string]> = [
    ['database', `${relative(process.cwd(), dbPath) || dbPath} (SQLite, recreated on each run)`],
    ['service', `${service.url}  fails ~12% of calls, stalls ~13%`],
    ['receiver', `${receiver.url}  verifies signatures, dedupes by webhook-id`],
    ['jobs', 'inventory-sync   HTTP, every 3 s, 2 attempts, 700 ms timeout'],
    ['', 'invoice-report   handler, cron */5 * * * * * (every 5 s)'],
    ['', 'flaky-export     HTTP, every 7 s, 3 attempts with backoff'],
    ['', 'welcome-email    handler, once, 4 s from now'],
    ['endpoint', `${endpoint.id} subscribed to job.*`],
    ['dashboard', `${dashboardUrl}  user demo, password ${password}`],
    [
      'runs for',
      keepOpen
        ? `${durationMs / 1000} s, then a summary; then keeps running for the dashboard until Ctrl-C`
        : `${durationMs / 1000} s, then a summary (Ctrl-C stops early; --keep-open to explore the dashboard)`,
    ],
  ];
  for (const [label, text] of facts) out.line(`  ${out.paint('dim', label.padEnd(9))}  ${text}`);
  out.line();

  const live = new LiveLog(out, receiver);
  live.attach(scheduler, notifier);
  live.printHeader();

  // Ctrl-C (or SIGTERM) asks for a graceful shutdown; a second one forces it.
  const interrupted = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    live.note('shutting down gracefully (Ctrl-C again to force)');
    interrupted.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const untilInterrupted = new Promise<void>((r) =>
    interrupted.signal.addEventListener('abort', () => r(), { once: true }),
  );

  await notifier.start();
  await scheduler.start();
  await notifier.ping(endpoint.id);

  const at = (fraction: number, action: () => Promise<void>) =>
    setTimeout(() => {
      if (!interrupted.signal.aborted) action().catch((error) => live.problem(error));
    }, durationMs * fraction);
  let timelineEnd: NodeJS.Timeout | undefined;
  const timers = [
    at(0.4, async () => {
      live.note('a stranger POSTs a forged webhook to the receiver');
      await sendForgedWebhook(receiver.url);
      live.forged('msg_forged');
    }),
    at(0.5, async () => {
      const previous = secret;
      const { secret: next } = await notifier.rotateSecret(endpoint.id, { graceMs: 60_000 });
      // An attempt signed just before the rotation may still be in flight: accept both for a moment, then
      // only the new one (cronhook keeps signing with both for the 60 s grace, so nothing is rejected).
      receiver.setSecrets([next, previous]);
      live.note(
        'secret rotated: cronhook signs with old and new for 60 s; the receiver drops the old one in 2 s',
      );
      setTimeout(() => receiver.setSecrets([next]), 2_000).unref();
    }),
    at(0.65, async () => {
      const { deliveries } = await notifier.listDeliveries({ status: 'succeeded', limit: 1 });
      const last = deliveries[0];
      if (!last) return;
      live.note(`redelivering ${last.id}: same webhook-id, so the receiver must not process it twice`);
      await notifier.redeliver(last.id);
    }),
  ];
  await Promise.race([
    untilInterrupted,
    new Promise<void>((r) => {
      timelineEnd = setTimeout(r, durationMs);
    }),
  ]);
  for (const t of [...timers, timelineEnd]) clearTimeout(t);
  const summary = { out, scheduler, notifier, receiver, dbPath };

  if (keepOpen && !interrupted.signal.aborted) {
    // The summary of the timeline, then everything keeps running (its live lines paused while it prints).
    live.detach();
    await printSummary({ ...summary, elapsedMs: Date.now() - started });
    printStillRunning(out, { url: dashboardUrl, password });
    live.attach(scheduler, notifier);
    receiver.useSecretsFrom(() => endpointSecrets(storage, receiver.url));
    await untilInterrupted;
    await shutDown(scheduler, notifier, () => interrupts > 1);
    live.detach();
    out.line(out.paint('bold', `Stopped after ${formatMs(Date.now() - started)}.`));
  } else {
    await shutDown(scheduler, notifier, () => interrupts > 1);
    live.detach();
    await printSummary({ ...summary, elapsedMs: Date.now() - started });
  }
  dashboardServer.closeAllConnections();
  await Promise.all([
    service.close(),
    receiver.close(),
    new Promise<void>((r) => dashboardServer.close(() => r())),
  ]);
  await storage.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/**
 * Stops the scheduler, gives the deliveries of its last runs a moment to go out, then stops the notifier;
 * anything left stays in the outbox (SQLite) and would be sent on the next start.
 */
async function shutDown(
  scheduler: Scheduler,
  notifier: WebhookNotifier,
  forced: () => boolean,
): Promise<void> {
  await scheduler.stop({ timeoutMs: 3_000 });
  const flushUntil = Date.now() + 3_000;
  while (Date.now() < flushUntil && !forced()) {
    const { deliveries } = await notifier.listDeliveries({ status: 'pending', limit: 1 });
    const next = deliveries[0]?.nextAttemptAt?.getTime();
    if (next === undefined || next > flushUntil) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await notifier.stop({ timeoutMs: 2_000 });
}

/** A request signed with a key the receiver does not know: it must be rejected (401). */
async function sendForgedWebhook(url: string): Promise<void> {
  const body = JSON.stringify({
    type: 'job.execution.succeeded',
    timestamp: new Date().toISOString(),
    data: {},
  });
  await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': 'msg_forged',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': `v1,${Buffer.from('not the real signature, 32 bytes').toString('base64')}`,
    },
    body,
  });
}

main().catch((error) => {
  process.stderr.write(
    `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
