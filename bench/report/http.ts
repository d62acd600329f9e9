/** Section 4 of the report: HTTP jobs against a plain undici loop. */
import { type BenchResults, ok } from '../lib/results.js';
import { fmt, status, type Target, table } from './format.js';

export function httpTarget(results: BenchResults): Target {
  const loop = ok(results.http.loop);
  const mine = ok(results.http.cronhook);
  return {
    id: 'http',
    target: 'HTTP jobs: runs/s ≥ 0.9× a plain undici loop at the same concurrency',
    measured:
      loop && mine
        ? `${fmt(mine.runsPerSec)} vs ${fmt(loop.runsPerSec)} runs/s (${fmt(mine.runsPerSec / loop.runsPerSec, 2)}×)`
        : '–',
    met: loop && mine ? mine.runsPerSec >= 0.9 * loop.runsPerSec : null,
  };
}

export function httpTable(results: BenchResults): string {
  const loop = ok(results.http.loop);
  const rounds = results.http.rounds ?? [];
  const rows = (['loop', 'cronhook'] as const).map((key) => {
    const outcome = results.http[key];
    const r = ok(outcome);
    const label = key === 'loop' ? 'plain undici `request` loop' : 'cronhook `triggerJob` loop (HTTP job)';
    // Every round of this contender in the order they ran (the suite alternates loop, cronhook): the best
    // counts, the others show the spread.
    const each = rounds
      .filter((_, i) => i % 2 === (key === 'loop' ? 0 : 1))
      .map((o) => {
        const x = ok(o);
        return x ? fmt(x.runsPerSec) : o.status;
      });
    if (!r) return [label, status(outcome), '', '', '', each.join(' / ')];
    return [
      label,
      fmt(r.runsPerSec),
      r.cpuUsPerRun === undefined ? '–' : fmt(r.cpuUsPerRun, 1),
      fmt(r.failures),
      loop ? `${fmt(r.runsPerSec / loop.runsPerSec, 2)}×` : '–',
      each.join(' / '),
    ];
  });
  return [
    '## 4. HTTP job throughput',
    '',
    `${results.http.concurrency} callers, each awaiting one request (or one \`triggerJob\` of its own HTTP job)`,
    `at a time, in alternating rounds (${(results.http.rounds?.length ?? 2) / 2} of each); the best round of each counts,`,
    'since load from elsewhere on the machine only ever slows a round down. Each round is a fresh process,',
    'warm (it runs first: 3 s in the full profile, as in section 5) before its counted window. Against',
    'a node:http receiver on 127.0.0.1 in a separate process; cronhook with',
    `\`concurrency: ${results.http.concurrency}\`, \`MemoryStorage\`, \`HttpTransport\`. CPU: of the`,
    'calling process per run (user + system, over the counted window of the best round).',
    '',
    table(['what', 'runs/s', 'CPU µs/run', 'failures', 'vs loop', 'rounds (runs/s)'], rows),
  ].join('\n');
}
