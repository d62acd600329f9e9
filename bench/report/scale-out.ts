/** Section 6 of the report: occurrences run by 1, 2 and 3 instances on one Postgres. */
import { type BenchResults, ok } from '../lib/results.js';
import { fmt, status, type Target, table } from './format.js';

export function scaleOutTarget(results: BenchResults): Target {
  const scale = results.scaleOut.map((s) => ({ ...s, rate: scaleRate(s) }));
  const measuredScale = scale.filter((s) => s.rate !== null);
  return {
    id: 'scale-out',
    target: 'Scale-out: occurrences/s claimed and run by 1, 2 and 3 instances on one Postgres',
    measured:
      measuredScale.length > 0
        ? measuredScale.map((s) => `${s.instances}: ${fmt(s.rate!)}/s`).join(', ')
        : 'not measured',
    met: measuredScale.length > 0 ? 'info' : null,
  };
}

/** Runs per second of all instances together, or null when any instance failed. */
function scaleRate(entry: BenchResults['scaleOut'][number]): number | null {
  let runs = 0;
  for (const outcome of entry.outcomes) {
    const r = ok(outcome);
    if (!r || outcome.status === 'skipped') return null;
    runs += r.runs;
  }
  return runs / entry.seconds;
}

export function scaleOutTable(results: BenchResults): string {
  if (results.scaleOut.length === 0) return '## 6. Scale-out\n\nNot run.';
  const rows = results.scaleOut.map((entry) => {
    const rate = scaleRate(entry);
    if (rate === null) {
      const bad = entry.outcomes.find((o) => o.status !== 'ok')!;
      return [fmt(entry.instances), fmt(entry.jobs), status(bad), '', '', ''];
    }
    const perInstance = entry.outcomes.map((o) => fmt(ok(o)!.runs)).join(' / ');
    const worst = Math.max(...entry.outcomes.map((o) => ok(o)!.lateness.p99));
    const p50 = Math.max(...entry.outcomes.map((o) => ok(o)!.lateness.p50));
    return [fmt(entry.instances), fmt(entry.jobs), fmt(rate), perInstance, fmt(p50), fmt(worst)];
  });
  const first = results.scaleOut[0]!;
  const saturated = results.scaleOut.every((e) => (scaleRate(e) ?? 0) < 0.95 * e.jobs);
  return [
    '## 6. Scale-out',
    '',
    `${fmt(first.jobs)} handler jobs due every second (\`* * * * * *\`) on one Postgres (fsync on), run by 1, 2 and`,
    `3 scheduler processes (\`concurrency: 100\`); runs started during ${fmt(first.seconds)} s after a warm-up.`,
    'All processes share this machine’s cores with Postgres itself, so more instances add claim contention',
    'more than capacity here.',
    ...(saturated
      ? [
          `Every configuration ran fewer than the ${fmt(first.jobs)} occurrences due per second and fell behind`,
          '(see the lateness), so runs/s is the capacity of the setup, not the demand.',
        ]
      : []),
    '',
    table(
      ['instances', 'jobs', 'runs/s (all)', 'runs per instance', 'p50 lateness ms (worst)', 'p99 ms (worst)'],
      rows,
    ),
  ].join('\n');
}
