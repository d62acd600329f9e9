/**
 * HTTP job throughput in a fresh process: `concurrency` callers, each running its own HTTP job with
 * `triggerJob` in a loop (cronhook), or each sending plain undici requests in a loop (the baseline).
 */
import { HttpTransport, MemoryStorage, Scheduler } from 'cronhook';
import { report, workerInput } from '../lib/child.js';
import { round } from '../lib/stats.js';
import { undiciLoop } from '../lib/undici-loop.js';

export interface ThroughputInput {
  mode: 'cronhook' | 'undici-loop';
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface ThroughputResult {
  mode: ThroughputInput['mode'];
  concurrency: number;
  runs: number;
  failures: number;
  runsPerSec: number;
  /** CPU time of this process (user + system) per counted run, in µs: the window's CPU over its runs. */
  cpuUsPerRun: number;
}

const input = workerInput<ThroughputInput>();
const body = '{"ping":true}';
let counting = false;
let runs = 0;
let failures = 0;
let stopAt = Number.POSITIVE_INFINITY;

async function loop(once: () => Promise<boolean>): Promise<void> {
  while (performance.now() < stopAt) {
    const ok = await once();
    if (!counting) continue;
    if (ok) runs++;
    else failures++;
  }
}

let callers: Array<() => Promise<boolean>>;
let close: () => Promise<void>;
if (input.mode === 'cronhook') {
  const transport = new HttpTransport();
  const scheduler = new Scheduler({
    storage: new MemoryStorage(),
    transport,
    concurrency: input.concurrency,
  });
  callers = [];
  for (let i = 0; i < input.concurrency; i++) {
    // Due once a year: only triggerJob runs them here.
    await scheduler.addJob({
      id: `http${i}`,
      schedule: '0 0 1 1 *',
      target: { url: `${input.url}/job`, method: 'POST', body },
    });
    callers.push(async () => (await scheduler.triggerJob(`http${i}`)).status === 'succeeded');
  }
  await scheduler.start();
  close = async () => {
    await scheduler.stop();
    await transport.close();
  };
} else {
  const plain = undiciLoop(`${input.url}/job`, body);
  callers = Array.from({ length: input.concurrency }, () => plain.once);
  close = plain.close;
}

const started = performance.now();
stopAt = started + input.warmupMs + input.durationMs;
// The window starts when the warm-up timer fires: a timer late under load shortens the window, not the rate
// (as in the telemetry worker). Runs, CPU and time are counted from the same instant on both sides.
let windowStart = Number.NaN;
let cpuAtCount = process.cpuUsage();
setTimeout(() => {
  counting = true;
  windowStart = performance.now();
  cpuAtCount = process.cpuUsage();
}, input.warmupMs);
await Promise.all(callers.map((c) => loop(c)));
const elapsed = performance.now() - windowStart;
const cpu = process.cpuUsage(cpuAtCount);
await close();
const result: ThroughputResult = {
  mode: input.mode,
  concurrency: input.concurrency,
  runs,
  failures,
  runsPerSec: round((runs / elapsed) * 1000, 0),
  cpuUsPerRun: round((cpu.user + cpu.system) / Math.max(1, runs + failures), 1),
};
await report(result);
