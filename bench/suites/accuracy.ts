/** Section 3: firing accuracy of cronhook and its peers. */
import { runWorker } from '../lib/child.js';
import type { AccuracyInput, AccuracyResult } from '../workers/accuracy.js';
import { describe, type SuiteContext } from './context.js';

export async function accuracySuite({ profile, results, log }: SuiteContext): Promise<void> {
  for (const n of profile.accuracy.sizes) {
    for (const library of profile.accuracy.libraries) {
      if (library !== 'cronhook' && profile.accuracy.cronhookOnly.includes(n)) continue;
      const input: AccuracyInput = {
        library,
        n,
        seconds: profile.accuracy.seconds,
        graceMs: profile.accuracy.graceMs,
      };
      const outcome = await runWorker<AccuracyResult>('accuracy', input, {
        timeoutMs: profile.accuracy.timeoutMs,
      });
      results.accuracy.push({ library, n, outcome });
      log(
        `accuracy ${library} ${n}: ${describe(outcome, (r) => `p50 ${r.lateness.p50} p99 ${r.lateness.p99} max ${r.lateness.max} ms, missed ${r.missed}`)}`,
      );
    }
  }
}
