/**
 * Several cronhook instances sharing one Postgres: every occurrence runs exactly once, whichever instance
 * claims it, and keeps running when an instance dies (its lease expires and another takes over).
 *
 *   DATABASE_URL=postgres://user:pass@localhost:5432/app npx tsx examples/postgres-cluster/index.ts
 *
 * Options: --instances <n> (default 3), --duration <s> (default 12), --schema <name> (default a fresh one,
 * dropped at the end), --json (print the summary as one JSON line).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Scheduler, WebhookNotifier } from 'cronhook';
import { PostgresStorage } from 'cronhook/storage/postgres';
import { verifyWebhook } from 'cronhook/verify';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    duration: { type: 'string', default: '12' },
    schema: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL to a Postgres connection string (postgres://user:pass@host:5432/db).');
  process.exit(2);
}
const instances = Number(values.instances);
const durationMs = Number(values.duration) * 1000;
const ownSchema = values.schema === undefined;
const schema = values.schema ?? `cluster_demo_${randomBytes(4).toString('hex')}`;
const say = (text: string) => {
  if (!values.json) console.log(text);
};

// The receiver: verifies every webhook and counts messages by webhook-id.
const received = new Map<string, number>();
let rejected = 0;
let secret = '';
const receiver = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    verifyWebhook({ payload: Buffer.concat(chunks), headers: req.headers, secret });
    const id = String(req.headers['webhook-id']);
    received.set(id, (received.get(id) ?? 0) + 1);
    res.writeHead(204).end();
  } catch {
    rejected += 1;
    res.writeHead(401).end();
  }
});
receiver.listen(0, '127.0.0.1');
await once(receiver, 'listening');

// Set up the shared schema once: the job and the endpoint live in Postgres, not in any instance.
const admin = new PostgresStorage({ connectionString: url, schema });
await admin.migrate();
const scheduler = new Scheduler({ storage: admin });
const notifier = new WebhookNotifier({ scheduler, storage: admin, allowPrivateNetworks: true });
await scheduler.addJob({
  id: 'every-second',
  schedule: '* * * * * *',
  target: { handler: 'tick' },
  overlap: 'allow',
});
({ secret } = await notifier.addEndpoint({
  url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
  topics: ['job.execution.succeeded'],
}));
say(`schema ${schema}: job every-second, endpoint → local receiver; starting ${instances} instances`);

const instanceFile = fileURLToPath(new URL('./instance.ts', import.meta.url));
const children = new Map<string, ChildProcess>();
const ranBy = new Map<string, string[]>(); // scheduledAt → instances that ran it
// The demo's time starts once every instance is up (a loaded machine may take seconds to start one).
const ready = new Set<string>();
let allReady = () => {};
const started = new Promise<void>((resolve) => {
  allReady = resolve;
});
for (let i = 1; i <= instances; i++) {
  const id = `instance-${i}`;
  const child = spawn(process.execPath, ['--import', 'tsx', instanceFile], {
    env: { ...process.env, INSTANCE_ID: id, CRONHOOK_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const message = JSON.parse(line) as { type: string; instanceId: string; scheduledAt?: string };
      if (message.type === 'ready' && ready.add(message.instanceId).size === instances) allReady();
      if (message.type === 'run' && message.scheduledAt) {
        ranBy.set(message.scheduledAt, [...(ranBy.get(message.scheduledAt) ?? []), message.instanceId]);
        say(`  ${message.scheduledAt.slice(11, 19)}  run by ${message.instanceId}`);
      }
    }
  });
  children.set(id, child);
}

let giveUp: NodeJS.Timeout | undefined;
await Promise.race([started, new Promise((r) => (giveUp = setTimeout(r, 30_000)))]);
clearTimeout(giveUp);
say(`  -- ${ready.size} of ${instances} instances ready --`);

// Midway, instance-1 dies without a goodbye (SIGKILL): the others keep the schedule going.
const killAt = setTimeout(() => {
  children.get('instance-1')?.kill('SIGKILL');
  say('  -- instance-1 killed (SIGKILL) --');
}, durationMs * 0.4);
await new Promise((r) => setTimeout(r, durationMs));
clearTimeout(killAt);
// What the killed instance held when it died waits for its leases to expire (4 s) and for another instance to
// take it over (runs are looked for every 2 s): the runs it had claimed or under way, and the deliveries it had
// claimed. Wait for that, and for deliveries the instances are behind with, 10 s at the most, before stopping.
const unsettled = async () => {
  const runs = await scheduler.listRuns('every-second', { limit: 1000 });
  if (runs.some((r) => r.instanceId === 'instance-1' && (r.status === 'queued' || r.status === 'running'))) {
    return true;
  }
  const late = { status: 'pending', until: new Date(Date.now() - 2_000), limit: 1 } as const;
  return (await notifier.listDeliveries(late)).deliveries.length > 0;
};
const ended = Date.now();
while (Date.now() - ended < 10_000 && (await unsettled())) await new Promise((r) => setTimeout(r, 250));
await Promise.all(
  [...children.values()].map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }),
);

// The database is the judge: one run row per occurrence, whoever ran it.
const runs = await scheduler.listRuns('every-second', { limit: 1000 });
const byInstance: Record<string, number> = {};
for (const run of runs) {
  const key = run.instanceId ?? 'none';
  byInstance[key] = (byInstance[key] ?? 0) + 1;
}
const occurrences = new Set(runs.map((r) => r.scheduledAt.toISOString()));
const summary = {
  schema,
  runs: runs.length,
  succeeded: runs.filter((r) => r.status === 'succeeded').length,
  // Occurrences claimed just ahead of their time when the instances stopped: released, not lost; the next
  // start of any instance runs them.
  released: runs.filter((r) => r.status === 'queued').length,
  // An occurrence the killed instance had claimed but not started is taken over once its lease expires; by
  // then newer occurrences ran, so the job's catch-up ('latest') records it missed instead of running it late.
  missed: runs.filter((r) => r.status === 'missed').length,
  // Runs the killed instance had under way when it died: recorded failed (ERR_LEASE_EXPIRED) by the instance
  // that took them over. The handler may have run (a crash during a run is the one case where work can happen
  // twice), so they run again only when the job's retry policy has attempts left: this job has one attempt.
  interrupted: runs.filter((r) => r.error?.code === 'ERR_LEASE_EXPIRED').length,
  occurrences: occurrences.size,
  duplicateRuns: runs.length - occurrences.size,
  executedTwice: [...ranBy.values()].filter((by) => by.length > 1).length,
  byInstance,
  webhooks: {
    messages: received.size,
    redelivered: [...received.values()].filter((n) => n > 1).length,
    rejected,
  },
};
if (ownSchema) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await admin.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
} else {
  await admin.close();
}
receiver.close();

if (values.json) console.log(JSON.stringify(summary));
else {
  console.log(
    `\n${summary.runs} runs of ${summary.occurrences} occurrences; executed twice: ${summary.executedTwice}`,
  );
  console.log(
    `runs per instance: ${Object.entries(byInstance)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  console.log(`webhooks: ${received.size} messages verified, ${rejected} rejected`);
}
process.exit(summary.duplicateRuns === 0 && summary.executedTwice === 0 ? 0 : 1);
