/**
 * Firing accuracy of one library in a fresh process: `n` handler jobs due every second; lateness (handler
 * start − scheduled second) and missed runs over a window of whole seconds after a warm-up.
 */
import { report, workerInput } from '../lib/child.js';
import { type Library, loadLibrary } from '../lib/peers.js';
import { type Distribution, distribution, preciseNow } from '../lib/stats.js';

export interface AccuracyInput {
  library: Library;
  n: number;
  seconds: number;
  /** Longest wait after the window for its last runs. */
  graceMs: number;
}

export interface AccuracyResult {
  library: Library;
  n: number;
  seconds: number;
  /** Lateness in ms of the runs for occurrences inside the window. */
  lateness: Distribution;
  expected: number;
  missed: number;
  /** Runs of one occurrence beyond the first. */
  duplicates: number;
  /** Whether the library said which occurrence a run is for (otherwise the current second is assumed). */
  scheduledKnown: boolean;
}

const WARMUP_MS = 1000;

const { library, n, seconds, graceMs } = workerInput<AccuracyInput>();
const register = await loadLibrary(library);
const expressions = new Array<string>(n).fill('* * * * * *');

let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
const seen = new Uint8Array(n * seconds);
const lateness: number[] = [];
let duplicates = 0;
let fired = 0;
let scheduledKnown = true;

const registered = await register(
  expressions,
  (index, scheduledAt) => {
    const now = preciseNow();
    if (scheduledAt === null) scheduledKnown = false;
    const scheduled = scheduledAt ?? Math.floor(now / 1000) * 1000;
    if (scheduled < windowStart || scheduled >= windowEnd) return;
    const slot = ((scheduled - windowStart) / 1000) * n + index;
    if (seen[slot] === 1) {
      duplicates++;
      return;
    }
    seen[slot] = 1;
    fired++;
    lateness.push(now - scheduled);
  },
  { concurrency: Math.min(10_000, Math.max(10, n)) },
);
windowStart = Math.ceil((Date.now() + WARMUP_MS) / 1000) * 1000;
windowEnd = windowStart + seconds * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(windowEnd - Date.now());
const giveUpAt = Date.now() + graceMs;
while (fired < n * seconds && Date.now() < giveUpAt) await sleep(20);
// A library that fell behind may take long to stop; the process exits after reporting anyway.
await Promise.race([registered.stop(), sleep(1000)]);

const result: AccuracyResult = {
  library,
  n,
  seconds,
  lateness: distribution(lateness),
  expected: n * seconds,
  missed: n * seconds - fired,
  duplicates,
  scheduledKnown,
};
await report(result);
