/** The dashboard's part of docs/benchmarks.md: each page's latency at 100k jobs and 1M deliveries. */
import { type BenchResults, ok } from '../lib/results.js';

const TARGET_MS = 100;

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');

/** The target line: every page of both SQL storages under 100 ms at p99. */
export function dashboardTarget(results: BenchResults): {
  target: string;
  measured: string;
  met: boolean | null;
} {
  const runs = (results.dashboard ?? []).map((d) => ({ storage: d.storage, result: ok(d.outcome) }));
  const measured = runs.filter((r) => r.result !== undefined);
  const worst = measured.map(({ storage, result }) => {
    const slowest = [...result!.pages].sort((a, b) => b.latency.p99 - a.latency.p99)[0]!;
    return {
      storage,
      slowest,
      size: `${(result!.jobs / 1000).toFixed(0)}k jobs, ${(result!.deliveries / 1e6).toFixed(1)}M deliveries`,
    };
  });
  return {
    target: `Dashboard: every page answers in well under ${TARGET_MS} ms (p99, over HTTP) with 100k jobs and 1M deliveries, on SQLite and Postgres`,
    measured:
      worst.length === 0
        ? 'not measured'
        : worst
            .map(
              (w) =>
                `${w.storage} (${w.size}): slowest ${w.slowest.page} p99 ${ms(w.slowest.latency.p99)} ms`,
            )
            .join('; '),
    met:
      measured.length === 0 || measured.length < runs.length
        ? null
        : worst.every((w) => w.slowest.latency.p99 < TARGET_MS),
  };
}

export function dashboardTable(results: BenchResults): string {
  const runs = results.dashboard ?? [];
  if (runs.length === 0) return '## 9. Dashboard pages\n\nNot run.';
  const measured = runs.flatMap((d) => {
    const result = ok(d.outcome);
    return result ? [result] : [];
  });
  const pages = measured[0]?.pages.map((p) => p.page) ?? [];
  const header = ['page', ...measured.flatMap((m) => [`${m.storage} p50 ms`, `${m.storage} p99 ms`]), 'KB'];
  const rows = pages.map((page) => [
    page,
    ...measured.flatMap((m) => {
      const p = m.pages.find((x) => x.page === page)!;
      return [ms(p.latency.p50), ms(p.latency.p99)];
    }),
    ((measured[0]?.pages.find((x) => x.page === page)?.bytes ?? 0) / 1024).toFixed(1),
  ]);
  const floor = [
    'empty node:http answer (floor)',
    ...measured.flatMap((m) => [ms(m.floor.p50), ms(m.floor.p99)]),
    '0',
  ];
  const recount = [
    '`storage.stats()` itself (the overview’s recount)',
    ...measured.flatMap((m) => [ms(m.stats.p50), ms(m.stats.p99)]),
    '–',
  ];
  const failed = runs
    .filter((d) => d.outcome.status !== 'ok')
    .map((d) => `- ${d.storage}: ${d.outcome.status}`);
  const first = measured[0];
  return [
    '## 9. Dashboard pages',
    '',
    first
      ? `Each page of \`cronhook/dashboard\` requested over HTTP on loopback (node:http, in the worker), ${first.pages[0]!.latency.count} times in alternating order after a warm-up, against a storage seeded with ${first.jobs.toLocaleString('en-US')} jobs (3 runs each), 50 endpoints and ${first.deliveries.toLocaleString('en-US')} deliveries (\`bench/lib/dashboard-seed.ts\`). Time from sending the request to the last byte of the page; the first row is an empty answer of the same server, the floor under any page. Seeding took ${measured.map((m) => `${(m.seedMs / 1000).toFixed(0)} s on ${m.storage}`).join(', ')}.`
      : '',
    '',
    table(header, [floor, ...rows, recount]),
    '',
    'The overview shows counts shared by every viewer and taken at most one refresh interval (5 s) earlier;',
    'older than that, it shows the last counts while `stats()` recounts in the background (the last row).',
    ...(failed.length ? ['', ...failed] : []),
  ].join('\n');
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
