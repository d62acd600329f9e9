/** Section 5: webhook delivery against the warm undici + HMAC loop and the receiver's ceiling. */
import { runWorker } from '../lib/child.js';
import type { Outcome, WebhookMode, WebhookRow } from '../lib/results.js';
import type { LoadGeneratorInput } from '../workers/load-generator.js';
import type { WebhookInput } from '../workers/webhook.js';
import { describe, NO_POSTGRES, notRun, type SuiteContext } from './context.js';

/**
 * 5. Webhooks: per endpoint count, alternating rounds of the loop, the notifier on each storage and the load
 * generator; each mode keeps its best round (load from elsewhere only ever slows a round down).
 */
export async function webhookSuite(context: SuiteContext, url: string): Promise<void> {
  const { profile, results, log } = context;
  const w = profile.webhook;
  const modes: WebhookMode[] = ['loop', 'memory', 'sqlite', 'postgres', 'autocannon'];
  for (const endpoints of w.endpoints) {
    const rows = new Map(
      modes.map((mode) => [
        mode,
        {
          endpoints,
          mode,
          outcome: notRun() as Outcome<WebhookRow>,
          rounds: [] as Array<Outcome<WebhookRow>>,
        },
      ]),
    );
    for (let round = 0; round < w.rounds; round++) {
      for (const mode of modes) {
        const row = rows.get(mode)!;
        const outcome = await webhookRound(context, url, mode, endpoints);
        row.rounds.push(outcome);
        const best = row.outcome;
        if (
          outcome.status === 'ok'
            ? best.status !== 'ok' || best.result.deliveriesPerSec < outcome.result.deliveriesPerSec
            : best.status === 'skipped'
        )
          row.outcome = outcome;
        log(
          `webhook ${mode} ×${endpoints} round ${round + 1}: ${describe(outcome, (r) => `${r.deliveriesPerSec} deliveries/s, ${r.cpuUsPerDelivery} CPU µs each${'exhausted' in r && r.exhausted ? ' (backlog ran out)' : ''}`)}`,
        );
      }
    }
    results.webhook.push(...rows.values());
  }
}

function webhookRound(
  { profile, postgres }: SuiteContext,
  url: string,
  mode: WebhookMode,
  endpoints: number,
): Promise<Outcome<WebhookRow>> {
  const w = profile.webhook;
  const timeoutMs = w.timeoutMs;
  if (mode === 'autocannon') {
    const input: LoadGeneratorInput = {
      url,
      endpoints,
      concurrency: w.concurrency,
      warmupMs: w.warmupMs,
      durationMs: w.durationMs,
    };
    return runWorker('load-generator', input, { timeoutMs });
  }
  if (mode === 'postgres' && postgres === null)
    return Promise.resolve({ status: 'skipped', reason: NO_POSTGRES });
  const seconds = (w.warmupMs + w.durationMs + 1000) / 1000;
  const backlog = mode === 'loop' ? 0 : Math.ceil((w.backlogRate[mode] * seconds) / endpoints);
  const input: WebhookInput = {
    mode,
    url,
    endpoints,
    concurrency: w.concurrency,
    warmupMs: w.warmupMs,
    durationMs: w.durationMs,
    backlog,
    latencyMessages: w.latencyMessages,
    latencyGapMs: w.latencyGapMs,
    ...(postgres ? { postgresUrl: postgres.url } : {}),
  };
  return runWorker('webhook', input, { timeoutMs });
}
