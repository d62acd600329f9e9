/** Section 1 and 2 of the report: registration against the peers, and the idle cost of the jobs held. */
import { type BenchResults, ok } from '../lib/results.js';
import type { RegistrationResult } from '../workers/registration.js';
import { fmt, status, type Target, table } from './format.js';

function registrationOf(results: BenchResults, library: string, n: number): RegistrationResult | undefined {
  return ok(results.registration.find((r) => r.library === library && r.n === n)?.outcome);
}

/** Registration against node-cron, judged at the largest size both measured (other sizes shown too), and idle. */
export function registrationTargets(results: BenchResults): Target[] {
  const out: Target[] = [];
  const common = results.registration
    .filter((r) => r.library === 'node-cron' && r.outcome.status === 'ok')
    .map((r) => r.n)
    .filter((n) => registrationOf(results, 'cronhook', n))
    .sort((a, b) => b - a);
  if (common.length > 0) {
    const pair = (n: number) => [
      registrationOf(results, 'cronhook', n)!,
      registrationOf(results, 'node-cron', n)!,
    ];
    const describeAt = (pick: (r: RegistrationResult) => number, unit: string, digits: number) =>
      common
        .map((n) => {
          const [mine, theirs] = pair(n);
          const ratio = pick(mine!) / pick(theirs!);
          return `${fmt(pick(mine!), digits)} vs ${fmt(pick(theirs!), digits)} ${unit} at ${fmt(n)} jobs (${fmt(ratio, 2)}×)`;
        })
        .join('; ');
    const [mine, theirs] = pair(common[0]!);
    out.push({
      id: 'registration-bytes',
      target: 'Registration: cronhook heap bytes/job ≤ 1/3 of node-cron’s (judged at the largest size)',
      measured: describeAt((r) => r.heapBytesPerJob, 'B/job', 0),
      met: mine!.heapBytesPerJob * 3 <= theirs!.heapBytesPerJob,
    });
    out.push({
      id: 'registration-time',
      target: 'Registration: cronhook time/job ≤ 1/3 of node-cron’s (CPU time, judged at the largest size)',
      measured: describeAt((r) => r.cpuUsPerJob, 'CPU µs/job', 1),
      met: mine!.cpuUsPerJob * 3 <= theirs!.cpuUsPerJob,
    });
  }
  const big = registrationOf(results, 'cronhook', 100_000);
  out.push({
    id: 'registration-100k',
    target: 'Registration: 100k cronhook jobs added and started in < 1 s',
    measured: big ? `${fmt(big.totalMs)} ms wall, ${fmt(big.cpuMs)} ms CPU` : 'not measured',
    met: big ? big.totalMs < 1000 : null,
  });
  // 2. Idle.
  const idle = big?.idle;
  out.push({
    id: 'idle-cpu',
    target: 'Idle: cronhook holding 100k jobs uses < 1% of one core',
    measured: idle
      ? `${fmt(idle.corePct, 3)}% (${fmt(idle.cpuMs, 1)} ms CPU in ${fmt(idle.wallMs / 1000, 1)} s)`
      : '–',
    met: idle ? idle.corePct < 1 : null,
  });
  out.push({
    id: 'idle-timers',
    target: 'Idle: cronhook keeps ≤ 1 timer armed',
    measured: idle ? `${idle.timers}` : '–',
    met: idle ? idle.timers <= 1 : null,
  });
  return out;
}

export function registrationTables(results: BenchResults): string {
  const rows = results.registration.map(({ library, n, outcome }) => {
    const r = ok(outcome);
    if (!r) return [library, fmt(n), status(outcome), '', '', '', '', ''];
    return [
      library,
      fmt(n),
      fmt(r.totalMs),
      fmt(r.usPerJob, 1),
      fmt(r.cpuUsPerJob, 1),
      fmt(r.heapBytesPerJob),
      fmt(r.rssBytes / 2 ** 20),
      fmt(r.timers),
    ];
  });
  const idleRows = results.registration.flatMap(({ library, n, outcome }) => {
    const idle = ok(outcome)?.idle;
    if (!idle) return outcome.status === 'ok' ? [] : [[library, fmt(n), status(outcome), '', '', '']];
    return [
      [
        library,
        fmt(n),
        `${fmt(idle.cpuMs, 1)} ms in ${fmt(idle.wallMs / 1000, 1)} s`,
        `${fmt(idle.corePct, 3)}%`,
        fmt(idle.timers),
        fmt(idle.runs),
      ],
    ];
  });
  return [
    '## 1. Registration',
    '',
    'Daily minute-level cron jobs (`m h * * *`, spread over the day, identical for every library), registered',
    'with a no-op handler and started; time from the first registration until started; heap retained after',
    'full GC (`heapUsed` delta), and RSS growth. cronhook: `Scheduler` on `MemoryStorage`, `addJob` with a',
    'handler target. node-cron: `cron.schedule`. croner: `new Cron`. toad-scheduler: `addCronJob(new CronJob)`.',
    '',
    table(
      [
        'library',
        'jobs',
        'total ms',
        'µs/job (wall)',
        'µs/job (CPU)',
        'heap B/job',
        'RSS MiB',
        'timers armed',
      ],
      rows,
    ),
    '',
    '## 2. Idle cost',
    '',
    'CPU time (`process.cpuUsage()`, user + system) while each library holds its largest job set, none due.',
    '',
    table(['library', 'jobs held', 'CPU', 'of one core', 'timers armed', 'runs meanwhile'], idleRows),
  ].join('\n');
}
