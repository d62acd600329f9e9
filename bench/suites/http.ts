/** Section 4: HTTP jobs against a plain undici loop, in alternating rounds; each keeps its best round. */
import { runWorker } from '../lib/child.js';
import type { ThroughputInput, ThroughputResult } from '../workers/http-throughput.js';
import { describe, type SuiteContext } from './context.js';

export async function httpSuite({ profile, results, log }: SuiteContext, url: string): Promise<void> {
  const { rounds, ...http } = profile.http;
  results.http.rounds = [];
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['undici-loop', 'cronhook'] as const) {
      const input: ThroughputInput = { mode, url: url, ...http };
      const outcome = await runWorker<ThroughputResult>('http-throughput', input, { timeoutMs: 120_000 });
      results.http.rounds.push(outcome);
      const key = mode === 'cronhook' ? 'cronhook' : 'loop';
      const best = results.http[key];
      if (
        outcome.status === 'ok' &&
        (best.status !== 'ok' || best.result.runsPerSec < outcome.result.runsPerSec)
      )
        results.http[key] = outcome;
      else if (best.status === 'skipped') results.http[key] = outcome;
      log(`http ${mode} round ${round + 1}: ${describe(outcome, (r) => `${r.runsPerSec} runs/s`)}`);
    }
  }
}
