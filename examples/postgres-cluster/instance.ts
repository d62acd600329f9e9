/**
 * One instance of the app: a Scheduler and a WebhookNotifier on the shared Postgres schema. Started several
 * times by index.ts (in production: one per container). Writes one JSON line per run it executes.
 */
import { Scheduler, WebhookNotifier } from 'cronhook';
import { PostgresStorage } from 'cronhook/storage/postgres';

const url = process.env.DATABASE_URL;
const instanceId = process.env.INSTANCE_ID ?? `instance-${process.pid}`;
if (!url) throw new Error('DATABASE_URL is not set');

const storage = new PostgresStorage({
  connectionString: url,
  schema: process.env.CRONHOOK_SCHEMA ?? 'cronhook',
});
// A short lease so that the demo shows a killed instance's work taken over within seconds.
const scheduler = new Scheduler({ storage, instanceId, leaseMs: 4_000, pollIntervalMs: 500 });
// Short delivery leases too: the deliveries a killed instance had claimed are sent by another within seconds
// (a lease must outlive an attempt, so attempts to the local receiver get 3 s).
const notifier = new WebhookNotifier({
  scheduler,
  storage,
  instanceId,
  allowPrivateNetworks: true,
  pollIntervalMs: 500,
  attemptTimeoutMs: 3_000,
  leaseMs: 4_000,
});

scheduler.handle('tick', ({ run }) => ({ ranOn: instanceId, scheduledAt: run.scheduledAt }));
const print = (line: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ instanceId, ...line })}\n`);
scheduler.on('job.succeeded', (e) => print({ type: 'run', job: e.job.id, scheduledAt: e.run.scheduledAt }));
scheduler.on('error', (e) => print({ type: 'error', message: String(e.error) }));

await notifier.start();
await scheduler.start();
print({ type: 'ready' });

const shutdown = async () => {
  await scheduler.stop({ timeoutMs: 2_000 });
  await notifier.stop({ timeoutMs: 2_000 });
  await storage.close();
  print({ type: 'stopped' });
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
