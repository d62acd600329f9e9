/**
 * Registration cost (and, with `idleMs`, idle cost) of one library in a fresh process: time to register `n`
 * daily cron jobs and start them, the heap they retain after GC, and what holding them costs while idle.
 */
import { report, workerInput } from '../lib/child.js';
import { armedTimers, settleHeap } from '../lib/memory.js';
import { dailyPatterns } from '../lib/patterns.js';
import { type Library, loadLibrary } from '../lib/peers.js';
import { round } from '../lib/stats.js';

export interface RegistrationInput {
  library: Library;
  n: number;
  startMinute: number;
  /** Also measure CPU time over this long once registered (no job due meanwhile). */
  idleMs?: number;
}

export interface IdleResult {
  wallMs: number;
  cpuMs: number;
  /** CPU time as a percentage of one core. */
  corePct: number;
  timers: number;
  runs: number;
}

export interface RegistrationResult {
  library: Library;
  n: number;
  /** Wall time from the first registration until started. */
  totalMs: number;
  usPerJob: number;
  /** CPU time (user + system, all threads) over the same span: less skewed by other load on the machine. */
  cpuMs: number;
  cpuUsPerJob: number;
  heapBytes: number;
  heapBytesPerJob: number;
  rssBytes: number;
  timers: number;
  idle?: IdleResult;
}

const input = workerInput<RegistrationInput>();
const register = await loadLibrary(input.library);
const expressions = dailyPatterns(input.n, input.startMinute);
let runs = 0;
const rssBefore = process.memoryUsage().rss;
const heapBefore = settleHeap();
const cpuStart = process.cpuUsage();
const started = performance.now();
const registered = await register(expressions, () => {
  runs++;
});
const totalMs = performance.now() - started;
const cpuUsed = process.cpuUsage(cpuStart);
const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
const heapAfter = settleHeap();
const timers = armedTimers();
const result: RegistrationResult = {
  library: input.library,
  n: input.n,
  totalMs: round(totalMs, 1),
  usPerJob: round((totalMs * 1000) / input.n, 2),
  cpuMs: round(cpuMs, 1),
  cpuUsPerJob: round((cpuMs * 1000) / input.n, 2),
  heapBytes: heapAfter - heapBefore,
  heapBytesPerJob: Math.round((heapAfter - heapBefore) / input.n),
  rssBytes: process.memoryUsage().rss - rssBefore,
  timers,
};

if (input.idleMs !== undefined) {
  const cpu = process.cpuUsage();
  const wallStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, input.idleMs));
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wallStart;
  const cpuMs = (used.user + used.system) / 1000;
  result.idle = {
    wallMs: round(wallMs, 1),
    cpuMs: round(cpuMs, 1),
    corePct: round((cpuMs / wallMs) * 100, 3),
    timers,
    runs,
  };
}
// Keep the inputs reachable until after the last measurement, so they count in neither heap reading.
if (expressions.length !== input.n) throw new Error('unreachable');
void registered;
await report(result);
