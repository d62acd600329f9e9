/** The demo's closing summary, read back from the SQLite database (not from counters kept in memory). */
import { relative } from 'node:path';
import type { Delivery, Run, Scheduler, WebhookNotifier } from 'cronhook';
import { type Column, formatMs, type Printer, percentile } from './output.js';
import type { Receiver } from './receiver.js';

export interface SummaryInput {
  out: Printer;
  scheduler: Scheduler;
  notifier: WebhookNotifier;
  receiver: Receiver;
  dbPath: string;
  elapsedMs: number;
}

const RUN_COLUMNS: Column[] = [
  { title: 'JOB', width: 16 },
  { title: 'RUNS', width: 4, align: 'right' },
  { title: 'OK', width: 4, align: 'right' },
  { title: 'FAILED', width: 6, align: 'right' },
  { title: 'SKIPPED', width: 7, align: 'right' },
  { title: 'ATTEMPTS', width: 8, align: 'right' },
  { title: 'LATE p50', width: 8, align: 'right' },
  { title: 'LATE p99', width: 8, align: 'right' },
];

export async function printSummary(input: SummaryInput): Promise<void> {
  const { out, scheduler, notifier, receiver } = input;
  out.line();
  out.line(out.paint('bold', `Summary after ${formatMs(input.elapsedMs)}`));
  out.line();

  out.header(RUN_COLUMNS);
  const all: Run[] = [];
  for (const job of await scheduler.listJobs({ limit: 100 })) {
    const runs = await scheduler.listRuns(job.id, { limit: 1000 });
    all.push(...runs);
    runRow(out, job.id, runs);
  }
  runRow(out, 'all jobs', all, true);
  out.line();

  const deliveries = await allDeliveries(notifier);
  const count = (status: Delivery['status']) => deliveries.filter((d) => d.status === status).length;
  const attempts = deliveries.reduce((sum, d) => sum + d.attempts, 0);
  const verified = receiver.received.filter((h) => h.verified).length;
  const rejected = receiver.received.length - verified;
  const duplicates = receiver.received.filter((h) => h.duplicate).length;
  const db = relative(process.cwd(), input.dbPath) || input.dbPath;
  const pairs: Array<[string, string]> = [
    [
      'deliveries',
      `${deliveries.length} total: ${paintCount(out, count('succeeded'), 'succeeded', 'green')}, ` +
        `${paintCount(out, count('pending'), 'pending', 'yellow')}, ${paintCount(out, count('failed'), 'failed', 'red')} ` +
        `(${attempts} attempts)`,
    ],
    [
      'signatures',
      `${receiver.received.length} checked by the receiver: ${paintCount(out, verified, 'verified', 'green')}, ` +
        `${paintCount(out, rejected, 'rejected', 'red')}; ${duplicates} duplicate webhook-id ignored`,
    ],
    ['database', db],
    ['look inside', `npx tsx src/cli/index.ts jobs runs inventory-sync --db ${db}`],
    ['', `npx tsx src/cli/index.ts deliveries list --db ${db}`],
  ];
  for (const [label, text] of pairs) out.line(`  ${out.paint('dim', label.padEnd(11))}  ${text}`);
}

function runRow(out: Printer, name: string, runs: Run[], total = false): void {
  const by = (status: Run['status']) => runs.filter((r) => r.status === status).length;
  const lateness = runs
    .filter((r) => r.trigger !== 'manual' && r.startedAt !== null)
    .map((r) => r.startedAt!.getTime() - r.scheduledAt.getTime());
  const style = total ? ('bold' as const) : undefined;
  out.row(RUN_COLUMNS, [
    { text: name, style },
    { text: String(runs.length), style },
    { text: String(by('succeeded')), style: by('succeeded') ? 'green' : undefined },
    { text: String(by('failed')), style: by('failed') ? 'red' : undefined },
    String(by('skipped') + by('missed')),
    String(runs.reduce((sum, r) => sum + r.attempts, 0)),
    formatMs(percentile(lateness, 50)),
    formatMs(percentile(lateness, 99)),
  ]);
}

function paintCount(out: Printer, n: number, label: string, style: 'green' | 'yellow' | 'red'): string {
  return n === 0 ? `0 ${label}` : out.paint(style, `${n} ${label}`);
}

async function allDeliveries(notifier: WebhookNotifier): Promise<Delivery[]> {
  const out: Delivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await notifier.listDeliveries({ limit: 200, ...(cursor ? { cursor } : {}) });
    out.push(...page.deliveries);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}
