/**
 * Scale-out on one Postgres. Role 'seed': stores `jobs` handler jobs due every second in `schema`. Role
 * 'run': one scheduler instance on that schema, started at `startAt`; counts the runs it starts during
 * [windowStart, windowEnd) and their lateness, then stops.
 */
import { Scheduler } from 'cronhook';
import { PostgresStorage } from 'cronhook/storage/postgres';
import { report, workerInput } from '../lib/child.js';
import { type Distribution, distribution, preciseNow } from '../lib/stats.js';

export interface ScaleOutInput {
  role: 'seed' | 'run';
  postgresUrl: string;
  schema: string;
  jobs: number;
  windowStart: number;
  windowEnd: number;
  concurrency: number;
}

export interface ScaleOutResult {
  runs: number;
  lateness: Distribution;
}

const input = workerInput<ScaleOutInput>();
const storage = new PostgresStorage({ connectionString: input.postgresUrl, schema: input.schema });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (input.role === 'seed') {
  await storage.migrate();
  const scheduler = new Scheduler({ storage });
  for (let i = 0; i < input.jobs; i++) {
    await scheduler.addJob({ id: `s${i}`, schedule: '* * * * * *', target: { handler: 'tick' } });
  }
  await storage.close();
  await report({ runs: 0, lateness: distribution([]) } satisfies ScaleOutResult);
} else {
  const scheduler = new Scheduler({ storage, concurrency: input.concurrency });
  let runs = 0;
  const lateness: number[] = [];
  scheduler.handle('tick', ({ run }) => {
    const now = preciseNow();
    if (now < input.windowStart || now >= input.windowEnd) return;
    runs++;
    lateness.push(now - run.scheduledAt.getTime());
  });
  const debug = process.env.BENCH_DEBUG
    ? (m: string) => process.stderr.write(`${Date.now()} ${m}\n`)
    : () => {};
  debug('starting');
  // start() resolves after its first claim pass, which may be long with a backlog: do not wait for it.
  const started = scheduler.start();
  await sleep(input.windowEnd - Date.now());
  debug(`window over, ${runs} runs`);
  await Promise.race([scheduler.stop({ timeoutMs: 1000 }), sleep(3000)]);
  await Promise.race([started, sleep(1000)]);
  debug('stopped');
  await Promise.race([storage.close(), sleep(1000)]);
  await report({ runs, lateness: distribution(lateness) } satisfies ScaleOutResult);
}
