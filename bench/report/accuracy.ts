/** Section 3 of the report: firing accuracy of cronhook and its peers. */
import { type BenchResults, ok } from '../lib/results.js';
import { fmt, status, type Target, table } from './format.js';

/** p99 lateness bounds by jobs due every second, no run missed. */
export function accuracyTargets(results: BenchResults): Target[] {
  const out: Target[] = [];
  const bounds: Record<number, number> = { 1: 5, 1000: 20, 10000: 200 };
  for (const [n, bound] of Object.entries(bounds)) {
    const r = ok(results.accuracy.find((a) => a.library === 'cronhook' && a.n === Number(n))?.outcome);
    const peers = results.accuracy
      .filter((a) => a.library !== 'cronhook' && a.n === Number(n))
      .map((a) => {
        const peer = ok(a.outcome);
        return `${a.library} ${peer ? `${fmt(peer.lateness.p99, 1)} ms, ${fmt(peer.missed)} missed` : a.outcome.status}`;
      });
    out.push({
      id: `accuracy-${n}`,
      target: `Accuracy: ${fmt(Number(n))} ${n === '1' ? 'job' : 'jobs'} due every second, p99 lateness ≤ ${bound} ms, no run missed`,
      measured: r
        ? `p99 ${fmt(r.lateness.p99, 1)} ms, ${fmt(r.missed)} of ${fmt(r.expected)} missed` +
          (peers.length > 0 ? ` (p99 of peers: ${peers.join('; ')})` : '')
        : '–',
      met: r ? r.lateness.p99 <= bound && r.missed === 0 : null,
    });
  }
  return out;
}

export function accuracyTable(results: BenchResults): string {
  const rows = results.accuracy.map(({ library, n, outcome }) => {
    const r = ok(outcome);
    if (!r) return [fmt(n), library, status(outcome), '', '', '', ''];
    return [
      fmt(n),
      library,
      fmt(r.lateness.p50, 1),
      fmt(r.lateness.p99, 1),
      fmt(r.lateness.max, 1),
      `${fmt(r.missed)} / ${fmt(r.expected)}`,
      fmt(r.duplicates),
    ];
  });
  const seconds = ok(results.accuracy[0]?.outcome)?.seconds ?? 0;
  return [
    '## 3. Firing accuracy',
    '',
    `Jobs due every second (\`* * * * * *\`) with an in-process handler, over ${seconds} whole seconds after a`,
    'warm-up. Lateness = handler start − the second it was scheduled for (as the library reports it).',
    'cronhook runs with `concurrency` = number of jobs (capped at 10,000), so its queue is not the limit.',
    '“Timed out”: the process did not finish in time; the library fell so far behind that its own timers',
    '(the end of the window) were starved.',
    '',
    table(['jobs', 'library', 'p50 ms', 'p99 ms', 'max ms', 'missed / expected', 'duplicates'], rows),
  ].join('\n');
}
