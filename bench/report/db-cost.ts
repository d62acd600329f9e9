/** Section 8 of the report: what the Postgres server does per delivery and per occurrence. */
import type { DbCost } from '../lib/pg-cost.js';
import { type BenchResults, ok } from '../lib/results.js';
import { fmt, status, table } from './format.js';

export function dbCostTable(results: BenchResults): string {
  const outcome = results.dbCost;
  if (outcome === undefined) return '## 8. Database cost (Postgres)\n\nNot run.';
  const r = ok(outcome);
  if (!r) return `## 8. Database cost (Postgres)\n\n${status(outcome)}`;
  const row = (what: string, per: string, n: number, c: DbCost) => [
    what,
    per,
    fmt(c.statements / n, 2),
    `${fmt(c.rowsInserted / n, 2)} / ${fmt(c.rowsUpdated / n, 2)} / ${fmt(c.rowsDeleted / n, 2)}`,
    fmt(c.walRecords / n, 1),
    fmt(c.walBytes / n),
    fmt(c.walFpi / n, 2),
    fmt((c.execMs * 1000) / n, 1),
    fmt((c.serverCpuMs * 1000) / n, 1),
  ];
  const rows: string[][] = [];
  for (const d of r.deliveries) {
    const per = `delivery (${d.endpoints} endpoint${d.endpoints > 1 ? 's' : ''})`;
    rows.push(row('publish', per, d.deliveries, d.publish));
    rows.push(row('deliver (claim, attempt, outcome)', per, d.deliveries, d.deliver));
    rows.push(row('retention (prune)', per, d.deliveries, d.prune));
  }
  const o = r.occurrences;
  rows.push(row(`run (${fmt(o.jobs)} jobs every second)`, 'occurrence', Math.max(1, o.occurrences), o.cost));
  const kept = r.deliveries.map((d) => {
    const bytes = Object.entries(d.sizes)
      .filter(([table]) => table !== 'endpoints')
      .map(([table, size]) => `${table} ${fmt(size.bytes / d.deliveries)}`);
    return `${d.endpoints} endpoint${d.endpoints > 1 ? 's' : ''}: ${bytes.join(', ')} B per delivery`;
  });
  const runs = o.sizes.runs;
  // Which processes the run window's server CPU went to, and its costliest statements: the row has shown two
  // levels between runs of the same build (~2 statements and ~0.5 ms, or ~3.3 and ~2.2 ms, per occurrence).
  const split = (c: DbCost) =>
    Object.entries(c.serverCpuByKind ?? {})
      .sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => `${kind} ${fmt(ms)} ms`)
      .join(', ');
  const top = (o.cost.topStatements ?? [])
    .map(
      (s) =>
        `\`${s.query}\` ${fmt(s.calls)} calls, ${fmt((s.execMs * 1000) / Math.max(1, s.calls), 1)} µs each`,
    )
    .join('; ');
  return [
    '## 8. Database cost (Postgres)',
    '',
    'What the server does per delivery and per occurrence, on a Postgres server of its own (fsync on,',
    '`pg_stat_statements` loaded). Each phase runs alone with the statistics reset before it, on connections',
    'closed after it; a delivery count’s schema is dropped after its prune, so that vacuuming its dead rows does not',
    'fall into a later phase’s window. Deliveries: messages published many at once, then delivered by one notifier with',
    '`MockTransport` answering at once (the defaults: `concurrency` 10, `perEndpointConcurrency` 4, `prefetch` 80), then',
    `pruned by retention. Runs: ${fmt(o.jobs)} handler jobs due every second, \`runRetention: ${o.runRetention}\`, over ${fmt(o.seconds)} s`,
    `after a warm-up (${fmt(o.occurrences)} occurrences run, ${fmt(o.jobs * o.seconds)} due). Statements: sent by cronhook; rows: inserted / updated / deleted;`,
    'WAL: the whole server’s; statement time: `pg_stat_statements`; server CPU: every server process (/proc).',
    '',
    table(
      [
        'work',
        'per',
        'statements',
        'rows ins / upd / del',
        'WAL records',
        'WAL bytes',
        'full-page images',
        'statement µs',
        'server CPU µs',
      ],
      rows,
    ),
    '',
    `Kept while retained: ${kept.join('; ')}; runs ${fmt(runs ? runs.bytes / Math.max(1, runs.rows) : 0)} B per run.`,
    '',
    `The runs’ window: server CPU ${fmt(o.cost.serverCpuMs)} ms (${split(o.cost)}), the scheduler’s process ` +
      `${fmt(o.schedulerCpuMs ?? 0)} ms; costliest statements: ${top}.`,
  ].join('\n');
}
